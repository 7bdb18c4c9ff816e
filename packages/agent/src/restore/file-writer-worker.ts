/**
 * Worker thread of the restore's file writer (file-writer.ts): creates,
 * fills and closes files with synchronous calls, in the order the main
 * thread sent the operations. Content comes through a shared ring; every
 * data operation gives its bytes back (`release`) once written, whatever
 * happened.
 *
 * Every path is reached from the target's directory descriptor, never
 * through a symbolic link (syscalls' openBeneath), and every file is made
 * under its directory's descriptor with O_CREAT|O_EXCL|O_NOFOLLOW: its
 * owner, mode and times are set on its own descriptor, so nothing a local
 * user swaps in meanwhile is ever written, chmod'ed or chown'ed.
 *
 * A file is written with no name (O_TMPFILE) in its own directory and takes
 * its real name only once complete (content, owner, mode, times), so a
 * restore that is killed leaves nothing: no truncated file under the real
 * name, no leftover beside it. Where the filesystem cannot make a file
 * with no name, it is written under a hidden temporary name with a random
 * tag (safe-path's partialName), which a killed restore leaves behind.
 * A failure that concerns one file (it appeared meanwhile, a name the
 * filesystem refuses) skips that file and is reported as such; one that
 * concerns the whole restore (no space, read-only, I/O error) stops it: no
 * more files are touched, it is reported once, and the rest is only released.
 *
 * A run of zeros the main thread found (a `hole` operation) is skipped over,
 * not written: the file gets a hole there, as a sparse original had.
 */
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { type Xattr } from '@cpsbackup/format';
import {
  closeFd,
  futimensNs,
  linkAt,
  linkFdAt,
  lstatAt,
  O_PATH,
  openAt,
  openBeneath,
  openTmpfileAt,
  renameAt,
  renameNoReplaceAt,
  removeXattr,
  setXattrFd,
  unlinkAt,
  xattrSize,
} from '@cpsbackup/syscalls';
import { readUmask } from './umask';
import { xattrSteps } from './xattrs';
import { withPartialName } from './safe-path';

/** Flags of every file a restore creates: never an existing file (openAt adds O_NOFOLLOW). */
const CREATE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL;

/** Indexes into the control array shared with the main thread. */
export const CTRL_USED = 0;

/** What the worker is started with. */
export interface WriterWorkerData {
  ring: SharedArrayBuffer;
  ctrl: SharedArrayBuffer;
  /** The directory restored into (a descriptor of the process: the main thread keeps it open until the writer is closed). */
  baseFd: number;
  /** Files made with no name until complete (O_TMPFILE) where the filesystem can; false: always under a temporary name. */
  unnamedFiles: boolean;
}

/**
 * One operation. `parent` is a directory's path relative to the base
 * directory ('' for the base itself), `name` one component; both latin1
 * strings so raw bytes survive the message.
 */
export type WriterOp =
  | { op: 'create'; file: number; parent: string; name: string; replace: boolean; size: number; mode: number; keepWritable: boolean }
  | { op: 'data'; file: number; at: number; length: number; release: number }
  | { op: 'hole'; file: number; length: number }
  | { op: 'finish'; file: number; uid: number; gid: number; mode: number; mtimeNs: bigint; linkGroup: number; xattrs?: Xattr[] }
  | { op: 'abandon'; file: number }
  | { op: 'link'; group: number; parent: string; name: string; replace: boolean }
  | { op: 'drain'; token: number };

/** What comes back. */
export type WriterReport =
  | { type: 'failed'; message: string; code?: string; stop: WriteStop }
  | { type: 'skipped'; dest: string; message: string }
  | { type: 'xattr'; dest: string; attribute: string; code: string }
  | { type: 'drained'; token: number };

/**
 * Where the writer stood when an error stopped every file: the file it was
 * writing (as stored, latin1), at which byte of how many, and how many
 * files it had completed before.
 */
export interface WriteStop {
  dest?: string;
  at?: number;
  size?: number;
  filesComplete: number;
}

/** Files given their name (complete) so far. */
let filesComplete = 0;

/** Errors after which no further file can be written either. */
const FATAL = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EMFILE', 'ENFILE']);

