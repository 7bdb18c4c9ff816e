import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { AgentError } from '../errors';

const SLASH = 0x2f;
const DOT = 0x2e;

/**
 * A backed-up path (raw bytes) as the path relative to the directory
 * restored into: its components joined by single slashes, '' for "/".
 * Refuses anything that could leave that directory or name something
 * else: `.` and `..` components, NUL bytes, an empty path. Absolute paths
 * are taken relative to the target (that is what restoring "/etc/x" into a
 * directory means).
 */
export function relativeOf(stored: Buffer): Buffer {
  if (stored.length === 0 || stored.includes(0)) throw new AgentError('UNSAFE_PATH', `refusing a stored path that is empty or holds NUL`);
  // The usual stored path ("/a/b/c": one leading slash, no empty, "." or ".." component) is its own tail: no copy.
  if (isPlainAbsolute(stored)) return stored.subarray(1);
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= stored.length; i++) {
    if (i === stored.length || stored[i] === SLASH) {
      if (i > start) {
        const part = stored.subarray(start, i);
        if ((part.length === 1 && part[0] === DOT) || (part.length === 2 && part[0] === DOT && part[1] === DOT)) {
          throw new AgentError('UNSAFE_PATH', `refusing stored path ${JSON.stringify(stored.toString())}: it contains "." or ".." components`);
        }
        parts.push(part);
      }
      start = i + 1;
    }
  }
  if (parts.length === 1) return parts[0]!;
  const pieces: Buffer[] = [];
  parts.forEach((p, i) => (i === 0 ? pieces.push(p) : pieces.push(SLASH_BUF, p)));
  return Buffer.concat(pieces);
}

const SLASH_BUF = Buffer.from('/');

/** Whether `p` is "/" followed by components that are neither empty, "." nor "..", joined by single slashes ("/a/b", not "/", "//a", "/a/", "/a/../b"). */
function isPlainAbsolute(p: Buffer): boolean {
  if (p.length < 2 || p[0] !== SLASH) return false;
  let start = 1;
  for (let i = 1; i <= p.length; i++) {
    if (i < p.length && p[i] !== SLASH) continue;
    const n = i - start;
    if (n === 0 || (p[start] === DOT && (n === 1 || (n === 2 && p[start + 1] === DOT)))) return false;
    start = i + 1;
  }
  return true;
}

/** A relative path's directory and last component ("a/b/c" → "a/b", "c"; "c" → "", "c"). */
export function splitLast(rel: Buffer): { parent: Buffer; name: Buffer } {
  const i = rel.lastIndexOf(SLASH);
  return i < 0 ? { parent: NO_BYTES, name: rel } : { parent: rel.subarray(0, i), name: rel.subarray(i + 1) };
}

const NO_BYTES = Buffer.alloc(0);

/** Where a backed-up path lands under `target`, as a path (for messages and commands run after a restore). */
export function pathUnder(target: string, stored: Buffer): Buffer {
  const rel = relativeOf(stored);
  const root = Buffer.from(path.resolve(target));
  if (rel.length === 0) return root;
  return root.length === 1 ? Buffer.concat([SLASH_BUF, rel]) : Buffer.concat([root, SLASH_BUF, rel]);
}

/**
 * A temporary name an entry is made under before it takes its own: hidden,
 * beside it, with a random tag, so that it is no name the backup or the
 * live tree holds (a fixed `.NAME.cpsbackup-partial` was: restoring NAME
 * replaced the backup's own file of that name, and a live one). Always made
 * with a call that fails on a name taken (see withPartialName).
 */
function partialName(name: Buffer): Buffer {
  const base = name.toString('latin1');
  const tag = randomBytes(8).toString('hex');
  const tmp =
    base.length <= 200
      ? `.${base}.cpsbackup-partial-${tag}`
      : `.cpsbackup-partial-${createHash('sha256').update(base, 'latin1').digest('hex').slice(0, 16)}-${tag}`;
  return Buffer.from(tmp, 'latin1');
}

/**
 * Runs `make` with fresh temporary names for `name` until one is free:
 * `make` must fail with EEXIST on a name taken (O_EXCL, mknod, symlink,
 * link), so nothing that is there is ever replaced or removed.
 */
export function withPartialName<T>(name: Buffer, make: (tmp: Buffer) => T): { tmp: Buffer; made: T } {
  for (let attempt = 1; ; attempt++) {
    const tmp = partialName(name);
    try {
      return { tmp, made: make(tmp) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 8) throw err;
    }
  }
}
