/**
 * The POSIX calls node:fs does not offer, from a small native addon
 * (src/syscalls.c, compiled by node-gyp at `npm ci`): finding the data and
 * holes of a sparse file (lseek SEEK_DATA/SEEK_HOLE), and setting times to
 * the nanosecond (utimensat/futimens; node's utimes goes through a double of
 * seconds and libuv truncates it to the microsecond), and making FIFOs and
 * device nodes (mknod) under names that need not be UTF-8, without a
 * process per node, and renaming without replacing (renameat2's
 * RENAME_NOREPLACE: one call where link and unlink take two), and
 * a directory's entries and their lstat in two calls, not one per entry
 * (listDir). Errors are thrown shaped like node's own (code, errno,
 * syscall, path).
 */
import { constants as fsConstants, openSync } from 'node:fs';
import { constants } from 'node:os';
import * as path from 'node:path';
import { getSystemErrorMap } from 'node:util';

interface Native {
  seek(fd: number, offset: number, hole: boolean): number;
  utimens(fd: number, path: Buffer | null, atimeNs: bigint, mtimeNs: bigint, noFollow: boolean): number;
  mknod(path: Buffer, mode: number, rdev: bigint): number;
  renameNoReplace(from: Buffer, to: Buffer): number;
  listDir(dirFd: number): number | [Buffer, ArrayBuffer];
  lstatNames(dirFd: number, names: Buffer, ends: ArrayBuffer, wanted: Uint8Array): number | ArrayBuffer;
  openBeneath(dirFd: number, rel: Buffer, flags: number, mode: number): number;
  openAt(dirFd: number, name: Buffer, flags: number, mode: number): number;
  mkdirAt(dirFd: number, name: Buffer, mode: number): number;
  symlinkAt(target: Buffer, dirFd: number, name: Buffer): number;
  mknodAt(dirFd: number, name: Buffer, mode: number, rdev: bigint): number;
  unlinkAt(dirFd: number, name: Buffer, isDir: boolean): number;
  renameNoReplaceAt(fromDirFd: number, from: Buffer, toDirFd: number, to: Buffer): number;
  renameReplaceAt(fromDirFd: number, from: Buffer, toDirFd: number, to: Buffer): number;
  linkAt(oldDirFd: number, oldName: Buffer, newDirFd: number, newName: Buffer): number;
  openTmpfileAt(dirFd: number, mode: number): number;
  linkFdAt(fd: number, dirFd: number, name: Buffer): number;
  readlinkAt(dirFd: number, name: Buffer): number | Buffer;
  lstatAt(dirFd: number, name: Buffer): number | ArrayBuffer;
  chownPath(fd: number, uid: number, gid: number): number;
  chmodPath(fd: number, mode: number): number;
  utimensPath(fd: number, atimeNs: bigint, mtimeNs: bigint): number;
  utimensAt(dirFd: number, name: Buffer, atimeNs: bigint, mtimeNs: bigint): number;
  lchownAt(dirFd: number, name: Buffer, uid: number, gid: number): number;
  useOpenat2(enabled: boolean): number;
  closeFd(fd: number): number;
  removeXattr(fd: number, attr: Buffer, viaProc: boolean): number;
  xattrSize(fd: number, attr: Buffer): number;
  setXattrPath(fd: number, xattrName: Buffer, value: Buffer): number;
  readXattrs(fd: number, name: Buffer | null, maxCount: number, maxName: number, maxValue: number, maxTotal: number): 0 | Array<number | Buffer>;
  setXattr(fd: number, name: Buffer | null, xattrName: Buffer, value: Buffer): number;
  ioprioSet(tid: number, cls: number, level: number): number;
  ioprioGet(tid: number): number;
}

const ADDON = path.join(__dirname, '..', 'build', 'Release', 'syscalls.node');

function load(): Native {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(ADDON) as Native;
  } catch (err) {
    throw new Error(`cpsbackup's native part ${ADDON} cannot be loaded (${(err as Error).message}): run "make setup" (npm ci compiles it)`, {
      cause: err,
    });
  }
}

const native = load();