/** A path for reports (latin1, as the operations carry it): as stored, from the directory restored into. */
function shown(parent: string, name: string): string {
  return parent ? `/${parent}/${name}` : `/${name}`;
}

/** An open file: descriptor, directory (relative), temporary name (none: made with no name) and real name. */
interface OpenFile {
  fd: number;
  parent: string;
  tmp: Buffer | undefined;
  name: Buffer;
  size: number;
  /** The size its entry says it has. */
  expected: number;
  holeAtEnd: boolean;
  replace: boolean;
  inherited: boolean;
  /** The permissions it was made with, if they are already those it ends with (see madeMode): no chmod then. */
  madeMode: number | undefined;
}
/** Open files by handle. */
const files = new Map<number, OpenFile>();
/** The first name of each hard-link group, once complete, and the file it is (a link is made only to that file). */
const linkGroups = new Map<number, { parent: string; name: Buffer; dev: bigint; ino: bigint; uid: bigint }>();
let failed = false;
let baseFd = -1;

/**
 * The descriptor of a directory below the base (O_PATH, reached with no
 * symbolic link followed), kept while the operations stay in it: files of
 * one directory come together, so most operations reuse it.
 */
let cached: { parent: string; fd: number; defaultAcl: boolean } | undefined;
function dirFd(parent: string): number {
  return cachedDir(parent).fd;
}

function cachedDir(parent: string): { fd: number; defaultAcl: boolean } {
  if (cached?.parent === parent) return cached;
  const fd = openParent(parent);
  if (cached) closeFd(cached.fd);
  // Whether files made in it inherit an ACL (its default ACL): asked once per directory.
  let defaultAcl = false;
  try {
    defaultAcl = xattrSize(fd, DEFAULT_ACL, parent) > 0;
  } catch {
    // the attribute cannot be read: then nothing is removed, as before
  }
  cached = { parent, fd, defaultAcl };
  return cached;
}

/**
 * A directory of the restore, reopened from the target with no link
 * followed: one a local user replaced by a symbolic link or a file since
 * the restore made it is refused, and said so.
 */
function openParent(parent: string): number {
  try {
    return openBeneath(baseFd, Buffer.from(parent, 'latin1'), O_PATH | fs.constants.O_DIRECTORY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!REPLACED.has(code)) throw err;
    const message = `its directory was replaced by a symbolic link or a file while it was being restored (${code}); nothing was written through it`;
    throw Object.assign(new Error(message), { code: 'ECHANGED' });
  }
}

/** What opening a path with no link followed says when a component is a link or not a directory. */
const REPLACED = new Set(['ELOOP', 'ENOTDIR', 'EXDEV']);

const ACCESS_ACL = 'system.posix_acl_access';
const DEFAULT_ACL = 'system.posix_acl_default';

