import * as fs from 'node:fs';
import * as path from 'node:path';
import { bytesText } from '@cpsbackup/config';
import { AgentError, ExitCode } from '../errors';
import { WriterStopped } from './file-writer';
import { type WriteStop } from './file-writer-worker';
import { pathUnder } from './safe-path';

/** Errors of the filesystem restored into that stop every entry, what they mean and what to do. */
const FATAL: Record<string, { what: string; todo: string }> = {
  EROFS: { what: 'its filesystem is read-only', todo: 'remount it read-write (mount -o remount,rw), or restore into another directory with --to' },
  ENOSPC: {
    what: 'its filesystem is full',
    todo: 'free space on it, or restore into another directory with --to; then restore again (--overwrite replaces what this restore left)',
  },
  EDQUOT: {
    what: 'the disk quota of its owner is reached',
    todo: 'raise the quota or free space, or restore into another directory with --to; then restore again (--overwrite replaces what this restore left)',
  },
  EIO: { what: 'its disk reports input/output errors', todo: 'check the disk (dmesg, smartctl) and restore onto another one with --to' },
  EMFILE: { what: 'this process may open no more files', todo: 'raise the limit of open files (ulimit -n) and restore again' },
  ENFILE: { what: 'the system may open no more files', todo: 'raise fs.file-max or close files elsewhere, and restore again' },
};

/** What to do about the other errors met making the target itself. */
const TODO: Record<string, string> = {
  EACCES: 'restore as a user who may write there, or into another directory with --to',
  EPERM: 'restore as a user who may write there, or into another directory with --to',
  ENOTDIR: 'a file is in the way: give another directory with --to',
  ELOOP: 'give the directory itself, not a symbolic link',
};

interface Errno {
  code: string;
  /** What the system says of the code ("read-only file system"). */
  description: string;
  syscall?: string;
  path?: string;
}

/** Node's and the syscalls addon's error message: "EROFS: read-only file system, mkdirat '/tmp'". */
const MESSAGE = /^(E[A-Z0-9]+): ([^,]*), (\w+)(?: '(.*)')?$/s;

/** The errno code, system call and path of a failure, from its fields or (from the file writer's thread) its message. */
function errnoOf(err: unknown): Errno | undefined {
  if (err instanceof AgentError) {
    // The writer thread's failure comes as its message: "ENOSPC: no space left on device, write" (node:fs), "..., mkdirat '/x'" (syscalls).
    if (err.code !== 'RESTORE') return undefined;
    const m = MESSAGE.exec(err.message);
    return m ? { code: m[1]!, description: m[2]!, syscall: m[3], path: m[4] } : undefined;
  }
  const e = err as NodeJS.ErrnoException | undefined;
  if (typeof e?.code !== 'string' || !/^E[A-Z0-9]+$/.test(e.code)) return undefined;
  return { code: e.code, description: MESSAGE.exec(e.message)?.[2] ?? e.code, syscall: e.syscall, path: typeof e.path === 'string' ? e.path : undefined };
}

/**
 * Node's recursive mkdir reports ENOENT where the real cause is another
 * (a read-only filesystem, no permission): asks the deepest directory that
 * exists on the way whether it may be written to, which says why.
 */
function whyNotMade(dir: string, errno: Errno): Errno {
  let parent = path.dirname(dir);
  while (parent !== path.dirname(parent) && !fs.existsSync(parent)) parent = path.dirname(parent);
  try {
    fs.accessSync(parent, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    const why = errnoOf(err);
    return why ? { ...errno, code: why.code, description: why.description } : errno;
  }
  return fs.statSync(parent).isDirectory() ? errno : { ...errno, code: 'ENOTDIR', description: `${parent} is not a directory` };
}

/**
 * A restore's failure as the operator reads it. A filesystem error that
 * stops every entry (read-only, full, a failing disk) becomes an
 * AgentError that says so, names the path as it lies under the target (the
 * writer names entries by their backed-up path, "/tmp", which reads like
 * the live one) and says what to do; so does a failure to make or open the
 * target itself. Exit 1, no stack trace. Anything else (the network, the
 * server, a bug) is returned as it is.
 */
export function restoreFailure(err: unknown, target: string): unknown {
  let errno = errnoOf(err);
  if (!errno) return err;
  if (err instanceof WriterStopped && err.stop.dest !== undefined && NO_SPACE[errno.code]) return outOfSpace(errno.code, err.stop, target);
  // Node's own mkdir and open make and open the target itself (by its real path); every other call names a backed-up path.
  const ofTarget = errno.syscall === 'mkdir' || errno.syscall === 'open';
  if (ofTarget && errno.code === 'ENOENT' && errno.path !== undefined) errno = whyNotMade(errno.path, errno);
  const fatal = FATAL[errno.code];
  if (!fatal && !ofTarget) return err;
  const where = errno.path === undefined ? '' : ` ${ofTarget ? errno.path : placeOf(errno.path, target)}`;
  const what = fatal?.what ?? errno.description;
  const todo = fatal?.todo ?? TODO[errno.code] ?? 'give another directory with --to';
  return new AgentError(
    errno.code,
    `cannot restore into ${path.resolve(target)}: ${what} (${errno.code}, ${errno.syscall ?? 'write'}${where}); ${todo}`,
    ExitCode.FAILED,
  );
}

/** What the space errors say. */
const NO_SPACE: Record<string, string> = { ENOSPC: 'no space left on device', EDQUOT: 'disk quota exceeded' };

/**
 * A restore that filled its disk (or its owner's quota) midway: the file
 * it was writing and how far into it, how many files it completed before
 * (the writer names a file only once complete, so none is left half
 * written), and where to free space.
 */
function outOfSpace(code: string, stop: WriteStop, target: string): AgentError {
  const file = placeOf(stop.dest!, target);
  const at = stop.at !== undefined && stop.size !== undefined ? ` at byte ${stop.at} of ${stop.size}` : '';
  const fsRoot = mountPointOf(target);
  const free = fsRoot ? freeBytesOf(fsRoot) : undefined;
  const where = fsRoot ? `${fsRoot}${free !== undefined ? ` (${bytesText(free)} free now)` : ''}` : 'its filesystem';
  const todo = code === 'EDQUOT' ? `raise the quota or free space on ${where}` : `free space on ${where}`;
  return new AgentError(
    code,
    `restore stopped: ${NO_SPACE[code]} (${code}) writing ${file}${at}; ${stop.filesComplete} files were restored complete before it, ` +
      `and ${file} was removed (no partial file is left); ${todo}, or restore into another directory with --to; ` +
      'then run the same restore again: the files already restored are kept as they are (--overwrite replaces them)',
    ExitCode.FAILED,
  );
}

/** The mount point of the filesystem `dir` (or its nearest existing parent) is on: the last directory up the way on the same device. */
function mountPointOf(dir: string): string | undefined {
  let cur = path.resolve(dir);
  try {
    while (!fs.existsSync(cur) && cur !== '/') cur = path.dirname(cur);
    const dev = fs.statSync(cur).dev;
    while (cur !== '/' && fs.statSync(path.dirname(cur)).dev === dev) cur = path.dirname(cur);
    return cur;
  } catch {
    return undefined; // a directory on the way that cannot be looked at
  }
}

function freeBytesOf(dir: string): number | undefined {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** A backed-up path the writer names, as it lies under the target. */
function placeOf(p: string, target: string): string {
  try {
    return pathUnder(target, Buffer.from(p)).toString();
  } catch {
    return p; // not a path a restore writes to
  }
}
