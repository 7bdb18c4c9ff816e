import * as fs from 'node:fs';
import * as path from 'node:path';
import { EntryType, type FileEntry, type Xattr } from '@cpsbackup/format';
import {
  closeFd,
  chmodPath,
  chownPath,
  type EntryStat,
  lchownAt,
  lstatAt,
  mkdirAt,
  mknodAt,
  O_PATH,
  openAt,
  openBeneath,
  removeXattr,
  renameAt,
  setXattrAt,
  setXattrFd,
  setXattrPath,
  symlinkAt,
  unlinkAt,
  utimensAt,
  utimensPath,
  futimensNs,
} from '@cpsbackup/syscalls';
import { AgentError, ExitCode } from '../errors';
import { blockDeviceUse } from './device-use';
import { escapeName } from '../escaped-names';
import { FileWriter } from './file-writer';
import { OwnerNames } from '../backup/owners';
import { FoldedWarnings } from './folded-warnings';
import { relativeOf, splitLast, withPartialName } from './safe-path';
import { readUmask } from './umask';
import { XattrFailures, xattrSteps } from './xattrs';

/** How entries are written back. */
export interface TreeWriterOptions {
  /** Replace what exists at a destination path (otherwise it is kept and reported). */
  overwrite: boolean;
  /** Whether this FIFO (or block device) entry is written as a regular file holding its backed-up content (else the node is made). */
  fifoAsFile: (e: FileEntry) => boolean;
  /** A block device entry with content is written onto the block device at its destination, if one is there and not in use (--onto-devices). */
  ontoDevices?: boolean;
  /** Make device nodes (as root); false: each is left out and reported. Default true. */
  devices?: boolean;
  /** Keep setuid/setgid bits and file capabilities; false: files come back without them. Default true. */
  setuid?: boolean;
}

/**
 * A file's content as the writer takes it: each call gives the next piece
 * of verified plaintext (valid until the next call), undefined once all is
 * given. A piece already at hand comes at once, not through a promise: a
 * restore of small files is mostly pieces at hand, and a promise (or an
 * async generator's step) per piece was much of its collector's time.
 */
export interface FileContent {
  next(): Buffer | undefined | Promise<Buffer | undefined>;
  /** Where the next piece may be decoded (the writer's ring: then it is not copied); set by the writer while it takes a file. */
  target?: (length: number) => Buffer | undefined;
}

/** What writing one entry did. */
export type WriteOutcome = 'written' | 'linked' | 'skipped' | 'damaged';

const NO_BYTES = Buffer.alloc(0);
const { S_IFMT, S_IFDIR, S_IFIFO, S_IFCHR, S_IFBLK, S_IFSOCK, S_IFLNK } = fs.constants;
const DIR_FLAGS = O_PATH | fs.constants.O_DIRECTORY;

/** A directory whose metadata is applied at the end: the one this restore made or found there, not whatever is at its name by then. */
interface PendingDir {
  /** Relative to the target, latin1 (a Buffer here is a view that keeps a whole received frame alive). */
  rel: string;
  /** Made by this restore (so what it inherited from its parent's default ACL is not the backup's). */
  made: boolean;
  e: FileEntry;
  dev: bigint;
  ino: bigint;
}

/**
 * Writes restored entries under a target directory: files, directories,
 * symlinks, hard links, FIFOs, device nodes (as root), with modes, times
 * and (as root) owners. Directory metadata is applied last, deepest first,
 * since adding children changes a directory's mtime.
 *
 * Never writes outside the target, whoever else acts on it meanwhile (a
 * local user who owns a directory restored into can rename and swap what
 * is in it): the target is opened once, and every path below it is reached
 * from that descriptor with no symbolic link followed on the way
 * (syscalls' openBeneath: a directory swapped for a link is refused, not
 * followed); every entry is made under its directory's descriptor without
 * following its name, and its owner, mode and times are set on the object
 * made (a file's own descriptor, an O_PATH descriptor checked to be the
 * node this restore made, a directory checked by device and inode), never
 * on a path looked up again. Any depth: no path is ever handed to the
 * kernel whole.
 *
 * Regular files and hard links are made on a thread of their own
 * (file-writer.ts): `write` may return before a file is on disk, and
 * `finish` waits for all.
 */
