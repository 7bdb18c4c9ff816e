import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareWalkOrder, ENTRY_LIMITS, isUnder, type Xattr } from '@cpsbackup/format';
import { closeFd, type DirEntries, type EntryStat, listDir, lstatAt, readlinkAt, readXattrs, readXattrsFd } from '@cpsbackup/syscalls';
import { openToRead } from './no-atime';
import { atDirectory, FsBoundaries, type FsRules, STAY_ON_FILESYSTEM } from './filesystems';
import { type PathPattern, Selection, type SelectionRules } from './selection';

/** Kinds of filesystem object the walker reports (matching the store's EntryType). */
export type WalkKind = 'file' | 'dir' | 'symlink' | 'fifo' | 'chardev' | 'blockdev' | 'socket';

/** One object found by the walk. */
export interface WalkItem {
  path: Buffer;
  kind: WalkKind;
  stat: EntryStat;
  /** A symlink's target, read when its directory was listed. */
  linkTarget?: Buffer;
  /** Its extended attributes (ACLs and file capabilities among them), read when its directory was listed; absent: none. */
  xattrs?: Xattr[];
  /**
   * A directory on the way to an include root, not itself included: its
   * entry keeps its metadata (a restore onto a new machine makes it as it
   * was, not 0700), nothing below it but the way to the root is walked.
   */
  ancestor?: boolean;
}

