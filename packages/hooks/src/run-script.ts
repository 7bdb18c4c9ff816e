import { spawn } from 'node:child_process';

/** What an operator's script is run with. */
export interface ScriptRun {
  /** The program: an absolute path (never a shell command line). */
  file: string;
  args: readonly string[];
  /** Variables added to the environment scripts get (see `scriptEnvironment`). */
  env?: Readonly<Record<string, string>>;
  /** The script and everything it started are killed after this long. */
  timeoutMs: number;
  /** What is kept of its output (standard output and error, as they came): the last bytes. Default `OUTPUT_TAIL_BYTES`. */
  outputBytes?: number;
}

/** How a script ended. */
export interface ScriptResult {
  /** It exited with status 0 within its time. */
  ok: boolean;
  /** Its exit status; null when a signal ended it or it never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Still running at the timeout: killed, with its process group. */
  timedOut: boolean;
  /** Why it could not be started (no such file, not executable...). */
  startError?: string;
  /** The last `outputBytes` of what it wrote, standard output and error together, as UTF-8. */
  output: string;
  /** Earlier output was dropped to keep the last bytes. */
  truncated: boolean;
}

/** What is kept of a script's output unless a caller asks otherwise. */
const OUTPUT_TAIL_BYTES = 4096;
/** After the timeout's SIGTERM, how long the script's group has before SIGKILL. */
const KILL_GRACE_MS = 5000;
/** Once the script has exited, how long what it left running in the background may keep its output open before it is no longer read. */
const DRAIN_MS = 2000;

/** The variables of our own environment a script gets (nothing else: no credential of ours leaks into a script). */
const PASSED = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR'];
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The environment every script gets: PATH (a standard one if we have
 * none), HOME, USER, LOGNAME, LANG, LANGUAGE, LC_*, TZ and TMPDIR from
 * ours when set, then the caller's CPSBACKUP_* variables. Nothing else of
 * ours is passed (AWS_* credentials, a database password in the unit's
 * environment...): a script that needs one reads it from its own file.
 */
function scriptEnvironment(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: DEFAULT_PATH };
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && (PASSED.includes(k) || k.startsWith('LC_'))) env[k] = v;
  }
  return { ...env, ...extra };
}

/** The process groups of the scripts running now. */
const runningGroups = new Set<number>();
/** Signals that end a program that does not handle them. */
const ENDING: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * A signal that ends us ends the scripts too (their own process group does
 * not get the terminal's Ctrl-C, and their timeout dies with us): each
 * group gets SIGTERM (what a shell starts in the background ignores
 * SIGINT), then the signal is raised again with our handler gone, so we
 * end as we would have. When the program handles the signal itself (the
 * agent daemon finishes its running backup on SIGTERM), it is its call:
 * the scripts run on.
 */
function passOn(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  endRunningScripts();
  for (const s of ENDING) process.removeListener(s, passOn);
  process.kill(process.pid, signal);
}

/**
 * SIGTERM to every script running now (its group): for a program that
 * handles its ending signals itself (cpsbackupd's graceful shutdown) and
 * ends once its work is done, so no script outlives it unwatched.
 */
export function endRunningScripts(): void {
  for (const group of runningGroups) {
    try {
      process.kill(-group, 'SIGTERM');
    } catch {
      // Gone already.
    }
  }
}

function track(group: number): void {
  if (runningGroups.size === 0) for (const s of ENDING) process.on(s, passOn);
  runningGroups.add(group);
}

function untrack(group: number): void {
  runningGroups.delete(group);
  if (runningGroups.size === 0) for (const s of ENDING) process.removeListener(s, passOn);
}

/** A bounded tail of a byte stream. */
class Tail {
  private chunks: Buffer[] = [];
  private bytes = 0;
  truncated = false;
  constructor(private readonly limit: number) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.bytes += b.length;
    while (this.bytes - this.chunks[0]!.length >= this.limit) {
      this.bytes -= this.chunks.shift()!.length;
      this.truncated = true;
    }
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    if (all.length <= this.limit) return all.toString('utf8');
    this.truncated = true;
    return all.subarray(all.length - this.limit).toString('utf8');
  }
}