export class TreeWriter {
  private readonly owners = new OwnerNames();
  private readonly isRoot = typeof process.geteuid === 'function' && process.geteuid() === 0;
  /** The umask directories are made under (undefined: unknown); one that takes an owner bit away gets a chmod after each mkdir. */
  private readonly umask = readUmask();
  private readonly dirs: PendingDir[] = [];
  /** Hard-link groups whose first name was handed to the file writer. */
  private readonly links = new Set<number>();
  private files: FileWriter | undefined;
  /** Directories this restore created (relative, latin1): nothing in them can pre-exist, so they are not looked into again. */
  private readonly madeHere = new Set<string>();
  private targetFd: number | undefined;
  /** The last directory entries went into (O_PATH): entries of one directory come together. */
  private current: { rel: string; fd: number } | undefined;
  readonly warnings: string[] = [];
  /** Entries refused on their way (a directory replaced by a link): folded into `warnings` at the end. */
  private readonly refused = new FoldedWarnings();
  /** Files the writer thread could not restore after `write` had handed them on (they appeared meanwhile, a link on the way…). */
  skippedByWriter = 0;
  private readonly xattrFailures = new XattrFailures();
  /** Files whose content does not match their entry: not restored (the backup is damaged or forged). */
  readonly damaged: string[] = [];

  constructor(
    readonly target: string,
    private readonly opts: TreeWriterOptions,
  ) {}