/** An error like the ones node:fs throws. */
function systemError(negErrno: number, syscall: string, file?: Buffer | string): NodeJS.ErrnoException {
  const [code, description] = getSystemErrorMap().get(negErrno) ?? [`E${-negErrno}`, 'unknown error'];
  const where = file === undefined ? '' : ` '${file.toString()}'`;
  return Object.assign(new Error(`${code}: ${description}, ${syscall}${where}`), {
    code,
    errno: negErrno,
    syscall,
    ...(file === undefined ? {} : { path: file.toString() }),
  });
}

/** A path as the bytes the addon takes (a name need not be UTF-8: callers may pass them raw). */
function bytesOf(file: Buffer | string): Buffer {
  return typeof file === 'string' ? Buffer.from(file) : file;
}

const { ENXIO, EINVAL, EOPNOTSUPP } = constants.errno;

/** Whether lseek's answer means "this filesystem cannot tell data from holes". */
function unsupported(r: number): boolean {
  return r === -EINVAL || r === -EOPNOTSUPP;
}

/**
 * The offset of the first byte of data at or after `offset`, or undefined
 * when only a hole is left up to the end of the file. Where the filesystem
 * cannot tell, everything is data.
 */
export function nextData(fd: number, offset: number): number | undefined {
  const r = native.seek(fd, offset, false);
  if (r >= 0) return r;
  if (r === -ENXIO) return undefined;
  if (unsupported(r)) return offset;
  throw systemError(r, 'lseek');
}

/**
 * The offset where the hole after `offset` begins (the end of the file if
 * none does before it; Infinity where the filesystem cannot tell).
 */
export function nextHole(fd: number, offset: number): number {
  const r = native.seek(fd, offset, true);
  if (r >= 0) return r;
  if (unsupported(r)) return Infinity;
  throw systemError(r, 'lseek');
}

/** Sets access and modification times of an open file to the nanosecond. */
export function futimensNs(fd: number, atimeNs: bigint, mtimeNs: bigint): void {
  const r = native.utimens(fd, null, atimeNs, mtimeNs, false);
  if (r < 0) throw systemError(r, 'futimens');
}

/**
 * Sets access and modification times of a path to the nanosecond; with
 * `noFollow`, of a symbolic link itself. `file` may be raw bytes (a name
 * need not be UTF-8).
 */
export function utimensNs(file: Buffer | string, atimeNs: bigint, mtimeNs: bigint, opts: { noFollow?: boolean } = {}): void {
  const r = native.utimens(-1, bytesOf(file), atimeNs, mtimeNs, opts.noFollow ?? false);
  if (r < 0) throw systemError(r, 'utimensat', file);
}

/** The file-type bits of a node mknod can make. */
export type NodeKind = 'fifo' | 'char' | 'block' | 'socket';

const KIND_BITS: Record<NodeKind, number> = { fifo: fsConstants.S_IFIFO, char: fsConstants.S_IFCHR, block: fsConstants.S_IFBLK, socket: fsConstants.S_IFSOCK };

/**
 * Makes a FIFO or a device node at `file` (raw bytes allowed) with the
 * permission bits `mode` (the umask applies, as for mkdir); `rdev` is the
 * device number as lstat reported it (0 for a FIFO).
 */
export function mknod(file: Buffer | string, kind: NodeKind, mode: number, rdev = 0n): void {
  const r = native.mknod(bytesOf(file), KIND_BITS[kind] | (mode & 0o7777), rdev);
  if (r < 0) throw systemError(r, 'mknod', file);
}

/**
 * Renames `from` to `to` unless `to` exists (then EEXIST, and nothing
 * changes): one system call. Throws EINVAL (or ENOSYS on an old kernel)
 * where the filesystem cannot rename this way; link and unlink do the same
 * there in two calls.
 */
export function renameNoReplace(from: Buffer | string, to: Buffer | string): void {
  const r = native.renameNoReplace(bytesOf(from), bytesOf(to));
  if (r < 0) throw systemError(r, 'renameat2', to);
}

/** What lstat says of a directory entry: the fields a backup keeps, as node's BigIntStats has them. */
export interface EntryStat {
  mode: bigint;
  uid: bigint;
  gid: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
  dev: bigint;
  rdev: bigint;
  nlink: bigint;
  blocks: bigint;
}