function run(o: WriterOp, ring: Buffer, used: Int32Array): void {
  if (o.op === 'data') {
    try {
      const f = files.get(o.file);
      if (!failed && f) {
        let off = 0;
        try {
          while (off < o.length) off += fs.writeSync(f.fd, ring, o.at + off, o.length - off, f.size + off);
          f.size += o.length;
          f.holeAtEnd = false;
        } catch (err) {
          fileFailed(o.file, err, f.size + off);
        }
      }
    } finally {
      Atomics.sub(used, CTRL_USED, o.release);
      Atomics.notify(used, CTRL_USED);
    }
    return;
  }
  if (o.op === 'drain') {
    parentPort!.postMessage({ type: 'drained', token: o.token } satisfies WriterReport);
    return;
  }
  if (failed) return;
  switch (o.op) {
    case 'hole': {
      const f = files.get(o.file);
      if (f) {
        f.size += o.length; // the next write lands past it; finish sets the size if it ends the file
        f.holeAtEnd = true;
      }
      return;
    }
    case 'create': {
      const name = Buffer.from(o.name, 'latin1');
      try {
        const dir = cachedDir(o.parent);
        const { fd, tmp, madeMode } = createFile(dir.fd, name, dir.defaultAcl || o.keepWritable ? undefined : o.mode);
        files.set(o.file, {
          fd,
          parent: o.parent,
          tmp,
          name,
          size: 0,
          expected: o.size,
          holeAtEnd: false,
          replace: o.replace,
          inherited: dir.defaultAcl,
          madeMode,
        });
      } catch (err) {
        report(err, shown(o.parent, o.name));
      }
      return;
    }
    case 'finish': {
      const f = files.get(o.file);
      if (!f) return; // skipped
      files.delete(o.file);
      try {
        let st: fs.BigIntStats | undefined;
        try {
          if (f.holeAtEnd) fs.ftruncateSync(f.fd, f.size);
          // Owner before mode and capability: chown clears the setuid and setgid bits, and the capability.
          if (o.uid >= 0) fs.fchownSync(f.fd, o.uid, o.gid);
          const steps = xattrSteps(o.xattrs ?? []);
          // Attributes that need write permission on the inode, while its owner has it (a umask may have taken it away at its making).
          if (steps.others.length > 0 && !isRoot && !ownerWritable(f)) fs.fchmodSync(f.fd, 0o600);
          setXattrs(f.fd, steps.others, f);
          // An ACL the new file took from its directory's default ACL, which the backup did not have, goes.
          if (f.inherited && !steps.acls.some((x) => Buffer.from(x.name).toString('latin1') === ACCESS_ACL)) {
            xattrStep(ACCESS_ACL, f, () => removeXattr(f.fd, ACCESS_ACL, shown(f.parent, f.name.toString('latin1'))));
          }
          setXattrs(f.fd, steps.acls, f);
          // A file made with its final permissions needs no chmod, unless an attribute set since (an ACL) changed them.
          if (f.madeMode !== o.mode || steps.acls.length > 0) fs.fchmodSync(f.fd, o.mode);
          setXattrs(f.fd, steps.capability, f);
          futimensNs(f.fd, o.mtimeNs, o.mtimeNs);
          // Which file the first name of a hard-link group is: only then (a stat per file was a tenth of the writer's calls).
          if (o.linkGroup) st = fs.fstatSync(f.fd, { bigint: true });
          giveName(dirFd(f.parent), f); // while open: a file with no name is named through its descriptor
          filesComplete++;
        } finally {
          closeFd(f.fd);
        }
        if (o.linkGroup && st) linkGroups.set(o.linkGroup, { parent: f.parent, name: f.name, dev: st.dev, ino: st.ino, uid: st.uid });
      } catch (err) {
        removeQuietly(f.parent, f.tmp);
        report(err, shown(f.parent, f.name.toString('latin1')), { at: f.size, size: f.expected });
      }
      return;
    }
    case 'abandon': {
      // The restore is failing, or the file's content does not match its entry: nothing of it is left.
      const f = files.get(o.file);
      files.delete(o.file);
      if (f) {
        closeQuietly(f.fd);
        removeQuietly(f.parent, f.tmp);
      }
      return;
    }
    case 'link':
      makeLink(o.group, o.parent, Buffer.from(o.name, 'latin1'), o.replace);
      return;
  }
}

/** Sets extended attributes on an open file; one the kernel refuses is reported (the file is kept), unless the error stops every file. */
function setXattrs(fd: number, xattrs: readonly Xattr[], f: { parent: string; name: Buffer }): void {
  for (const x of xattrs) {
    const name = Buffer.from(x.name);
    xattrStep(name.toString(), f, () => setXattrFd(fd, name, Buffer.from(x.value.buffer, x.value.byteOffset, x.value.byteLength)));
  }
}

/** One change of an attribute; what the kernel refuses is reported by attribute (the file is kept), unless the error stops every file. */
function xattrStep(attribute: string, f: { parent: string; name: Buffer }, step: () => void): void {
  try {
    step();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    if (FATAL.has(code)) throw err;
    const dest = shown(f.parent, f.name.toString('latin1'));
    parentPort!.postMessage({ type: 'xattr', dest, attribute, code } satisfies WriterReport);
  }
}

/**
 * Another name of a file restored before: linked to its first name (linkat
 * never follows a symbolic link), then checked to be that very file (its
 * device, inode and owner: an inode number freed by a deletion is soon
 * reused, but a local user cannot make a file that is not theirs); what a
 * local user may have put at the first name meanwhile is unlinked again.
 */