/** What to walk and what to leave out. */
export interface WalkOptions {
  include: string[];
  exclude: string[];
  excludeRegex: PathPattern[];
  /** node.conf's other selection keys (selection.ts); none: every entry below an include is kept. */
  rules?: SelectionRules;
  /** Includes the selection keys do not apply to (the dump directory): only include, exclude and exclude_regex there. */
  exempt?: string[];
  /** Told about every path that could not be read (the backup carries them as warnings). */
  onWarning: (message: string) => void;
  /** Which file systems mounted below an include are entered (default: none, as Burp). */
  filesystems?: FsRules;
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
  /** The root's file system is left out by exclude_fs or include_fs (why): only its directory was backed up, as configured. */
  fsLeftOut?: string;
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
const SLASH_BUF = Buffer.from('/');

/**
 * An include as the walk takes it: the real path its data lies at (no
 * symbolic link on the way), and the symbolic links met on the way to it,
 * each recorded as a link (so a restore puts back both the links and the
 * data where it lives).
 */
interface ResolvedInclude {
  written: string;
  real?: string;
  links: string[];
  problem?: string;
  /** The last of `links` is not followed (see trustedLink): what it leads to, its owner. */
  notFollowed?: { leadsTo: string; uid: number };
}

/**
 * Whether a symbolic link on the way to an include is followed: only one
 * owned by root or by the user the backup runs as. Anyone else's link is
 * theirs to point anywhere (a user's `~/Documents -> /root` would make a
 * root backup read what that user cannot), so it is backed up as the link
 * it is, as Burp backs up an include that is a link.
 */
function trustedLink(uid: number): boolean {
  return uid === 0 || uid === process.geteuid?.();
}

/** At most this many links are followed resolving one include (as the kernel's own limit). */
const MAX_LINKS = 40;

/**
 * Resolves an include: every component that is a symbolic link is
 * recorded, and the path goes on from where it points (realpath), until
 * none is left. The walk below the result never follows a link.
 */
function resolveInclude(written: string): ResolvedInclude {
  const links: string[] = [];
  let cur = written;
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    const parts = cur.split('/').filter(Boolean);
    let found = -1;
    let owner = 0;
    for (let i = 1; i <= parts.length && found < 0; i++) {
      const prefix = '/' + parts.slice(0, i).join('/');
      let st: fs.Stats;
      try {
        st = fs.lstatSync(prefix);
      } catch (err) {
        return { written, links, problem: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
      }
      if (st.isSymbolicLink()) [found, owner] = [i, st.uid];
    }
    if (found < 0) return { written, real: cur === '' ? '/' : '/' + parts.join('/'), links };
    const link = '/' + parts.slice(0, found).join('/');
    links.push(link);
    // One link at a time, so each link of a chain is recorded (a restore elsewhere needs them all).
    let target: string;
    try {
      target = path.resolve(path.dirname(link), fs.readlinkSync(link));
    } catch (err) {
      return { written, links, problem: `${link} is a symbolic link that cannot be read (${(err as NodeJS.ErrnoException).code})` };
    }
    cur = [target === '/' ? '' : target, ...parts.slice(found)].join('/') || '/';
    if (!trustedLink(owner)) return { written, links, notFollowed: { leadsTo: realOrAsIs(cur), uid: owner } };
  }
  return { written, links, problem: 'ELOOP' };
}

/** Where `p` leads with every link resolved, for a message (as it is when it cannot be). */
function realOrAsIs(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/** A root of the walk: an include's real path (walked), or a symbolic link met on the way to one (recorded), or an include that cannot be resolved (reported in its place). */
interface WalkRoot {
  path: Buffer;
  link: boolean;
  problem?: string;
}

/**
 * Walks the include paths depth-first, a directory before its contents,
 * names in walk order (format's compareWalkOrder: byte order with '/'
 * below every other byte, a directory before everything under it), so two
 * walks of the same tree give the same order (the manifest then dedups, and
 * it matches the previous backup's order). Names are raw bytes: any byte
 * but NUL and '/' survives. Every directory is opened from "/" with no
 * symbolic link followed on the way (a directory swapped for a link
 * mid-walk is refused, not followed), one at a time: any depth is walked,
 * whatever PATH_MAX says. The directories on the way to each include come
 * first, as `ancestor` items.
 */
export function* walk(opts: WalkOptions): Generator<WalkItem> {
  const resolved = [...new Set(opts.include.map(trimSlash))].map(resolveInclude);
  // An exclude written below an include that was a link applies where its data lies.
  const excludePaths = [...opts.exclude.map(trimSlash)];
  for (const r of resolved) {
    if (!r.real || r.real === r.written) continue;
    for (const x of opts.exclude.map(trimSlash)) {
      if (isUnder(Buffer.from(x), Buffer.from(r.written))) excludePaths.push(r.real + x.slice(r.written.length));
    }
  }
  // exclude_regex is matched against a path as the walk finds it and, below an include that went through a
  // link, as written under the include too (the operator wrote the pattern for that form).
  const aliases = resolved.filter((r) => r.real && r.real !== r.written).map((r) => ({ real: Buffer.from(r.real!), written: r.written }));
  // The links on the way to an include are included as written: one below an exclude is recorded, as an include there is walked.
  const sel = new Selection(
    {
      includes: resolved.flatMap((r) => (r.real ? [r.real, ...r.links] : r.links)),
      excludes: excludePaths,
      excludeRegex: opts.excludeRegex,
      aliases,
      exempt: opts.exempt,
    },
    opts.rules,
  );
  const reportProblem = (path: Buffer, problem: string) => {
    if (opts.onRoot) opts.onRoot({ path, problem, below: 0 });
    else opts.onWarning(`include ${path.toString()} cannot be read: ${problem}`);
  };

  const roots: WalkRoot[] = [];
  for (const r of resolved) {
    for (const l of r.links) if (!roots.some((x) => x.link && x.path.toString() === l)) roots.push({ path: Buffer.from(l), link: true });
    if (r.problem) {
      roots.push({ path: Buffer.from(r.written), link: false, problem: r.problem });
      continue;
    }
    if (r.real) roots.push({ path: Buffer.from(r.real), link: false });
  }
  // What the warnings about includes through links say was backed up is what the walk yielded (an exclude may leave a link out).
  const told = resolved.filter((r) => !r.problem && r.links.length > 0);
  const yielded = new Map<string, boolean>();
  for (const r of told) for (const p of r.real ? [r.real, ...r.links] : r.links) yielded.set(Buffer.from(p).toString('latin1'), false);
  roots.sort((a, b) => compareWalkOrder(a.path, b.path) || Number(a.link) - Number(b.link));

  const walked: Buffer[] = [];
  const way = new Way();
  const reached = roots.filter((r) => !r.problem);
  const bounds = new FsBoundaries(
    opts.filesystems ?? STAY_ON_FILESYSTEM,
    reached.filter((r) => !r.link).map((r) => r.path),
  );
  for (const root of roots) {
    // An include inside another include (or a link inside one) is walked once, as part of the outer one.
    if (walked.some((s) => isUnder(root.path, s))) continue;
    for (const item of way.pass(
      walkRoot(
        root,
        roots.filter((r) => r !== root && isUnder(r.path, root.path)),
        true,
      ),
    )) {
      if (yielded.size > 0 && !item.ancestor) {
        const key = item.path.toString('latin1');
        if (yielded.has(key)) yielded.set(key, true);
      }
      yield item;
    }
  }
  for (const r of told) opts.onWarning(throughLinkWarning(r, (p) => yielded.get(Buffer.from(p).toString('latin1')) === true));

  /**
   * One include root, and the includes below it that its walk does not
   * reach (`nested`): one below an entry a path rule leaves out is walked
   * from there, in its place in walk order (Burp's longest match: include
   * /home, exclude /home/ben, include /home/ben/keep). As Burp, only an
   * include the walk starts from (`top`) is kept whatever include_ext says.
   */
  function* walkRoot(root: WalkRoot, nested: WalkRoot[], top: boolean): Generator<Walked> {
    if (sel.rootExcluded(root.path)) return;
    if (root.problem) {
      reportProblem(root.path, root.problem);
      return;
    }
    const rootStat = lstatOrProblem(root.path);
    if (typeof rootStat === 'string') {
      if (!root.link) reportProblem(root.path, rootStat);
      return;
    }
    if (root.link && kindOf(rootStat) !== 'symlink') return; // replaced meanwhile: walked, if at all, as an include
    const verdict = top
      ? kindOf(rootStat) === 'file' && !sel.sizeKept(rootStat.size)
        ? 'drop'
        : 'keep'
      : sel.afterStat(root.path, kindOf(rootStat), rootStat.size);
    if (verdict === 'drop') return;
    yield* ancestorsOf(root.path, way, opts.onWarning);
    if (root.link) {
      const target = readLink(root.path, opts.onWarning);
      if (target) yield { path: root.path, kind: 'symlink', stat: rootStat, linkTarget: target, xattrs: xattrsOf(root.path, opts.onWarning) };
      return;
    }
    walked.push(root.path);
    let below = -1;
    let listProblem: string | undefined;
    const onWarning = (m: string, listing?: Buffer) => {
      if (listing?.equals(root.path)) listProblem = m;
      opts.onWarning(m);
    };
    // The includes below an entry left out: the topmost ones below it are walked when the walk passes its place.
    const due = new Set<WalkRoot>();
    const excluded = (p: Buffer): boolean => {
      if (!sel.excludedByPath(p)) return false;
      for (const r of nested) if (isUnder(r.path, p) && !nested.some((o) => o !== r && isUnder(r.path, o.path) && isUnder(o.path, p))) due.add(r);
      return true;
    };
    let pending = nested;
    function* walkDue(before?: Buffer): Generator<Walked> {
      while (pending.length > 0 && (!before || compareWalkOrder(pending[0]!.path, before) < 0)) {
        const r = pending[0]!;
        const inner = pending.filter((o) => o !== r && isUnder(o.path, r.path));
        pending = pending.filter((o) => o !== r && (!due.has(r) || !inner.includes(o)));
        if (due.has(r)) yield* walkRoot(r, inner, false);
      }
    }
    // The includes below this one (and links met on the way to them) are walked as part of it, mount points or not.
    const nestedPaths = reached.filter((r) => r.path.length > root.path.length && isUnder(r.path, root.path)).map((r) => r.path);
    const ctx: WalkContext = { excluded, warn: onWarning, bounds, nested: nestedPaths, sel };
    for (const item of walkFrom(root.path, rootStat, ctx)) {
      if (pending.length > 0) yield* walkDue(item.path);
      if (++below === 0 && verdict === 'through') item.through = true;
      yield item;
    }
    yield* walkDue();
    opts.onRoot?.({ path: root.path, problem: listProblem, below, kind: kindOf(rootStat), fsLeftOut: ctx.rootLeftOut });
  }
}

/**
 * The warning for an include that goes through a symbolic link, saying
 * what the backup holds of it (`kept`: whether the walk yielded a path)
 * and, for a link not followed, how to back up what it leads to.
 */
function throughLinkWarning(r: ResolvedInclude, kept: (p: string) => boolean): string {
  const plural = (n: number) => (n > 1 ? 's' : '');
  if (r.notFollowed) {
    const link = r.links[r.links.length - 1]!;
    const { leadsTo, uid } = r.notFollowed;
    return (
      `include ${r.written} goes through a symbolic link ${link} owned by uid ${uid}, not by root: not followed (its owner can point it anywhere), ` +
      `${kept(link) ? 'only the link is backed up' : 'and the link itself is left out by the exclude rules'}; ` +
      `to back up what it leads to, include = ${leadsTo}`
    );
  }
  const head = `include ${r.written} goes through a symbolic link (${r.links.join(', ')})`;
  const links = r.links.filter(kept);
  const missing = [...(kept(r.real!) ? [] : [r.real!]), ...r.links.filter((l) => !kept(l))];
  if (missing.length === 0) return `${head}: backed up ${r.real} and the link${plural(links.length)}`;
  const held = [...(kept(r.real!) ? [r.real!] : []), ...(links.length > 0 ? [`the link${plural(links.length)} ${links.join(', ')}`] : [])];
  return `${head}: backed up ${held.length > 0 ? held.join(' and ') : 'none of it'}; left out by the exclude rules: ${missing.join(', ')}`;
}

/** A walked item, and whether it is a directory kept only for what is below it (see Way). */
type Walked = WalkItem & { through?: boolean };

/**
 * The directories on the path of the walk: each yielded one, and each
 * one include_ext goes through (its name lacks the extension), held back
 * until something below it is yielded, so a directory with nothing kept
 * below it is not in the backup (as Burp, whose restore makes only the
 * directories a file needs; here they keep their metadata).
 */
class Way {
  private readonly dirs: Array<{ item: Walked; sent: boolean }> = [];

  /** Whether `dir` is on the way (yielded, or held). */
  has(dir: Buffer): boolean {
    return this.dirs.some((d) => d.item.path.equals(dir));
  }

  *pass(items: Iterable<Walked>): Generator<WalkItem> {
    for (const item of items) {
      while (this.dirs.length > 0 && !isUnder(item.path, this.dirs[this.dirs.length - 1]!.item.path)) this.dirs.pop();
      if (item.through) {
        this.dirs.push({ item, sent: false });
        continue;
      }
      for (const d of this.dirs) {
        if (d.sent) continue;
        d.sent = true;
        delete d.item.through;
        yield d.item;
      }
      yield item;
      if (item.kind === 'dir') this.dirs.push({ item, sent: true });
    }
  }
}

/**
 * The directories between "/" and `path` not yielded yet, as ancestor
 * items; `way` holds the ones on the walk's path already.
 */
function* ancestorsOf(path: Buffer, way: Way, warn: (m: string) => void): Generator<WalkItem> {
  for (let i = path.indexOf(SLASH, 1); i > 0; i = path.indexOf(SLASH, i + 1)) {
    const dir = path.subarray(0, i);
    if (way.has(dir)) continue;
    const st = lstatOrProblem(dir);
    if (typeof st === 'string' || kindOf(st) !== 'dir') {
      warn(`${dir.toString()}, on the way to an include, cannot be read: ${typeof st === 'string' ? st : 'not a directory any more'}`);
      return;
    }
    yield { path: dir, kind: 'dir', stat: st, ancestor: true, xattrs: xattrsOf(dir, warn) };
  }
}

function lstatOrProblem(path: Buffer): EntryStat | string {
  return inParent(path, (dirFd, name) => lstatAt(dirFd, name, path) ?? 'ENOENT');
}

function readLink(path: Buffer, warn: (m: string) => void): Buffer | undefined {
  const target = inParent(path, (dirFd, name) => readlinkAt(dirFd, name, path));
  if (typeof target !== 'string') return target;
  warn(`symlink ${path.toString()} cannot be read: ${target}`);
  return undefined;
}

/**
 * Runs `call` with an O_PATH descriptor of the path's directory (opened
 * from "/", no link followed) and its last component ("" for "/" itself);
 * a failure, of either, is its error code.
 */
function inParent<T>(path: Buffer, call: (dirFd: number, name: Buffer) => T): T | string {
  const i = path.lastIndexOf(SLASH);
  const dir = i <= 0 ? SLASH_BUF : path.subarray(0, i);
  return atDirectory(dir, (fd) => call(fd, path.length <= 1 ? Buffer.alloc(0) : path.subarray(i + 1)));
}

/** What the walk below one include root works with. */
interface WalkContext {
  excluded: (p: Buffer) => boolean;
  warn: (m: string, listing?: Buffer) => void;
  bounds: FsBoundaries;
  /** Include roots below this one (and links on the way to includes): mount points there are entered. */
  nested: Buffer[];
  /** Set when the root's own file system is left out by type (why). */
  rootLeftOut?: string;
  /** What the walk keeps (selection.ts). */
  sel: Selection;
}

/** One directory being walked: its entries (listed and lstat'ed at once), the next to yield, and its links' targets. */
interface Frame {
  dir: Buffer;
  /** Its device: a child directory on another one is a mount point. */
  dev: bigint;
  /**
   * Set in a mount point the walk does not cross and the directories on
   * the way down from it: only the way to these includes is walked.
   */
  way?: Buffer[];
  entries?: DirEntries;
  wanted?: Uint8Array;
  targets?: Map<number, Buffer>;
  /** The entries that have extended attributes, by index. */
  xattrs?: Map<number, Xattr[]>;
  next: number;
}

function* walkFrom(path: Buffer, st: EntryStat, ctx: WalkContext): Generator<Walked> {
  const { warn } = ctx;
  const kind = kindOf(st);
  const xattrs = xattrsOf(path, warn);
  if (kind === 'symlink') {
    const target = readLink(path, warn);
    if (target) yield { path, kind, stat: st, linkTarget: target, xattrs };
    return;
  }
  yield { path, kind, stat: st, xattrs };
  if (kind !== 'dir') return;
  // An include is walked whatever file system it is on (the operator named it), unless its type is left out.
  const out = ctx.bounds.leftOut(path, st.dev);
  if (out) {
    ctx.rootLeftOut = out.why;
    warn(`include ${path.toString()} is ${out.why}: its directory is backed up, not what is in it`);
    return;
  }
  // Its own stack, not a generator per level: a tree thousands of levels deep costs no more per entry.
  const top = descend(path, st, undefined, undefined, ctx);
  if (!top) return;
  const stack: Frame[] = [top];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (!f.entries || f.next >= f.entries.count) {
      stack.pop();
      continue;
    }
    const i = f.next++;
    if (!f.wanted![i]) continue;
    const child = childPath(f.dir, f.entries.name(i));
    const cst = f.entries.stat(i);
    if (!cst) {
      const e = f.entries.error(i)!;
      if (e.code !== 'ENOENT') warn(`${child.toString()} cannot be read: ${e.code ?? e.message}`);
      continue; // vanished between listing and lstat: nothing to back up
    }
    const ckind = kindOf(cst);
    // In a mount point not crossed, what leads to an include below it is kept as the way to it.
    const onTheWay = f.way !== undefined && !f.way.some((p) => p.equals(child));
    const verdict = onTheWay ? 'keep' : ctx.sel.afterStat(child, ckind, cst.size);
    if (verdict === 'drop') continue;
    const xattrs = f.xattrs?.get(i);
    if (ckind === 'symlink') {
      const target = f.targets?.get(i);
      if (target) yield { path: child, kind: ckind, stat: cst, linkTarget: target, xattrs };
      continue;
    }
    if (onTheWay && ckind !== 'dir') continue; // the include it led to was replaced meanwhile
    yield onTheWay
      ? { path: child, kind: ckind, stat: cst, xattrs, ancestor: true }
      : verdict === 'through'
        ? { path: child, kind: ckind, stat: cst, xattrs, through: true }
        : { path: child, kind: ckind, stat: cst, xattrs };
    if (ckind !== 'dir') continue;
    const frame =
      cst.dev === f.dev
        ? descend(child, cst, f.dev, onTheWay ? f.way!.filter((p) => isUnder(p, child)) : undefined, ctx)
        : enterMount(child, cst, f.dev, ctx, false);
    if (frame) stack.push(frame);
  }
}

/**
 * A directory on another device than its parent's: the mount point of
 * another file system (or a btrfs subvolume), met below an include. As
 * Burp: its entry is kept; what is in it is walked when its type is not
 * left out and crossing is allowed (cross_all_filesystems,
 * cross_filesystem, or an include of its own); else only the way to the
 * includes below it, if any.
 */
function enterMount(dir: Buffer, st: EntryStat, parentDev: bigint, ctx: WalkContext, now: boolean): Frame | undefined {
  const isInclude = ctx.nested.some((p) => p.equals(dir));
  const below = ctx.nested.filter((p) => p.length > dir.length && isUnder(p, dir));
  // Mounted after its parent was listed: its entry in the backup is the directory as it was before.
  const during = now ? ', mounted during the backup,' : '';
  const out = ctx.bounds.leftOut(dir, st.dev);
  if (out) {
    if (isInclude) ctx.warn(`include ${dir.toString()}${during} is ${out.why}: its directory is backed up, not what is in it`);
    else if (out.unexpected || now) ctx.warn(`${dir.toString()}, a mount point${during || ','} is ${out.why}: only its directory is backed up`);
    for (const p of below) ctx.warn(`include ${p.toString()} is below ${dir.toString()}${during || ','} ${out.why}: not backed up`);
    return undefined;
  }
  if (isInclude || ctx.bounds.mayCross(dir)) return descend(dir, st, parentDev, undefined, ctx, now);
  if (below.length > 0) return descend(dir, st, parentDev, below, ctx, now);
  const type = ctx.bounds.mountedType(st.dev);
  ctx.warn(
    `${dir.toString()} is the mount point of another file system${type ? ` (${type})` : ''}${now ? ' mounted during the backup' : ''}: ` +
      `not crossed, only its directory is backed up ` +
      `(cross_filesystem = ${dir.toString()} or cross_all_filesystems = 1 backs up what is in it; exclude = ${dir.toString()} leaves it out without this warning)`,
  );
  return undefined;
}

/**
 * The frame of a directory the walk enters, `st` its lstat from its
 * parent's listing, `parentDev` its parent's device (none for an include
 * root). The descriptor list() opens says which file system the
 * directory is on now: when not the one its lstat said (a file system
 * mounted there, or unmounted, since), it is judged again as what it is
 * now, by the same rules as a mount point met in a listing, so a mount
 * made during the backup is not crossed unseen. `again`: judged once
 * already; a second change is given up on, said.
 */
function descend(dir: Buffer, st: EntryStat, parentDev: bigint | undefined, way: Buffer[] | undefined, ctx: WalkContext, again = false): Frame | undefined {
  const listed = list(dir, st.dev, way, ctx);
  if (!('remounted' in listed)) return listed;
  const now = listed.remounted;
  if (again) {
    ctx.warn(`directory ${dir.toString()} cannot be listed: the file system mounted there changed again while it was walked`, dir);
    return undefined;
  }
  if (parentDev === undefined) {
    // An include root: walked whatever file system it is on now, unless its type is left out.
    const out = ctx.bounds.leftOut(dir, now.dev);
    if (out) {
      ctx.rootLeftOut = out.why;
      ctx.warn(`include ${dir.toString()}, mounted during the backup, is ${out.why}: its directory is backed up, not what is in it`);
      return undefined;
    }
    return descend(dir, now, undefined, way, ctx, true);
  }
  // Unmounted since: on its parent's file system, walked as any directory there.
  if (now.dev === parentDev) return descend(dir, now, parentDev, way, ctx, true);
  return enterMount(dir, now, parentDev, ctx, true);
}

function childPath(dir: Buffer, name: Buffer): Buffer {
  return dir.length === 1 && dir[0] === SLASH ? Buffer.concat([dir, name]) : Buffer.concat([dir, SLASH_BUF, name]);
}

/**
 * One directory's entries, sorted by name, with their lstat and their
 * links' targets, read through one descriptor opened from "/" without
 * following any link (so a directory swapped for a link is refused) and
 * closed before the walk goes on: the walk holds one descriptor whatever
 * the depth. An excluded entry is never looked at (it may be a network
 * mount that no longer answers). A directory holding a nobackup name
 * lists as empty (nor is any include below it walked). When the
 * directory opened is not on device `dev` (see descend), nothing is
 * listed: `remounted` is its stat now.
 */
function list(dir: Buffer, dev: bigint, way: Buffer[] | undefined, { excluded, warn, sel }: WalkContext): Frame | { remounted: EntryStat } {
  let fd: number;
  try {
    fd = openToRead(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    const now = code === 'ENOTDIR' || code === 'ELOOP' ? lstatOrProblem(dir) : undefined;
    const why = typeof now === 'object' && kindOf(now) === 'symlink' ? 'it was replaced by a symbolic link (not followed)' : code;
    warn(`directory ${dir.toString()} cannot be listed: ${why}`, dir);
    return { dir, dev, way, next: 0 };
  }
  try {
    // The directory opened, not the one lstat'ed before: a file system mounted (or unmounted) there since is seen here.
    const opened = lstatAt(fd, Buffer.alloc(0), dir);
    if (opened && opened.dev !== dev) return { remounted: opened };
    const entries = listDir(fd, dir);
    for (let i = 0; i < entries.count; i++) if (sel.isNobackupName(entries.name(i), dir)) return { dir, dev, way, next: 0 };
    const wanted = new Uint8Array(entries.count);
    for (let i = 0; i < entries.count; i++) {
      const child = childPath(dir, entries.name(i));
      if (child.length > ENTRY_LIMITS.pathBytes) {
        // A path a backup cannot record (its entry would be refused): left out with what is below it, said.
        warn(
          `${child.subarray(0, 200).toString()}… (a path of ${child.length} bytes) not backed up: paths longer than ${ENTRY_LIMITS.pathBytes} bytes are not kept`,
        );
        continue;
      }
      wanted[i] = excluded(child) || (way !== undefined && !way.some((p) => isUnder(p, child))) ? 0 : 1;
    }
    entries.lstat(wanted);
    let targets: Map<number, Buffer> | undefined;
    let xattrs: Map<number, Xattr[]> | undefined;
    for (let i = 0; i < entries.count; i++) {
      const st = wanted[i] ? entries.stat(i) : undefined;
      if (!st) continue;
      // Asked with the lstat: most entries have none, and then nothing more is called.
      if (entries.xattrListBytes(i) !== 0) {
        const found = readXattrsAt(fd, entries.name(i), () => childPath(dir, entries.name(i)), warn);
        if (found) (xattrs ??= new Map()).set(i, found);
      }
      if (kindOf(st) !== 'symlink') continue;
      try {
        (targets ??= new Map()).set(i, readlinkAt(fd, entries.name(i)));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') warn(`symlink ${childPath(dir, entries.name(i)).toString()} cannot be read: ${code ?? (err as Error).message}`);
      }
    }
    return { dir, dev, way, entries, wanted, targets, xattrs, next: 0 };
  } catch (err) {
    warn(`directory ${dir.toString()} cannot be listed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, dir);
    return { dir, dev, way, next: 0 };
  } finally {
    closeFd(fd);
  }
}

/**
 * An entry's extended attributes (all the process can read: user., and
 * as root trusted. and security., POSIX ACLs, file capabilities), read
 * under its directory's descriptor without following a link; undefined
 * when it has none. What cannot be read is a warning, and the entry is
 * backed up without them.
 */
function readXattrsAt(dirFd: number, name: Buffer, path: () => Buffer, warn: (m: string) => void): Xattr[] | undefined {
  try {
    const found = readXattrs(dirFd, name, ENTRY_LIMITS);
    return found.length > 0 ? found : undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'ENOENT') warn(`${path().toString()}: extended attributes not backed up: ${e.message}`);
    return undefined;
  }
}

/** The extended attributes of an include root or a directory on the way to one ("/" itself read through a descriptor of its own). */
function xattrsOf(path: Buffer, warn: (m: string) => void): Xattr[] | undefined {
  if (path.length > 1) {
    const found = inParent(path, (dirFd, name) => readXattrsAt(dirFd, name, () => path, warn));
    return typeof found === 'string' ? undefined : found;
  }
  const fd = fs.openSync('/', fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    const found = readXattrsFd(fd, ENTRY_LIMITS);
    return found.length > 0 ? found : undefined;
  } catch (err) {
    warn(`/: extended attributes not backed up: ${(err as Error).message}`);
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

function trimSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.replace(/\/+$/, '') : p;
}