/** Fields per entry in the addon's lstat answer: errno, then EntryStat's in the order of DirEntries.stat (syscalls.c). */
const LSTAT_FIELDS = 13;

/**
 * A directory's entries as listDir read them, sorted by the bytes of their
 * names, and once lstat() ran, their metadata. Kept as the addon returned
 * them (one buffer of names, arrays of numbers): an entry's objects are
 * made when asked for, so a directory of a million entries costs about
 * 100 bytes each, not objects each.
 */
export class DirEntries {
  readonly count: number;
  private readonly ends: Uint32Array;
  private values: BigInt64Array | undefined;

  constructor(
    /** The open directory the names are in (the caller's: it must stay open until lstat has run). */
    private readonly dirFd: number,
    /** Its path, for messages only. */
    private readonly dir: Buffer,
    private readonly names: Buffer,
    private readonly endsBuffer: ArrayBuffer,
  ) {
    this.ends = new Uint32Array(endsBuffer);
    this.count = this.ends.length;
  }

  /** Entry i's name (raw bytes). */
  name(i: number): Buffer {
    return this.names.subarray(i === 0 ? 0 : this.ends[i - 1], this.ends[i]);
  }

  /**
   * Runs lstat on the entries `wanted` marks (non-zero byte i: entry i;
   * all when omitted), relative to the directory, in one call: an entry not
   * wanted (an excluded network mount that no longer answers) is never
   * looked at.
   */
  lstat(wanted: Uint8Array = new Uint8Array(this.count).fill(1)): void {
    const r = native.lstatNames(this.dirFd, this.names, this.endsBuffer, wanted);
    if (typeof r === 'number') throw systemError(r, 'fstatat', this.dir);
    this.values = new BigInt64Array(r);
  }

  /** Entry i's lstat; undefined when it failed (see error) or was not wanted. */
  stat(i: number): EntryStat | undefined {
    const v = this.values!;
    const at = i * LSTAT_FIELDS;
    if (v[at] !== 0n) return undefined;
    return statOf(v, at);
  }

  /**
   * How many bytes the names of entry i's extended attributes take,
   * asked with its lstat (listxattrat, or llistxattr through the
   * directory's descriptor): 0 when it has none, so they need not be read;
   * negative (-errno) when asking failed (readXattrs says why).
   */
  xattrListBytes(i: number): number {
    return Number(this.values![i * LSTAT_FIELDS + 12]);
  }

  /** Why entry i's lstat failed (ENOENT: gone since it was listed), shaped like node's errors; undefined if it did not. */
  error(i: number): NodeJS.ErrnoException | undefined {
    const errno = Number(this.values![i * LSTAT_FIELDS]);
    if (errno <= 0) return undefined;
    return systemError(-errno, 'lstat', Buffer.concat([this.dir, Buffer.from('/'), this.name(i)]));
  }
}

/** An EntryStat from the addon's int64 fields (errno first, then the fields in this order). */
function statOf(v: BigInt64Array, at: number): EntryStat {
  return {
    mode: v[at + 1]!,
    uid: v[at + 2]!,
    gid: v[at + 3]!,
    size: v[at + 4]!,
    mtimeNs: v[at + 5]!,
    ctimeNs: v[at + 6]!,
    ino: v[at + 7]!,
    dev: v[at + 8]!,
    rdev: v[at + 9]!,
    nlink: v[at + 10]!,
    blocks: v[at + 11]!,
  };
}

/**
 * The entries of the open directory `dirFd` (`dir` is its path, for
 * messages), sorted by the bytes of their names; DirEntries.lstat then
 * gives their metadata in one more call. readdir and an lstat per entry
 * cost a call each, and node's lstat an object of some twenty bigints and
 * four Dates per entry. Throws like node's readdir when it cannot be read.
 */
export function listDir(dirFd: number, dir: Buffer | string): DirEntries {
  const r = native.listDir(dirFd);
  if (typeof r === 'number') throw systemError(r, 'readdir', dir);
  return new DirEntries(dirFd, bytesOf(dir), r[0], r[1]);
}

