import * as fs from 'node:fs';
import { compareWalkOrder, isUnder } from '@cpsbackup/format';
import { type DirEntries, type EntryStat, listDir } from '@cpsbackup/syscalls';

/** Kinds of filesystem object the walker reports (matching the store's EntryType). */
export type WalkKind = 'file' | 'dir' | 'symlink' | 'fifo' | 'chardev' | 'blockdev' | 'socket';

/** One object found by the walk. */
export interface WalkItem {
  path: Buffer;
  kind: WalkKind;
  stat: EntryStat;
}

/** What to walk and what to leave out. */
export interface WalkOptions {
  include: string[];
  exclude: string[];
  excludeRegex: RegExp[];
  /** Told about every path that could not be read (the backup carries them as warnings). */
  onWarning: (message: string) => void;
  /**
   * Told about each include root once it is walked: `problem` when it could
   * not be read at all (missing, unmounted, no permission), else how many
   * paths were found below it.
   */
  onRoot?: (root: RootReport) => void;
}

/** What the walk found at one include root. */
export interface RootReport {
  path: Buffer;
  problem?: string;
  /** Paths walked below the root (0 for an empty directory or a file). */
  below: number;
  kind?: WalkKind;
}

const { S_IFMT, S_IFREG, S_IFDIR, S_IFLNK, S_IFIFO, S_IFCHR, S_IFBLK } = fs.constants;

function kindOf(st: EntryStat): WalkKind {
  switch (Number(st.mode) & S_IFMT) {
    case S_IFREG:
      return 'file';
    case S_IFDIR:
      return 'dir';
    case S_IFLNK:
      return 'symlink';
    case S_IFIFO:
      return 'fifo';
    case S_IFCHR:
      return 'chardev';
    case S_IFBLK:
      return 'blockdev';
    default:
      return 'socket';
  }
}

const SLASH = 0x2f;

/**
 * Walks the include paths depth-first, a directory before its contents,
 * names in walk order (format's compareWalkOrder: byte order with '/'
 * below every other byte, a directory before everything under it), so two walks of the same tree give the same order
 * (the manifest then dedups, and it matches the previous backup's order).
 * Names are raw bytes: any byte but NUL and '/' survives.
 */
export function* walk(opts: WalkOptions): Generator<WalkItem> {
  const excludes = opts.exclude.map((p) => Buffer.from(trimSlash(p)));
  const excluded = (p: Buffer): boolean => {
    if (excludes.some((x) => isUnder(p, x))) return true;
    if (opts.excludeRegex.length === 0) return false;
    const s = p.toString();
    return opts.excludeRegex.some((r) => r.test(s));
  };
  const roots = [...new Set(opts.include.map(trimSlash))].map((r) => Buffer.from(r)).sort(compareWalkOrder);
  const seen: Buffer[] = [];
  for (const rootBuf of roots) {
    const root = rootBuf.toString();
    // An include inside another include is walked once, as part of the outer one.
    if (seen.some((s) => isUnder(rootBuf, s))) continue;
    seen.push(rootBuf);
    if (excluded(rootBuf)) continue;
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(rootBuf, { bigint: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      if (opts.onRoot) opts.onRoot({ path: rootBuf, problem: code, below: 0 });
      else opts.onWarning(`include ${root} cannot be read: ${code}`);
      continue;
    }
    let below = -1;
    let listProblem: string | undefined;
    const onWarning = (m: string, listing?: Buffer) => {
      if (listing?.equals(rootBuf)) listProblem = m;
      opts.onWarning(m);
    };
    for (const item of walkFrom(rootBuf, st, excluded, onWarning)) {
      below++;
      yield item;
    }
    opts.onRoot?.({ path: rootBuf, problem: listProblem, below, kind: kindOf(st) });
  }
}

function* walkFrom(path: Buffer, st: EntryStat, excluded: (p: Buffer) => boolean, warn: (m: string, listing?: Buffer) => void): Generator<WalkItem> {
  const kind = kindOf(st);
  yield { path, kind, stat: st };
  if (kind !== 'dir') return;
  // The entries come sorted by name, then their lstat in one more call (syscalls' listDir); an excluded
  // entry is never looked at (it may be a network mount that no longer answers).
  const base = path[path.length - 1] === SLASH ? path : Buffer.concat([path, Buffer.from('/')]);
  const childOf = (entries: DirEntries, i: number) => Buffer.concat([base, entries.name(i)]);
  let entries: DirEntries;
  let wanted: Uint8Array;
  try {
    entries = listDir(path);
    wanted = new Uint8Array(entries.count);
    for (let i = 0; i < entries.count; i++) wanted[i] = excluded(childOf(entries, i)) ? 0 : 1;
    entries.lstat(wanted);
  } catch (err) {
    warn(`directory ${path.toString()} cannot be listed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, path);
    return;
  }
  for (let i = 0; i < entries.count; i++) {
    if (!wanted[i]) continue;
    const child = childOf(entries, i);
    const cst = entries.stat(i);
    if (!cst) {
      const e = entries.error(i)!;
      if (e.code !== 'ENOENT') warn(`${child.toString()} cannot be read: ${e.code ?? e.message}`);
      continue; // vanished between listing and lstat: nothing to back up
    }
    yield* walkFrom(child, cst, excluded, warn);
  }
}

function trimSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.replace(/\/+$/, '') : p;
}
