import * as fs from 'node:fs';
import * as os from 'node:os';
import { type IoPriority, ioPriorityText } from '@cpsbackup/config';
import { setIoPriority } from '@cpsbackup/syscalls';

/** What a backup runs at: node.conf's nice and ionice. */
export interface BackupPriority {
  nice: number;
  ionice: IoPriority;
}

/** This process's threads: Linux lists them in /proc/self/task. */
function threadIds(): number[] {
  return fs.readdirSync('/proc/self/task').map(Number);
}

/** A thread that ended meanwhile (one of libuv's or V8's): nothing to set. */
function gone(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ESRCH' || code === 'ENOENT';
}

/**
 * Sets node.conf's nice and ionice on every thread of the agent, at the
 * start of a backup (the daemon's and -e's). Linux keeps both per thread,
 * and the agent has threads already (V8's, libuv's pool, workers of an
 * earlier backup): the main thread first, so that every thread made from
 * then on (the backup's workers, scripts and dump jobs, which the main
 * thread starts) inherits them, then each thread listed, again until no
 * new one appears. A priority that cannot be set (a niceness below the
 * current one needs CAP_SYS_NICE) is said once through `warn`; the backup
 * goes on at the priority it has.
 */
export function applyBackupPriority(priority: BackupPriority, warn: (line: string) => void): void {
  const failed = new Map<string, string>();
  const startNice = os.getPriority(process.pid);
  const setOne = (tid: number) => {
    try {
      if (os.getPriority(tid) !== priority.nice) os.setPriority(tid, priority.nice);
    } catch (err) {
      if (!gone(err)) failed.set('nice', niceFailure(priority.nice, startNice, err));
    }
    if (priority.ionice.class === 'none') return;
    try {
      setIoPriority(tid, priority.ionice.class, priority.ionice.class === 'best-effort' ? priority.ionice.level : 0);
    } catch (err) {
      if (!gone(err)) {
        failed.set(
          'ionice',
          `cannot set the I/O priority ionice = ${ioPriorityText(priority.ionice)} (node.conf): ${errnoCode(err)}; the backup runs at the I/O priority it has`,
        );
      }
    }
  };
  setOne(process.pid);
  const done = new Set([process.pid]);
  for (;;) {
    const fresh = threadIds().filter((t) => !done.has(t));
    if (fresh.length === 0) break;
    for (const tid of fresh) {
      setOne(tid);
      done.add(tid);
    }
  }
  for (const line of failed.values()) warn(line);
}

/** The errno of a failed call: node:os throws ERR_SYSTEM_ERROR with it in `info`. */
function errnoCode(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { info?: { code?: string } };
  return e.info?.code ?? e.code ?? e.message;
}

function niceFailure(wanted: number, current: number, err: unknown): string {
  const code = errnoCode(err);
  const why =
    wanted < current && (code === 'EACCES' || code === 'EPERM')
      ? `it is ${current} now, and lowering it needs CAP_SYS_NICE (root, and in the systemd units a drop-in adding it to CapabilityBoundingSet)`
      : code;
  return `cannot set the niceness nice = ${wanted} (node.conf): ${why}; the backup runs at niceness ${current}`;
}