// ---------------------------------------------------------------------------
// Calls relative to an open directory (at.c). A restore and a walk reach
// every path from a directory descriptor, never through a symbolic link
// they did not make; each call acts on its last component without
// following it. Names are single components (raw bytes, no '/', not "."
// or ".."): anything else is EINVAL. `where` in each is for messages only.
// ---------------------------------------------------------------------------

/** O_PATH: a descriptor that names an object without opening it for reading or writing (node's constants lack it). */
export const O_PATH = 0o10000000;

function checked(r: number, syscall: string, where: Buffer | string): number {
  if (r < 0) throw systemError(r, syscall, where);
  return r;
}

/**
 * Opens `rel` (relative, raw bytes, any length) under the directory
 * `dirFd` without following a symbolic link anywhere on the way or at its
 * end, and never above `dirFd` (openat2 with RESOLVE_BENEATH and
 * RESOLVE_NO_SYMLINKS; one component at a time where the kernel has no
 * openat2). A link on the way is ELOOP, a '..' EXDEV. An empty `rel`
 * opens `dirFd` again. Returns the new descriptor.
 */
export function openBeneath(dirFd: number, rel: Buffer, flags: number, mode = 0, where: Buffer | string = rel): number {
  return checked(native.openBeneath(dirFd, rel, flags, mode), 'openat2', where);
}

/** This thread's descriptor of "/" (workers have their own: a descriptor is shared, but each thread opens it when it first needs it). */
let rootFd: number | undefined;

/**
 * Opens an absolute path from "/" without following a symbolic link
 * anywhere on the way or at its end (openBeneath from "/"): what a walk
 * and the reads of a backup use, so that a directory swapped for a link
 * mid-backup is refused, and any depth is reached.
 */
export function openFromRoot(absolute: Buffer, flags: number, mode = 0): number {
  if (absolute[0] !== 0x2f) throw systemError(-EINVAL, 'openat2', absolute);
  rootFd ??= openSync('/', O_PATH | fsConstants.O_DIRECTORY);
  let start = 1;
  while (absolute[start] === 0x2f) start++;
  return openBeneath(rootFd, absolute.subarray(start), flags, mode, absolute);
}

/**
 * Closes a descriptor these calls opened (openBeneath, openAt,
 * openFromRoot). Node's own fs.closeSync warns, in a worker thread, when
 * it closes a descriptor node did not open.
 */
export function closeFd(fd: number): void {
  checked(native.closeFd(fd), 'close', `descriptor ${fd}`);
}

/** For tests: openBeneath walks one component at a time, as where the kernel has no openat2 (false), or uses openat2 (true). */
export function useOpenat2ForTests(enabled: boolean): void {
  native.useOpenat2(enabled);
}

/** Opens the entry `name` under `dirFd`, never following a symbolic link there (with O_PATH, the link itself). */
export function openAt(dirFd: number, name: Buffer, flags: number, mode = 0, where: Buffer | string = name): number {
  return checked(native.openAt(dirFd, name, flags, mode), 'openat', where);
}

/** mkdirat(dirFd, name, mode). */
export function mkdirAt(dirFd: number, name: Buffer, mode: number, where: Buffer | string = name): void {
  checked(native.mkdirAt(dirFd, name, mode), 'mkdirat', where);
}

/** symlinkat(target, dirFd, name). */
export function symlinkAt(target: Buffer, dirFd: number, name: Buffer, where: Buffer | string = name): void {
  checked(native.symlinkAt(target, dirFd, name), 'symlinkat', where);
}

/** A FIFO or a device node `name` under `dirFd` (permission bits `mode`, the umask applies; `rdev` as lstat reported it). */
export function mknodAt(dirFd: number, name: Buffer, kind: NodeKind, mode: number, rdev = 0n, where: Buffer | string = name): void {
  checked(native.mknodAt(dirFd, name, KIND_BITS[kind] | (mode & 0o7777), rdev), 'mknodat', where);
}

/** unlinkat(dirFd, name), AT_REMOVEDIR for an empty directory. */
export function unlinkAt(dirFd: number, name: Buffer, opts: { dir?: boolean } = {}, where: Buffer | string = name): void {
  checked(native.unlinkAt(dirFd, name, opts.dir ?? false), 'unlinkat', where);
}