/**
 * Runs an operator's script: no shell (the program and its arguments as
 * given), standard input /dev/null, working directory /, the environment
 * of `scriptEnvironment`, in a process group of its own. At the timeout
 * the group gets SIGTERM, then SIGKILL 5 s later; a SIGINT, SIGTERM or
 * SIGHUP that ends this program sends it SIGTERM too. Never rejects: every way
 * it can end is in the result. The event loop is never blocked: the caller
 * awaits.
 */
export function runScript(run: ScriptRun): Promise<ScriptResult> {
  const tail = new Tail(run.outputBytes ?? OUTPUT_TAIL_BYTES);
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    const failed = (err: Error): void =>
      resolve({ ok: false, exitCode: null, signal: null, timedOut: false, startError: err.message, output: '', truncated: false });
    try {
      child = spawn(run.file, [...run.args], {
        cwd: '/',
        env: scriptEnvironment(run.env),
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so that what it starts is killed with it.
        detached: true,
      });
    } catch (err) {
      failed(err as Error);
      return;
    }
    if (child.pid !== undefined) track(child.pid);
    let timedOut = false;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let finished = false;
    const killGroup = (signal: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // The group is gone already.
      }
    };
    let graceTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      if (exited) return;
      timedOut = true;
      killGroup('SIGTERM');
      graceTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    }, run.timeoutMs);
    const finish = (): void => {
      if (finished || !exited) return;
      finished = true;
      untrack(child.pid!);
      clearTimeout(timer);
      clearTimeout(graceTimer);
      clearTimeout(drainTimer);
      // A timed-out script's stragglers go with it.
      if (timedOut) killGroup('SIGKILL');
      child.stdout!.destroy();
      child.stderr!.destroy();
      const { code, signal } = exited;
      resolve({ ok: code === 0 && !timedOut, exitCode: code, signal, timedOut, output: tail.text(), truncated: tail.truncated });
    };
    child.stdout!.on('data', (b: Buffer) => tail.push(b));
    child.stderr!.on('data', (b: Buffer) => tail.push(b));
    child.once('error', (err) => {
      // spawn's failure to start (ENOENT, EACCES): no process, no exit event.
      if (child.pid === undefined) {
        clearTimeout(timer);
        failed(err);
      }
    });
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      // What it left in the background may hold its output open: read on a little, then stop.
      drainTimer = setTimeout(finish, timedOut ? 0 : DRAIN_MS);
    });
    child.once('close', finish);
  });
}

/** How a failed script ended, in words: "exited with status 3", "was still running after 60 s and was killed... (its timeout key)". */
export function scriptEnd(r: ScriptResult, timeoutName: string, timeoutMs: number): string {
  if (r.startError) return `could not be started (${r.startError}): check that it exists, is executable and starts with a #! line`;
  if (r.timedOut) {
    const after = timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`;
    return `was still running after ${after} and was killed with its process group (${timeoutName})`;
  }
  return r.signal ? `was killed by ${r.signal}` : `exited with status ${r.exitCode}`;
}

/** The end of a script's output for a message, or "(no output)". */
export function scriptOutput(r: ScriptResult): string {
  const out = r.output.trim();
  return out ? `its output${r.truncated ? ' (the end of it)' : ''}: ${out}` : '(no output)';
}

/** How a failed script ended, for a message: what it is, how it ended (scriptEnd), then the end of its output. */
export function scriptFailure(what: string, r: ScriptResult, timeoutName: string, timeoutMs: number): string {
  const out = scriptOutput(r);
  return `${what} ${scriptEnd(r, timeoutName, timeoutMs)}${out.startsWith('(') ? ` ${out}` : `; ${out}`}`;
}