  /**
   * The target is made (with its missing parents) and opened on the first
   * entry, so a refused restore leaves nothing behind. It is reached from
   * "/" one directory at a time without following a symbolic link: a
   * link on its way (which someone else may own and point anywhere) is
   * refused, naming the directory it leads to for the operator to give.
   */
  private base(): number {
    if (this.targetFd !== undefined) return this.targetFd;
    const target = path.resolve(this.target);
    let cur = fs.openSync('/', DIR_FLAGS);
    let sofar = '';
    try {
      for (const part of target.split('/').filter(Boolean)) {
        const name = Buffer.from(part);
        sofar += `/${part}`;
        let next: number;
        try {
          next = openAt(cur, name, DIR_FLAGS);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ELOOP' || code === 'ENOTDIR') {
            throw new AgentError('RESTORE', `cannot restore into ${this.target}: ${this.notADirectory(cur, name, sofar)}`, ExitCode.CONFIG);
          }
          if (code !== 'ENOENT') throw asTargetError(err, 'open', sofar);
          try {
            mkdirAt(cur, name, 0o777); // the umask applies, as for mkdir -p
          } catch (e) {
            throw asTargetError(e, 'mkdir', sofar);
          }
          next = openAt(cur, name, DIR_FLAGS);
          // Whatever the umask, its owner can work in it (what it may take from the group and others, it takes).
          if (this.umaskTakesFromOwner()) chmodPath(next, (0o777 & ~(this.umask ?? 0o077)) | 0o700, sofar);
        }
        closeFd(cur);
        cur = next;
      }
    } catch (err) {
      closeFd(cur);
      throw err;
    }
    this.targetFd = cur;
    this.files = new FileWriter(cur);
    this.files.onXattrFailure = (where, attribute, code) => this.xattrFailures.add(where, attribute, code);
    return cur;
  }

  /** Why a component of the target is not a directory it can be restored into (a link is named with where it leads). */
  private notADirectory(dir: number, name: Buffer, sofar: string): string {
    const st = lstatAt(dir, name, sofar);
    if (st && (Number(st.mode) & S_IFMT) === S_IFLNK) {
      let leadsTo = '';
      try {
        leadsTo = fs.realpathSync(sofar);
      } catch {
        // a link that leads nowhere
      }
      return `${sofar} is a symbolic link, and a restore does not go through one (whoever can change it could send the restore anywhere)${leadsTo ? `: give the directory it leads to, --to ${leadsTo}${this.target.slice(sofar.length).replace(/\/+$/, '')}` : ''}`;
    }
    return `${sofar} is not a directory`;
  }

  /** Stops the writer thread of a restore that is failing. */
  async abort(): Promise<void> {
    await this.files?.close();
    try {
      // A restore stopped by a failure (a full disk, a lost connection) leaves the directories it made with their modes, as an interrupted one does, not at 0700.
      for (const d of this.dirs.splice(0).reverse()) {
        try {
          this.finishDir(d);
        } catch {
          // A fatal error (the disk failing) already ends the restore and is what it reports.
        }
      }
    } finally {
      this.closeAll();
    }
  }

  /**
   * Writes one entry; `content` yields its verified plaintext and is
   * drained whatever happens. An entry that cannot be restored where it
   * should go (its parent is now a symlink, a directory is in the way, the
   * filesystem refuses the name) is skipped with a warning, and the restore
   * goes on; only what stops every entry (no space, a read-only or failing
   * disk, damaged data) ends it. A `context` entry is a directory on the
   * way to what was selected: it is made as it was if it does not exist,
   * and left as it is if it does.
   */
  async write(e: FileEntry, content: FileContent, context = false): Promise<WriteOutcome> {
    this.files?.throwIfFailed();
    const base = this.base();
    try {
      const rel = relativeOf(e.path);
      // The directory restored into keeps its own owner and mode: a stored "/" is not applied to it.
      if (rel.length === 0) {
        await drain(content);
        return 'written';
      }
      const { parent, name } = splitLast(rel);
      const dir = this.dirOf(base, parent);
      return await this.writeAt(dir, parent, name, rel, this.opts.setuid === false ? withoutPrivileges(e) : e, content, context);
    } catch (err) {
      if (!skippable(err)) throw err;
      await drain(content); // the stream stays in step (a no-op if the content was consumed)
      const why = err instanceof AgentError ? err.message : `${(err as NodeJS.ErrnoException).code}`;
      // One refused directory refuses every entry below it: a few are named, the rest counted.
      this.refused.add(why, `${escapeName(e.path)}: not restored (${why})`, (n) => `${n} more entries not restored (${why})`);
      return 'skipped';
    }
  }

  /**
   * The directory `parent` (relative) as an O_PATH descriptor, reached with
   * no link followed; made (0700 until its own entry's metadata is
   * applied) where it is missing, component by component.
   */
  private dirOf(base: number, parent: Buffer): number {
    const rel = parent.toString('latin1');
    if (this.current?.rel === rel) return this.current.fd;
    let fd: number;
    try {
      fd = openBeneath(base, parent, DIR_FLAGS);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP' || code === 'ENOTDIR') throw this.unsafe(parent);
      if (code !== 'ENOENT') throw err;
      fd = this.makeParents(base, parent);
    }
    if (this.current) closeFd(this.current.fd);
    this.current = { rel, fd };
    return fd;
  }

  /** Makes the missing directories of `parent`, one component at a time under the one before. */
  private makeParents(base: number, parent: Buffer): number {
    let cur = base;
    let at = 0;
    try {
      while (at < parent.length) {
        let end = parent.indexOf(0x2f, at);
        if (end < 0) end = parent.length;
        const name = parent.subarray(at, end);
        let next: number;
        try {
          next = openAt(cur, name, DIR_FLAGS);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ELOOP' || code === 'ENOTDIR') throw this.unsafe(parent.subarray(0, end));
          if (code !== 'ENOENT') throw err;
          mkdirAt(cur, name, 0o700);
          next = openAt(cur, name, DIR_FLAGS);
          if (this.ownerLacksBits()) chmodPath(next, 0o700, parent.subarray(0, end));
          this.madeHere.add(parent.subarray(0, end).toString('latin1'));
        }
        if (cur !== base) closeFd(cur);
        cur = next;
        at = end + 1;
      }
      return cur;
    } catch (err) {
      if (cur !== base) closeFd(cur);
      throw err;
    }
  }

  /** Whether the umask (an unknown one may) takes from what this process makes some of the owner's bits. */
  private umaskTakesFromOwner(): boolean {
    return this.umask === undefined || (this.umask & 0o700) !== 0;
  }

  /**
   * Whether a directory this restore makes 0700 may lack some of its
   * owner's bits (the umask took them), so that nothing could be made in
   * it: not for root, whom permissions do not stop.
   */
  private ownerLacksBits(): boolean {
    return !this.isRoot && this.umaskTakesFromOwner();
  }

  /** A directory just made given 0700, as the umask did not (its mode comes at the end): reached with no link followed. */
  private ownerWorksIn(dir: number, name: Buffer, where: Buffer): void {
    const fd = openAt(dir, name, DIR_FLAGS, 0, where);
    try {
      chmodPath(fd, 0o700, where);
    } finally {
      closeFd(fd);
    }
  }

  private unsafe(rel: Buffer): AgentError {
    return new AgentError('UNSAFE_PATH', `refusing to restore through /${escapeName(rel)}: it is a symbolic link or not a directory`);
  }

  private async writeAt(dir: number, parent: Buffer, name: Buffer, rel: Buffer, e: FileEntry, content: FileContent, context: boolean): Promise<WriteOutcome> {
    // Escaped only for a message: most entries never need it.
    const shown = () => escapeName(e.path);
    const existing = this.madeHere.has(parent.toString('latin1')) ? undefined : lstatAt(dir, name, e.path);
    const isDir = (st: EntryStat) => (Number(st.mode) & S_IFMT) === S_IFDIR;

    if (e.type === EntryType.Directory) {
      await drain(content);
      // A directory on the way to what was asked for keeps its own metadata, whatever is there.
      if (existing && context) return 'written';
      if (existing && isDir(existing)) {
        this.dirs.push(this.pendingDir(rel, e, existing, false));
        return 'written';
      }
      if (existing) {
        if (!this.opts.overwrite) return this.skip(`${shown()}: exists and is not a directory (use --overwrite)`);
        unlinkAt(dir, name, {}, e.path);
      }
      mkdirAt(dir, name, 0o700, e.path);
      if (this.ownerLacksBits()) this.ownerWorksIn(dir, name, e.path);
      this.madeHere.add(rel.toString('latin1'));
      const made = lstatAt(dir, name, e.path);
      if (!made || !isDir(made)) throw this.unsafe(rel);
      this.dirs.push(this.pendingDir(rel, e, made, true));
      return 'written';
    }
    if (e.type === EntryType.BlockDevice && e.chunks.length > 0 && existing && (Number(existing.mode) & S_IFMT) === S_IFBLK) {
      if (this.opts.ontoDevices) return this.writeOntoDevice(dir, name, e, content);
      // A device's content over a device node: never a file in its place, whatever --overwrite says.
      await drain(content);
      return this.skip(
        `${this.shownAt(e)}: a block device is there; not replaced by a file of the backed-up content (--onto-devices writes the content onto it, --to another directory restores it as a file)`,
      );
    }
    // What is there is replaced (--overwrite) by a rename once its replacement is complete, never deleted first:
    // a full disk or a killed restore leaves the old one, not neither.
    let replace = false;
    if (existing) {
      if (!this.opts.overwrite) {
        await drain(content);
        return this.skip(`${shown()}: exists (use --overwrite to replace it)`);
      }
      if (isDir(existing)) {
        await drain(content);
        return this.skip(`${shown()}: a directory is in the way; not replaced`);
      }
      replace = true;
    }
    if (e.hardlinkGroup && this.links.has(e.hardlinkGroup)) {
      await drain(content);
      this.files!.link(e.hardlinkGroup, parent, name, { replace }); // after the first name is complete: the writer keeps order
      return 'linked';
    }
    const asFile = e.type === EntryType.File || ((e.type === EntryType.Fifo || e.type === EntryType.BlockDevice) && this.opts.fifoAsFile(e));
    if (asFile) {
      const outcome = await this.writeFile(parent, name, e, content, replace);
      if (outcome === 'written' && e.hardlinkGroup) this.links.add(e.hardlinkGroup);
      return outcome;
    }
    await drain(content);
    if ((e.type === EntryType.CharDevice || e.type === EntryType.BlockDevice) && (this.opts.devices === false || !this.isRoot)) {
      return this.skip(
        this.opts.devices === false ? `${shown()}: a device node, left out (--no-devices)` : `${shown()}: device nodes can only be restored by root`,
      );
    }
    if (!replace) return this.makeNode(dir, name, e);
    // Made under a temporary name (symlink, mknod: EEXIST on a name taken), then renamed over what is there.
    const { tmp, made } = withPartialName(name, (t) => this.makeNode(dir, t, e));
    if (made === 'written') renameAt(dir, tmp, dir, name, e.path);
    return made;
  }

  /** A symlink, FIFO, device node or socket `name` under `dir`, with its metadata. */
  private makeNode(dir: number, name: Buffer, e: FileEntry): WriteOutcome {
    // Escaped only for a message: most entries never need it.
    const shown = () => escapeName(e.path);
    switch (e.type) {
      case EntryType.Symlink:
        symlinkAt(e.linkTarget, dir, name, e.path);
        if (this.isRoot) lchownAt(dir, name, this.uid(e), this.gid(e), e.path);
        // A symbolic link has no mode: its attributes (trusted., security.) are set on the link itself, never its target.
        this.setXattrs(e, e.xattrs, (x) => setXattrAt(dir, name, x.name, x.value));
        utimensAt(dir, name, e.mtimeNs, e.mtimeNs, e.path);
        return 'written';
      case EntryType.Fifo:
        mknodAt(dir, name, 'fifo', e.mode & 0o777, 0n, e.path);
        this.applyToNode(dir, name, e, S_IFIFO);
        return 'written';
      case EntryType.CharDevice:
      case EntryType.BlockDevice: {
        const kind = e.type === EntryType.CharDevice ? 'char' : 'block';
        mknodAt(dir, name, kind, e.mode & 0o777, e.rdev, e.path);
        this.applyToNode(dir, name, e, kind === 'char' ? S_IFCHR : S_IFBLK);
        return 'written';
      }
      case EntryType.Socket:
        // A socket file as it was (no process listens on it: what rsync -a and cp -a make too).
        mknodAt(dir, name, 'socket', e.mode & 0o777, 0n, e.path);
        this.applyToNode(dir, name, e, S_IFSOCK);
        return 'written';
      default:
        return this.skip(`${shown()}: of an unknown type; not restored`);
    }
  }

  /**
   * A block device's backed-up content written onto the block device found
   * at its destination (--onto-devices), in place, from its first byte; the
   * rest of a larger device is left as it is, and so are the node's owner,
   * mode and times (the system's). The node is reached with no link
   * followed (an LVM path /dev/VG/LV is a link: not written through). It is
   * opened O_EXCL, which Linux refuses (EBUSY) for a device that is mounted
   * (or one of its partitions), or held by device-mapper, md, swap or
   * another exclusive opener; then, holding that claim, what claims nothing
   * is looked for (device-use.ts: holders, a loop device backed by it, swap).
   * Such a device is never written over, nor one smaller than the content.
   * A device that refuses a write (read-only, an I/O error) gets nothing
   * more, its remaining content is consumed (the stream stays in step), and
   * the restore goes on. Synced before the entry counts as written.
   */
  private async writeOntoDevice(dir: number, name: Buffer, e: FileEntry, content: FileContent): Promise<WriteOutcome> {
    const shown = this.shownAt(e);
    const skip = async (message: string) => {
      await drain(content);
      return this.skip(`${shown}: ${message}`);
    };
    const asFile = 'restore with --to into a directory to get the content as a file';
    const pathFd = openAt(dir, name, O_PATH | fs.constants.O_NOFOLLOW, 0, e.path);
    try {
      const st = fs.fstatSync(pathFd, { bigint: true });
      if (!st.isBlockDevice()) throw new AgentError('UNSAFE_PATH', `${shown} was replaced while it was being restored; not written`);
      const room = blockDeviceBytes(st.rdev);
      if (room === undefined || room < e.size) {
        const why = room === undefined ? 'its size cannot be read from /sys/dev/block' : `it holds ${room} bytes, fewer than the ${e.size} backed up`;
        return await skip(`not written onto the block device there: ${why} (${asFile})`);
      }
      let fd: number;
      try {
        fd = fs.openSync(`/proc/self/fd/${pathFd}`, fs.constants.O_WRONLY | fs.constants.O_EXCL);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
        if (code === 'EBUSY') return await skip(`the block device there is mounted or in use (EBUSY): not written over (unmount it, or ${asFile})`);
        return await skip(`cannot open the block device there for writing (${code}): not written (check it is writable, or ${asFile})`);
      }
      let size = 0;
      let failed: string | undefined;
      try {
        const use = blockDeviceUse(st.rdev);
        if (use !== undefined) return await skip(`the block device there is in use: ${use}; not written over (or ${asFile})`);
        for (let piece = await content.next(); piece !== undefined; piece = await content.next()) {
          if (failed === undefined) {
            try {
              for (let at = 0; at < piece.length;) at += fs.writeSync(fd, piece, at, piece.length - at, size + at);
            } catch (err) {
              failed = (err as NodeJS.ErrnoException).code ?? 'EIO';
            }
          }
          size += piece.length;
        }
        if (failed === undefined) {
          try {
            fs.fsyncSync(fd);
          } catch (err) {
            failed = (err as NodeJS.ErrnoException).code ?? 'EIO';
          }
        }
      } finally {
        fs.closeSync(fd);
      }
      if (failed !== undefined) {
        return this.skip(
          `${shown}: cannot write the block device (${failed}): it holds part of the content at most, nothing more written to it (a read-only device: make it writable, blockdev --setrw or losetup without -r; an I/O error: check the device; then restore again, or ${asFile})`,
        );
      }
      if (size !== e.size) {
        this.damaged.push(
          `${shown}: its entry says ${e.size} bytes, its ${e.chunks.length} chunks hold ${size}: the block device holds what they held (the backup is damaged: restore it from another backup)`,
        );
        return 'damaged';
      }
      return 'written';
    } finally {
      closeFd(pathFd);
    }
  }

  /** Where an entry is on this machine: its path under the directory restored into (`--to`). */
  private shownAt(e: FileEntry): string {
    const rel = escapeName(relativeOf(e.path));
    const target = path.resolve(this.target);
    return target === '/' ? `/${rel}` : `${target}/${rel}`;
  }

  private pendingDir(rel: Buffer, e: FileEntry, st: EntryStat, made: boolean): PendingDir {
    // Copies of the attributes: the entry's are views of the received frame.
    const xattrs = e.xattrs.map((x) => ({ name: Buffer.from(x.name), value: Buffer.from(x.value) }));
    return { rel: rel.toString('latin1'), made, e: { ...e, path: NO_BYTES, linkTarget: NO_BYTES, chunks: [], xattrs }, dev: st.dev, ino: st.ino };
  }

  /**
   * Sets each of `xattrs` with `set`; what the kernel refuses (a namespace
   * this process may not write, a filesystem without them) is gathered
   * for one warning per kind, the entry kept.
   */
  private setXattrs(e: FileEntry | string, xattrs: readonly Xattr[], set: (x: Xattr) => void): void {
    for (const x of xattrs) this.xattrStep(typeof e === 'string' ? e : escapeName(e.path), x.name.toString(), () => set(x));
  }

  /** One change of an attribute; what the kernel refuses is gathered for a warning, the entry kept. */
  private xattrStep(where: string, attribute: string, step: () => void): void {
    try {
      step();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      if (FATAL_CODES.has(code)) throw err;
      this.xattrFailures.add(where, attribute, code);
    }
  }

  /**
   * Owner, mode and times of a FIFO or device node just made, through an
   * O_PATH descriptor of it, after checking it is a node as this restore
   * made it (its type, one link): not a file a local user put at its name
   * meanwhile, nor a link to another node. (Not its owner: on NFS with
   * root squashed, what root makes is nobody's.)
   */
  private applyToNode(dir: number, name: Buffer, e: FileEntry, type: number): void {
    const fd = openAt(dir, name, O_PATH, 0, e.path);
    try {
      const st = lstatAt(fd, NO_BYTES, e.path)!;
      if ((Number(st.mode) & S_IFMT) !== type || st.nlink !== 1n) {
        throw new AgentError('UNSAFE_PATH', `${escapeName(e.path)} was replaced while it was being restored; its metadata was not applied`);
      }
      if (this.isRoot) chownPath(fd, this.uid(e), this.gid(e), e.path);
      const steps = xattrSteps(e.xattrs);
      this.setXattrs(e, steps.others, (x) => setXattrPath(fd, x.name, x.value, e.path));
      // One taken from the directory's default ACL, which the backup did not have, goes.
      const acl = INHERITED_ACLS[0];
      if (!hasXattr(e, acl)) this.xattrStep(escapeName(e.path), acl, () => removeXattr(fd, acl, e.path, { path: true }));
      this.setXattrs(e, steps.acls, (x) => setXattrPath(fd, x.name, x.value, e.path));
      chmodPath(fd, e.mode & 0o7777, e.path);
      this.setXattrs(e, steps.capability, (x) => setXattrPath(fd, x.name, x.value, e.path));
      utimensPath(fd, e.mtimeNs, e.mtimeNs, e.path);
    } finally {
      closeFd(fd);
    }
  }

  /**
   * Hands a file's content and metadata to the writer thread, piece by
   * piece as they arrive. A file whose content does not add up to its
   * entry's size (a damaged or forged backup: an entry claiming bytes no
   * chunk holds) is not restored, and is reported as damaged.
   */
  private async writeFile(parent: Buffer, name: Buffer, e: FileEntry, content: FileContent, replace: boolean): Promise<WriteOutcome> {
    const files = this.files!;
    // A read-only file with user. attributes stays writable by its owner until they are set (not root: permissions do not stop it).
    const keepWritable = !this.isRoot && (e.mode & 0o200) === 0 && e.xattrs.length > 0 && xattrSteps(e.xattrs).others.length > 0;
    const file = files.create(parent, name, { replace, size: e.size, mode: e.mode & 0o7777, keepWritable });
    let complete = false;
    let size = 0;
    content.target = files.target;
    try {
      for (;;) {
        const next = content.next();
        const piece = next instanceof Promise ? await next : next;
        if (piece === undefined) break;
        size += piece.length;
        const room = files.write(file, piece);
        if (room) await room;
      }
      complete = size === e.size;
    } finally {
      content.target = undefined;
      if (complete) {
        const uid = this.isRoot ? this.uid(e) : -1;
        files.finish(file, {
          uid,
          gid: this.isRoot ? this.gid(e) : -1,
          mode: e.mode & 0o7777,
          mtimeNs: e.mtimeNs,
          linkGroup: e.hardlinkGroup,
          xattrs: e.xattrs,
        });
      } else {
        files.abandon(file);
      }
    }
    if (!complete) {
      const message = `${escapeName(e.path)}: not restored: its entry says ${e.size} bytes, its ${e.chunks.length} chunks hold ${size} (the node that made the backup recorded it wrongly, or the backup is damaged: restore this file from another backup)`;
      this.damaged.push(message);
      return 'damaged';
    }
    return 'written';
  }

  /** Owner by name when this machine knows it, else by number. */
  private uid(e: FileEntry): number {
    return (e.user ? this.owners.uidOf(e.user) : undefined) ?? e.uid;
  }

  private gid(e: FileEntry): number {
    return (e.group ? this.owners.gidOf(e.group) : undefined) ?? e.gid;
  }

  private skip(message: string): WriteOutcome {
    this.warnings.push(message);
    return 'skipped';
  }

  /**
   * Waits for every file, then applies directory modes, owners and times,
   * deepest first (children changed their mtimes), each to the directory
   * this restore made or found, reopened from the target with no link
   * followed and checked by device and inode.
   */
  async finish(): Promise<void> {
    this.refused.finish();
    this.warnings.push(...this.refused.lines);
    if (this.files) {
      await this.files.drain();
      await this.files.close();
      this.warnings.push(...this.files.skippedFiles);
      this.skippedByWriter = this.files.skippedCount;
    }
    try {
      for (const d of this.dirs.splice(0).reverse()) this.finishDir(d);
    } finally {
      this.closeAll();
    }
    this.warnings.push(...this.xattrFailures.warnings());
  }

  private finishDir({ rel, e, dev, ino, made }: PendingDir): void {
    const shown = `/${escapeName(Buffer.from(rel, 'latin1'))}`;
    let fd: number;
    try {
      fd = openBeneath(this.targetFd!, Buffer.from(rel, 'latin1'), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    } catch (err) {
      if (!skippable(err)) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      // The directory this restore made or found is no longer one: someone swapped it for a link or a file.
      const swapped = code === 'ELOOP' || code === 'ENOTDIR' || code === 'ENOENT';
      this.warnings.push(
        swapped
          ? `${shown}: replaced by a symbolic link or a file while it was being restored (${code}); its owner, mode and times were not applied, nothing was changed through it`
          : `${shown}: owner, mode or times not restored (${code})`,
      );
      return;
    }
    try {
      const st = fs.fstatSync(fd, { bigint: true });
      if (st.dev !== dev || st.ino !== ino) {
        this.warnings.push(`${shown}: replaced while it was being restored; its owner, mode and times were not applied`);
        return;
      }
      if (this.isRoot) fs.fchownSync(fd, this.uid(e), this.gid(e));
      const steps = xattrSteps(e.xattrs);
      // While it is still 0700 (made here) or as it was found: a user. attribute needs write permission on it.
      this.setXattrs(shown, steps.others, (x) => setXattrFd(fd, x.name, x.value));
      // ACLs a directory this restore made took from its parent's default ACL, which the backup did not have, go.
      if (made) for (const acl of INHERITED_ACLS) if (!hasXattr(e, acl)) this.xattrStep(shown, acl, () => removeXattr(fd, acl, shown));
      this.setXattrs(shown, steps.acls, (x) => setXattrFd(fd, x.name, x.value));
      fs.fchmodSync(fd, e.mode & 0o7777);
      this.setXattrs(shown, steps.capability, (x) => setXattrFd(fd, x.name, x.value));
      futimensNs(fd, e.mtimeNs, e.mtimeNs);
    } catch (err) {
      if (!skippable(err)) throw err;
      this.warnings.push(`${shown}: owner, mode or times not restored (${(err as NodeJS.ErrnoException).code})`);
    } finally {
      closeFd(fd);
    }
  }

  private closeAll(): void {
    if (this.current) closeFd(this.current.fd);
    this.current = undefined;
    if (this.targetFd !== undefined) fs.closeSync(this.targetFd);
    this.targetFd = undefined;
  }
}