/** Renames without replacing: EEXIST if `to` exists (nothing changes); EINVAL where the filesystem cannot do it. */
export function renameNoReplaceAt(fromDirFd: number, from: Buffer, toDirFd: number, to: Buffer, where: Buffer | string = to): void {
  checked(native.renameNoReplaceAt(fromDirFd, from, toDirFd, to), 'renameat2', where);
}

/** renameat: replaces `to` (for filesystems that have neither RENAME_NOREPLACE nor hard links). */
export function renameAt(fromDirFd: number, from: Buffer, toDirFd: number, to: Buffer, where: Buffer | string = to): void {
  checked(native.renameReplaceAt(fromDirFd, from, toDirFd, to), 'renameat', where);
}

/** linkat without AT_SYMLINK_FOLLOW: a symbolic link at the old name is linked itself, never followed. */
export function linkAt(oldDirFd: number, oldName: Buffer, newDirFd: number, newName: Buffer, where: Buffer | string = newName): void {
  checked(native.linkAt(oldDirFd, oldName, newDirFd, newName), 'linkat', where);
}

/**
 * A new regular file with no name in the directory, open for writing
 * (O_TMPFILE): nothing of it is left if the process dies before
 * `linkFdAt` names it. EOPNOTSUPP (EISDIR, EINVAL on old kernels) where the
 * filesystem cannot.
 */
export function openTmpfileAt(dirFd: number, mode: number, where: Buffer | string = '.'): number {
  return checked(native.openTmpfileAt(dirFd, mode), 'openat', where);
}

/** Names the file open at `fd` (made by openTmpfileAt) `name` in the directory; EEXIST rather than replace. */
export function linkFdAt(fd: number, dirFd: number, name: Buffer, where: Buffer | string = name): void {
  checked(native.linkFdAt(fd, dirFd, name), 'linkat', where);
}

/** A symbolic link's target (raw bytes). */
export function readlinkAt(dirFd: number, name: Buffer, where: Buffer | string = name): Buffer {
  const r = native.readlinkAt(dirFd, name);
  if (typeof r === 'number') throw systemError(r, 'readlinkat', where);
  return r;
}

/** lstat of `name` under `dirFd` (an empty name: of `dirFd` itself); undefined if there is nothing there (ENOENT). */
export function lstatAt(dirFd: number, name: Buffer, where: Buffer | string = name): EntryStat | undefined {
  const r = native.lstatAt(dirFd, name);
  if (typeof r === 'number') {
    if (r === -constants.errno.ENOENT) return undefined;
    throw systemError(r, 'fstatat', where);
  }
  return statOf(new BigInt64Array(r), 0);
}

/** Owner of what an O_PATH descriptor names (fchownat with AT_EMPTY_PATH: never a name looked up again). */
export function chownPath(fd: number, uid: number, gid: number, where: Buffer | string): void {
  checked(native.chownPath(fd, uid, gid), 'fchownat', where);
}

/** Permission bits of what an O_PATH descriptor names (not a symbolic link: they have none). */
export function chmodPath(fd: number, mode: number, where: Buffer | string): void {
  checked(native.chmodPath(fd, mode), 'chmod', where);
}

/** Times, to the nanosecond, of what an O_PATH descriptor names (not a symbolic link: see utimensAt). */
export function utimensPath(fd: number, atimeNs: bigint, mtimeNs: bigint, where: Buffer | string): void {
  checked(native.utimensPath(fd, atimeNs, mtimeNs), 'utimensat', where);
}

/** Times of `name` under `dirFd` itself, a symbolic link's own (AT_SYMLINK_NOFOLLOW). */
export function utimensAt(dirFd: number, name: Buffer, atimeNs: bigint, mtimeNs: bigint, where: Buffer | string = name): void {
  checked(native.utimensAt(dirFd, name, atimeNs, mtimeNs), 'utimensat', where);
}

/** Owner of `name` under `dirFd` itself, a symbolic link's own (AT_SYMLINK_NOFOLLOW). */
export function lchownAt(dirFd: number, name: Buffer, uid: number, gid: number, where: Buffer | string = name): void {
  checked(native.lchownAt(dirFd, name, uid, gid), 'fchownat', where);
}