function makeLink(group: number, parent: string, name: Buffer, replace: boolean): void {
  const where = shown(parent, name.toString('latin1'));
  const first = linkGroups.get(group);
  if (!first) {
    parentPort!.postMessage({ type: 'skipped', dest: where, message: 'its first name could not be restored' } satisfies WriterReport);
    return;
  }
  let firstDir: number | undefined;
  try {
    firstDir = openParent(first.parent);
    const dir = dirFd(parent);
    // Replacing what is there (--overwrite): linked under a temporary name, then renamed over it.
    const made = replace ? withPartialName(name, (tmp) => linkAt(firstDir!, first.name, dir, tmp, where)).tmp : name;
    if (!replace) linkAt(firstDir, first.name, dir, made, where);
    const st = lstatAt(dir, made, where);
    if (!st || st.ino !== first.ino || st.dev !== first.dev || st.uid !== first.uid) {
      unlinkAt(dir, made);
      const firstName = Buffer.from(shown(first.parent, first.name.toString('latin1')), 'latin1').toString();
      throw Object.assign(new Error(`${firstName} was replaced meanwhile; not linked`), { code: 'ECHANGED' });
    }
    if (replace) renameAt(dir, made, dir, name);
  } catch (err) {
    report(err, where);
  } finally {
    if (firstDir !== undefined) closeFd(firstDir);
  }
}

/** Whether this filesystem makes files with no name (O_TMPFILE); cleared by the first that refuses. */
let unnamedFiles = true;

/**
 * A new file for `name`: with no name where the filesystem can, else under
 * a temporary name of its own (O_EXCL: nothing there is ever replaced).
 */
