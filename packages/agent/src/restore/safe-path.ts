import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentError } from '../errors';

const SLASH = 0x2f;

/**
 * Maps a backed-up path (raw bytes) to a path under `target`, refusing
 * anything that could leave it: `..` and `.` components, NUL bytes, empty
 * paths. Absolute paths are taken relative to the target (that is what
 * restoring "/etc/x" into a directory means).
 */
export function pathUnder(target: string, stored: Buffer): Buffer {
  if (stored.length === 0 || stored.includes(0)) throw new AgentError('UNSAFE_PATH', `refusing a stored path that is empty or holds NUL`);
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= stored.length; i++) {
    if (i === stored.length || stored[i] === SLASH) {
      if (i > start) {
        const part = stored.subarray(start, i);
        if ((part.length === 1 && part[0] === 0x2e) || (part.length === 2 && part[0] === 0x2e && part[1] === 0x2e)) {
          throw new AgentError('UNSAFE_PATH', `refusing stored path ${JSON.stringify(stored.toString())}: it contains "." or ".." components`);
        }
        parts.push(part);
      }
      start = i + 1;
    }
  }
  if (parts.length === 0) return Buffer.from(path.resolve(target));
  const root = Buffer.from(path.resolve(target));
  const pieces: Buffer[] = [root];
  for (const p of parts) pieces.push(Buffer.from('/'), p);
  return root.length === 1 ? Buffer.concat(pieces.slice(1)) : Buffer.concat(pieces);
}

/**
 * Makes every directory between `target` and `dest` exist as a real
 * directory. A symlink (or anything but a directory) on the way is refused,
 * so a hostile or stale tree cannot redirect writes outside the target.
 * Directories in `madeHere` were created by this restore (mode 0700, ours)
 * and are not checked again; the ones this call creates are added to it.
 */
export function ensureParents(target: string, dest: Buffer, madeHere?: Set<string>): void {
  if (madeHere && madeHere.has(parentOf(dest))) return;
  const root = Buffer.from(path.resolve(target));
  const rel = dest.subarray(root.length === 1 ? 0 : root.length);
  let cur = root;
  const comps = rel.toString('latin1').split('/').filter(Boolean);
  comps.pop(); // the last component is the entry itself
  for (const c of comps) {
    cur = Buffer.concat([cur, cur.length === 1 && cur[0] === SLASH ? Buffer.alloc(0) : Buffer.from('/'), Buffer.from(c, 'latin1')]);
    if (madeHere?.has(cur.toString('latin1'))) continue;
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(cur);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (!st) {
      fs.mkdirSync(cur, { mode: 0o700 });
      madeHere?.add(cur.toString('latin1'));
    } else if (!st.isDirectory()) {
      throw new AgentError('UNSAFE_PATH', `refusing to restore through ${cur.toString()}: it is ${st.isSymbolicLink() ? 'a symlink' : 'not a directory'}`);
    }
  }
}

/** The directory part of a path ("/a/b" → "/a"), latin1 so any byte survives. */
export function parentOf(p: Buffer): string {
  const i = p.lastIndexOf(SLASH);
  return i <= 0 ? '/' : p.subarray(0, i).toString('latin1');
}