/**
 * An entry as --no-setuid restores it: a file (or anything but a
 * directory, where setgid means inheritance, not privilege) without its
 * setuid and setgid bits, and nothing without its file capability.
 */
function withoutPrivileges(e: FileEntry): FileEntry {
  const mode = e.type === EntryType.Directory ? e.mode : e.mode & ~0o6000;
  const xattrs = e.xattrs.some((x) => x.name.toString('latin1') === 'security.capability')
    ? e.xattrs.filter((x) => x.name.toString('latin1') !== 'security.capability')
    : e.xattrs;
  return mode === e.mode && xattrs === e.xattrs ? e : { ...e, mode, xattrs };
}

/** The bytes a block device holds, from /sys (its size is in 512-byte sectors there); undefined when that cannot be read. */
function blockDeviceBytes(rdev: bigint): number | undefined {
  // glibc's major() and minor() of a dev_t.
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  try {
    return Number(fs.readFileSync(`/sys/dev/block/${major}:${minor}/size`, 'utf8').trim()) * 512;
  } catch {
    return undefined;
  }
}

/** The ACLs a new entry takes from its directory's default ACL: its access ACL, and for a directory its default ACL too. */
const INHERITED_ACLS = ['system.posix_acl_access', 'system.posix_acl_default'] as const;