function createFile(dir: number, name: Buffer, mode: number | undefined): { fd: number; tmp: Buffer | undefined; madeMode: number | undefined } {
  if (unnamedFiles) {
    try {
      const made = mode !== undefined && madeWith(mode) ? mode : undefined;
      return { fd: openTmpfileAt(dir, made ?? 0o600, name), tmp: undefined, madeMode: made };
    } catch (err) {
      if (!NO_TMPFILE.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
      unnamedFiles = false;
    }
  }
  const { tmp, made } = withPartialName(name, (t) => openAt(dir, t, CREATE_FLAGS, 0o600));
  return { fd: made, tmp, madeMode: undefined };
}

/**
 * Whether a file with no name can be made with its final permissions
 * `mode` as they are: no setuid, setgid or sticky bit (those are set after
 * its owner, which would clear them), and none the umask takes away. Such
 * a file is reachable by no one until it is complete and named, so its
 * permissions while it is written matter to no one; it then needs no
 * chmod (one system call of the seven per file).
 */
function madeWith(mode: number): boolean {
  return umask !== undefined && (mode & 0o7000) === 0 && (mode & umask) === 0;
}

/** Whether a file's owner may still write its inode: made with its final mode that allows it, or made 0600 under a umask that keeps the owner's write bit. */
function ownerWritable(f: OpenFile): boolean {
  if (f.madeMode !== undefined) return (f.madeMode & 0o200) !== 0;
  return umask !== undefined && (umask & 0o200) === 0;
}

/** Root writes any inode whatever its mode. */
const isRoot = process.geteuid?.() === 0;

/** This process's umask, read once; undefined: unknown, every file gets its chmod. */
const umask = readUmask();

/** What open(O_TMPFILE) answers where the filesystem (or an old kernel) cannot make a file with no name. */
const NO_TMPFILE = new Set(['EOPNOTSUPP', 'ENOTSUP', 'EISDIR', 'EINVAL', 'ENOSYS']);

/**
 * Gives a complete file its real name. A file with no name is linked in
 * through its descriptor, which fails if the name exists (nothing that
 * appeared meanwhile is replaced); replacing what is there (--overwrite),
 * it is linked under a temporary name, then renamed over the old file in
 * one call, so the old one is there until the new one is complete.
 */
function giveName(dir: number, f: OpenFile): void {
  if (f.tmp) {
    takeName(dir, f.tmp, f.name, f.replace);
    return;
  }
  if (!f.replace) {
    linkFdAt(f.fd, dir, f.name);
    return;
  }
  f.tmp = withPartialName(f.name, (t) => linkFdAt(f.fd, dir, t)).tmp;
  renameAt(dir, f.tmp, dir, f.name);
}

/** Whether renameat2's RENAME_NOREPLACE works here; cleared by the first filesystem that refuses it. */
let renameNoReplaceWorks = true;

/**
 * Gives a complete file its real name. Replacing what is there
 * (--overwrite): one rename over it, so the file it replaces is there
 * until the new one is complete (a full disk or a killed restore never
 * leaves neither). Otherwise never replacing what appeared there
 * meanwhile: a rename that fails if the name exists (renameat2
 * RENAME_NOREPLACE, one call), else link() then unlink() (link fails if the
 * name exists, where rename() would replace). Filesystems without hard
 * links get rename().
 */
function takeName(dir: number, tmp: Buffer, name: Buffer, replace: boolean): void {
  if (replace) {
    renameAt(dir, tmp, dir, name);
    return;
  }
  if (renameNoReplaceWorks) {
    try {
      renameNoReplaceAt(dir, tmp, dir, name);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EINVAL' && code !== 'ENOSYS') throw err;
      renameNoReplaceWorks = false;
    }
  }
  try {
    linkAt(dir, tmp, dir, name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    renameAt(dir, tmp, dir, name);
    return;
  }
  unlinkAt(dir, tmp);
}

/** One file could not be restored: skipped with a report, unless the error stops every file (then rethrown). */
function fileFailed(file: number, err: unknown, at: number): void {
  const f = files.get(file);
  if (f) {
    files.delete(file);
    closeQuietly(f.fd);
    removeQuietly(f.parent, f.tmp);
  }
  report(err, f ? shown(f.parent, f.name.toString('latin1')) : '?', f ? { at, size: f.expected } : undefined);
}

/** An error that stops every file, with where it stopped the writer. */
class StoppedAt extends Error {
  constructor(
    override readonly cause: NodeJS.ErrnoException,
    readonly stop: Omit<WriteStop, 'filesComplete'>,
  ) {
    super(cause.message);
  }
}

/** Reports a file skipped, or rethrows an error that stops every file (with the file it stopped at, and how far into it). */
function report(err: unknown, where: string, at?: { at: number; size: number }): void {
  const e = err as NodeJS.ErrnoException;
  if (FATAL.has(e.code ?? '')) throw new StoppedAt(e, { dest: where, ...at });
  parentPort!.postMessage({ type: 'skipped', dest: where, message: e.code === 'ECHANGED' ? e.message : `${e.code ?? e.message}` } satisfies WriterReport);
}

function closeQuietly(fd: number): void {
  try {
    closeFd(fd);
  } catch {
    // already failing; the first error is the one reported
  }
}

function removeQuietly(parent: string, tmp: Buffer | undefined): void {
  if (!tmp) return; // a file with no name: closing it was enough
  try {
    unlinkAt(dirFd(parent), tmp);
  } catch {
    // gone already, or its directory is: nothing of it is left to remove
  }
}

if (parentPort) {
  const data = workerData as WriterWorkerData;
  baseFd = data.baseFd;
  unnamedFiles = data.unnamedFiles;
  const ringBuf = Buffer.from(data.ring);
  const used = new Int32Array(data.ctrl);
  parentPort.on('message', (ops: WriterOp[]) => {
    for (const o of ops) {
      try {
        run(o, ringBuf, used);
      } catch (err) {
        if (failed) continue;
        failed = true;
        for (const f of files.values()) {
          closeQuietly(f.fd);
          removeQuietly(f.parent, f.tmp);
        }
        files.clear();
        const e = err instanceof StoppedAt ? err.cause : (err as NodeJS.ErrnoException);
        const stop: WriteStop = { ...(err instanceof StoppedAt ? err.stop : {}), filesComplete };
        parentPort!.postMessage({ type: 'failed', message: e.message, code: e.code, stop } satisfies WriterReport);
      }
    }
  });
}