// ---- Extended attributes ----

/** One extended attribute, name (namespace included) and value as raw bytes: what format's FileEntry keeps. */
export interface Xattr {
  name: Buffer;
  value: Buffer;
}

/** The bounds on one entry's extended attributes (format's ENTRY_LIMITS has these fields: pass it). */
export interface XattrLimits {
  /** Bytes of a name. */
  readonly xattrNameBytes: number;
  /** Bytes of a value. */
  readonly xattrValueBytes: number;
  /** Attributes of one entry. */
  readonly xattrs: number;
  /** Bytes of names and values together. */
  readonly xattrBytes: number;
}

/** readXattrs' answer when a bound is crossed: [bound, amount] (syscalls.c's XL_*). */
const XATTR_BOUNDS: Record<number, { what: (amount: number, l: XattrLimits) => string }> = {
  1: { what: (n, l) => `${n} attributes (at most ${l.xattrs})` },
  2: { what: (n, l) => `a name of ${n} bytes (at most ${l.xattrNameBytes})` },
  3: { what: (n, l) => `a value of ${n} bytes (at most ${l.xattrValueBytes})` },
  4: { what: (n, l) => `more than ${l.xattrBytes} bytes of names and values (${n} so far)` },
};
/** Which call failed (syscalls.c's XC_*): naming the path or the open file the caller gave. */
const XATTR_CALLS = [
  ['open', 'open'],
  ['llistxattr', 'flistxattr'],
  ['lgetxattr', 'fgetxattr'],
] as const;

/** Why an entry's extended attributes were not read: an error like node's (code E2BIG for a bound crossed), for the caller to warn with. */
function xattrError(answer: Array<number | Buffer>, file: Buffer | undefined, limits: XattrLimits): NodeJS.ErrnoException {
  const [status, detail, attr] = answer as [number, number, Buffer | undefined];
  const onFd = file === undefined;
  if (status > 0) {
    const e2big = -constants.errno.E2BIG;
    const err = systemError(e2big, onFd ? 'flistxattr' : 'llistxattr', file);
    err.message = `E2BIG: extended attributes beyond what a backup keeps: ${XATTR_BOUNDS[status]!.what(detail, limits)}${file === undefined ? '' : ` in '${file.toString()}'`}`;
    return err;
  }
  const err = systemError(status, XATTR_CALLS[detail]![onFd ? 1 : 0], file);
  if (attr) {
    err.message += ` (attribute ${attr.toString()})`;
    Object.assign(err, { attribute: attr.toString() });
  }
  return err;
}

/** What the addon read, sorted by the bytes of the names (so the same attributes always encode the same way). */
function xattrsOf(answer: Array<number | Buffer>): Xattr[] {
  const out: Xattr[] = [];
  for (let i = 1; i + 1 < answer.length; i += 2) out.push({ name: answer[i] as Buffer, value: answer[i + 1] as Buffer });
  return out.length > 1 ? out.sort((a, b) => Buffer.compare(a.name, b.name)) : out;
}

function readXattrsOf(fd: number, name: Buffer | null, limits: XattrLimits): Xattr[] {
  const answer = native.readXattrs(fd, name, limits.xattrs, limits.xattrNameBytes, limits.xattrValueBytes, limits.xattrBytes);
  if (answer === 0) return [];
  if (answer[0] !== 0) throw xattrError(answer, name ?? undefined, limits);
  return xattrsOf(answer);
}

/**
 * Every extended attribute of the entry `name` (one component, raw bytes
 * allowed) in the directory open as `dirFd`, never following a symlink
 * there: a symlink's own attributes. Sorted by the bytes of their names;
 * [] where the filesystem has none. Read as /proc/self/fd/<dirFd>/<name>
 * (llistxattr, lgetxattr), so the directory's path is not walked again.
 * Throws like node (code, errno, syscall, path: the name): ENOENT when the
 * entry is gone; E2BIG, saying which, when the attributes go beyond
 * `limits` (format's ENTRY_LIMITS): none are returned then, never a part.
 */
export function readXattrs(dirFd: number, name: Buffer | string, limits: XattrLimits): Xattr[] {
  return readXattrsOf(dirFd, bytesOf(name), limits);
}

