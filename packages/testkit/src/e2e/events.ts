/**
 * Waiting for what happened, never for how much time passed: a busy
 * machine stretches every delay, so a test that decides by the clock
 * fails there (or passes without testing anything). These helpers look
 * at the event itself; the period they look at only bounds the lag, and
 * the test runner's per-test timeout is the only net against a hang.
 */
import * as fs from 'node:fs';

/**
 * Resolves once `done()` holds. `what` names the event (for the error);
 * `failIf()`, looked at before each look at `done()`, returns why the
 * event can no longer happen (a process that exited, say), which rejects
 * at once instead of waiting out the test's timeout.
 */
export async function until(
  what: string,
  done: () => boolean | Promise<boolean>,
  failIf: () => string | undefined = () => undefined,
  periodMs = 20,
): Promise<void> {
  for (;;) {
    const why = failIf();
    if (why !== undefined) throw new Error(`gave up waiting for ${what}: ${why}`);
    if (await done()) return;
    await new Promise((r) => setTimeout(r, periodMs));
  }
}

/** Resolves once some process holds `fifo` open (the agent, reading it): read from /proc. */
export async function fifoHasReader(fifo: string): Promise<void> {
  await until(
    `a process to open ${fifo}`,
    () => {
      for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        try {
          for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === fifo) return true;
        } catch {
          // Gone meanwhile, or not ours to read.
        }
      }
      return false;
    },
    undefined,
    5,
  );
}

/** Whether a process runs under this id: its /proc entry, a zombie (ended, not yet reaped) counting as ended. */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Resolves once process `pid` has ended (a signal lands when the process is next scheduled, not when it is sent). */
export async function processEnded(pid: number): Promise<void> {
  await until(`process ${pid} to end`, () => !running(pid));
}
