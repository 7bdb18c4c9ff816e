/** Snapshots of directory trees (content hashes and metadata) for comparing a restore with the original. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

/** What a comparison looks at for one path. */
export interface TreeRecord {
  type: string;
  mode: string;
  size: number;
  /** Nanoseconds, as a string (a restore sets them exactly). */
  mtimeNs: string;
  sha256?: string;
  target?: string;
  /** Device number of a device node. */
  rdev?: string;
}

function typeOf(st: fs.BigIntStats): string {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  return 'other';
}

/** Walks `root` with raw-byte names; calls `fn` with the relative path (latin1, byte-exact) and the absolute path. */
function walkBytes(root: string, fn: (rel: string, abs: Buffer, st: fs.BigIntStats) => void): void {
  const visit = (rel: Buffer, abs: Buffer) => {
    const st = fs.lstatSync(abs, { bigint: true });
    if (rel.length) fn(rel.toString('latin1'), abs, st);
    if (!st.isDirectory()) return;
    const names = fs.readdirSync(abs, { encoding: 'buffer' }).sort(Buffer.compare);
    for (const name of names) {
      const sep = Buffer.from('/');
      visit(rel.length ? Buffer.concat([rel, sep, name]) : name, Buffer.concat([abs, sep, name]));
    }
  };
  visit(Buffer.alloc(0), Buffer.from(root));
}

/**
 * Every path below `root` with type, permission bits, size, mtime (ns),
 * content hash of files and target of symlinks. Names are compared byte for
 * byte (keys are latin1 renderings of the raw bytes).
 */
export function snapshotTree(root: string): Map<string, TreeRecord> {
  const out = new Map<string, TreeRecord>();
  walkBytes(root, (rel, abs, st) => {
    const rec: TreeRecord = {
      type: typeOf(st),
      mode: (st.mode & 0o7777n).toString(8),
      size: st.isFile() ? Number(st.size) : 0,
      mtimeNs: st.mtimeNs.toString(),
    };
    if (st.isFile()) rec.sha256 = createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
    if (st.isCharacterDevice() || st.isBlockDevice()) rec.rdev = st.rdev.toString();
    if (st.isSymbolicLink()) rec.target = fs.readlinkSync(abs, { encoding: 'buffer' }).toString('latin1');
    out.set(rel, rec);
  });
  return out;
}

/** Paths sharing an inode (hard links), as sorted groups. */
export function hardLinkGroups(root: string): string[][] {
  const byIno = new Map<bigint, string[]>();
  walkBytes(root, (rel, _abs, st) => {
    if (st.isFile() && st.nlink > 1n) byIno.set(st.ino, [...(byIno.get(st.ino) ?? []), rel]);
  });
  return [...byIno.values()].map((g) => g.sort()).sort();
}

/**
 * How many directories lie between "/" and an include path: a backup keeps
 * each as an entry (its metadata), so they count among its entries, and
 * their listings change with whatever else happens in them.
 */
export function directoriesOnTheWay(include: string): number {
  return include.split('/').filter(Boolean).length - 1;
}