/** readXattrs of an open file (flistxattr, fgetxattr; not an O_PATH descriptor). */
export function readXattrsFd(fd: number, limits: XattrLimits): Xattr[] {
  return readXattrsOf(fd, null, limits);
}

/** Sets an extended attribute of an open file (fsetxattr), creating or replacing it. */
export function setXattrFd(fd: number, xattrName: Buffer | string, value: Buffer): void {
  const r = native.setXattr(fd, null, bytesOf(xattrName), value);
  if (r < 0) throw xattrSetError(r, 'fsetxattr', undefined, xattrName);
}

/**
 * Sets an extended attribute of the entry `name` (one component) in the
 * directory open as `dirFd` (lsetxattr of /proc/self/fd/<dirFd>/<name>):
 * a symlink there gets it itself, never its target (the kernel takes
 * trusted. and security. attributes on a symlink, not user. ones: EPERM).
 */
export function setXattrAt(dirFd: number, name: Buffer | string, xattrName: Buffer | string, value: Buffer): void {
  const r = native.setXattr(dirFd, bytesOf(name), bytesOf(xattrName), value);
  if (r < 0) throw xattrSetError(r, 'lsetxattr', name, xattrName);
}

/**
 * Sets an extended attribute of what an O_PATH descriptor names (a FIFO or
 * a device node: setxattr through its procfs link), never of what is now
 * at its name.
 */
export function setXattrPath(fd: number, xattrName: Buffer | string, value: Buffer, where: Buffer | string): void {
  const r = native.setXattrPath(fd, bytesOf(xattrName), value);
  if (r < 0) throw xattrSetError(r, 'setxattr', where, xattrName);
}

/**
 * Removes an extended attribute (nothing when there is none): of an open
 * file, or with `opts.path` of what an O_PATH descriptor names.
 */
export function removeXattr(fd: number, xattrName: Buffer | string, where: Buffer | string, opts: { path?: boolean } = {}): void {
  const r = native.removeXattr(fd, bytesOf(xattrName), opts.path ?? false);
  if (r < 0) throw xattrSetError(r, opts.path ? 'removexattr' : 'fremovexattr', where, xattrName);
}

/** The size of one extended attribute of what a descriptor (O_PATH too) names; 0 when there is none of that name. */
export function xattrSize(fd: number, xattrName: Buffer | string, where: Buffer | string): number {
  const r = native.xattrSize(fd, bytesOf(xattrName));
  if (r < 0) throw xattrSetError(r, 'getxattr', where, xattrName);
  return r;
}

function xattrSetError(r: number, syscall: string, file: Buffer | string | undefined, xattrName: Buffer | string): NodeJS.ErrnoException {
  const err = systemError(r, syscall, file);
  err.message += ` (attribute ${xattrName.toString()})`;
  return Object.assign(err, { attribute: xattrName.toString() });
}

/** A thread's I/O scheduling class, as ioprio_set(2) numbers them (realtime is read, never set here). */
export type IoClass = 'none' | 'realtime' | 'best-effort' | 'idle';
const IO_CLASSES: IoClass[] = ['none', 'realtime', 'best-effort', 'idle'];

/**
 * Sets one thread's I/O priority (ioprio_set with IOPRIO_WHO_PROCESS:
 * Linux keeps it per thread, and a thread made later inherits its
 * creator's). `level`: 0 (highest) to 7 within best-effort; idle has none.
 */
export function setIoPriority(tid: number, ioClass: 'best-effort' | 'idle', level = 0): void {
  const r = native.ioprioSet(tid, ioClass === 'idle' ? 3 : 2, ioClass === 'idle' ? 0 : level);
  if (r < 0) throw systemError(r, 'ioprio_set', `thread ${tid}`);
}

/** One thread's I/O priority (ioprio_get); class none: never set, it follows the thread's niceness. */
export function ioPriority(tid: number): { ioClass: IoClass; level: number } {
  const r = native.ioprioGet(tid);
  if (r < 0) throw systemError(r, 'ioprio_get', `thread ${tid}`);
  return { ioClass: IO_CLASSES[r >> 13] ?? 'none', level: r & 7 };
}