function hasXattr(e: FileEntry, name: string): boolean {
  return e.xattrs.some((x) => x.name.toString('latin1') === name);
}

/** Errors that stop every entry, not just one. */
const FATAL_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EMFILE', 'ENFILE']);

/** Whether a failure concerns only the entry at hand (skip it) rather than the whole restore. */
function skippable(err: unknown): boolean {
  if (err instanceof AgentError) return err.code === 'UNSAFE_PATH';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && !FATAL_CODES.has(code);
}

/** Consumes what is left of a content, so the stream stays in step. */
async function drain(content: FileContent): Promise<void> {
  for (;;) {
    const next = content.next();
    if ((next instanceof Promise ? await next : next) === undefined) return;
  }
}

/**
 * A failure to make or open the target (or a directory on its way), named
 * by its real path and the call as node:fs names it: the restore's caller
 * (fatal-errors) tells it apart from a failure under the target by that.
 */
function asTargetError(err: unknown, syscall: 'mkdir' | 'open', where: string): NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code !== 'string') return e;
  const description = /^E[A-Z0-9]+: ([^,]*),/.exec(e.message)?.[1] ?? e.code;
  return Object.assign(new Error(`${e.code}: ${description}, ${syscall} '${where}'`), { code: e.code, errno: e.errno, syscall, path: where });
}
