import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Whether a dump a restore wrote may be loaded into a database. The
 * restore writes through descriptors and never follows a link, but the
 * load command opens the file by its path afterwards: if anyone but root
 * (and the user restoring) can write to a directory on that path, they can
 * put a file of their own at the dump's name during the restore (or after
 * it) and have it loaded as this backup's. So the way from "/" to the dump
 * is looked at before the restore and after it.
 */

/** One step of the way from "/" to a dump file: its path, and what lstat found there (undefined: nothing). */
export interface WayStep {
  path: string;
  st: fs.BigIntStats | undefined;
}

/** `p` with the symbolic links of the part that exists resolved, the missing rest appended as given. */
export function realPathOfExisting(p: string): string {
  const tail: string[] = [];
  for (let head = path.resolve(p); ; head = path.dirname(head)) {
    try {
      return path.join(fs.realpathSync(head), ...tail);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || head === '/') throw err;
      tail.unshift(path.basename(head));
    }
  }
}

/** Every component of the absolute path `file`, from "/" to the file itself, as lstat finds it now. */
export function wayTo(file: string): WayStep[] {
  const steps: WayStep[] = [];
  let missing = false;
  for (let p = file; ; p = path.dirname(p)) {
    steps.unshift({ path: p, st: undefined });
    if (p === '/') break;
  }
  for (const step of steps) {
    if (missing) continue;
    try {
      step.st = fs.lstatSync(step.path, { bigint: true, throwIfNoEntry: false });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw err;
    }
    missing = step.st === undefined;
  }
  return steps;
}

function sameInode(a: fs.BigIntStats, b: fs.BigIntStats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * Why the dump at the end of the way must not be loaded, or undefined when
 * it may: `before` is the way as it was before the restore, `after` as it
 * is now (the same paths), `uid` the user restoring. Every directory on the
 * way, before and after, must belong to root or `uid` and be writable by
 * no one else. A world-writable directory with the sticky bit (/tmp) will
 * do where what follows it on the way belongs to root or `uid` (no one
 * else may rename it) and either was there before the restore, or the
 * directory was not (the restore made it 0700, and opens it up only once
 * every file is written). The dump itself is a regular file of `uid` with
 * one name.
 */
export function wayProblem(before: readonly WayStep[], after: readonly WayStep[], uid: number): string | undefined {
  const user = BigInt(uid);
  const owned = (st: fs.BigIntStats | undefined) => st !== undefined && (st.uid === 0n || st.uid === user);
  const last = after.length - 1;
  for (let i = 0; i < last; i++) {
    const { path: p, st: now } = after[i]!;
    const was = before[i]!.st;
    if (!now) return `${p} is gone`;
    if (was && !sameInode(was, now)) return `${p} was replaced during the restore`;
    for (const st of was ? [was, now] : [now]) {
      if (!st.isDirectory()) return `${p} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}`;
      if (!owned(st)) return `${p} belongs to uid ${st.uid}`;
      if ((st.mode & 0o022n) === 0n) continue;
      const next = after[i + 1]!.st;
      const nextWas = before[i + 1]!.st;
      const shielded = (st.mode & 0o1000n) !== 0n && owned(next) && (nextWas ? owned(nextWas) && sameInode(nextWas, next!) : was === undefined);
      if (!shielded) {
        const mode = `${p} can be written by others (mode ${(st.mode & 0o7777n).toString(8)})`;
        // A sticky directory that was there, before one the restore made in it: its maker cannot be told (anyone could have been first).
        const late = (st.mode & 0o1000n) !== 0n && was !== undefined && nextWas === undefined && owned(next);
        return late ? `${mode}, and ${after[i + 1]!.path} was not there before the restore (anyone could have made it first)` : mode;
      }
    }
  }
  const { path: file, st } = after[last]!;
  if (!st) return `${file} is gone`;
  if (!st.isFile()) return `${file} is not a regular file`;
  if (st.uid !== user) return `${file} belongs to uid ${st.uid}, not to the user who restored it (uid ${uid})`;
  if (st.nlink !== 1n) return `${file} has ${st.nlink} names (hard links)`;
  return undefined;
}
