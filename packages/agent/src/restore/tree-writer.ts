import * as fs from 'node:fs';
import * as path from 'node:path';
import { EntryType, type FileEntry } from '@cpsbackup/format';
import { mknod, utimensNs } from '@cpsbackup/syscalls';
import { AgentError } from '../errors';
import { FileWriter } from './file-writer';
import { OwnerNames } from '../backup/owners';
import { ensureParents, parentOf, pathUnder } from './safe-path';

/** How entries are written back. */
export interface TreeWriterOptions {
  /** Replace what exists at a destination path (otherwise it is kept and reported). */
  overwrite: boolean;
  /** Whether this FIFO entry is written as a regular file holding its backed-up content (else a FIFO is made). */
  fifoAsFile: (e: FileEntry) => boolean;
}

/** What writing one entry did. */
export type WriteOutcome = 'written' | 'linked' | 'skipped';

const NO_BYTES = Buffer.alloc(0);

/**
 * Writes restored entries under a target directory: files, directories,
 * symlinks, hard links, FIFOs, device nodes (as root), with modes, times
 * and (as root) owners. Directory metadata is applied last, deepest first,
 * since adding children changes a directory's mtime. Never writes outside
 * the target: see safe-path.ts, and every create uses O_EXCL/O_NOFOLLOW.
 * Regular files and hard links are made on a thread of their own
 * (file-writer.ts): `write` may return before a file is on disk, and
 * `finish` waits for all.
 */
export class TreeWriter {
  private readonly owners = new OwnerNames();
  private readonly isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  /**
   * Directories to finish at the end: paths as latin1 strings and entries
   * without their buffers, since a Buffer here is a view that keeps a whole
   * received frame (or an 8 KiB pool slab) alive: 16 MB for 1,700 of them.
   */
  private readonly dirs: Array<{ dest: string; e: FileEntry }> = [];
  /** First name restored of each hard-link group (latin1, as `dirs`). */
  private readonly links = new Map<number, string>();
  private readonly files = new FileWriter();
  /** Directories this restore created (latin1 paths): nothing in them can pre-exist, so they are not checked again. */
  private readonly madeHere = new Set<string>();
  readonly warnings: string[] = [];

  constructor(
    readonly target: string,
    private readonly opts: TreeWriterOptions,
  ) {}

  private targetReady = false;

  /** The target is made on the first entry, so a refused restore leaves nothing behind. */
  private ensureTarget(): void {
    if (this.targetReady) return;
    fs.mkdirSync(this.target, { recursive: true });
    this.targetReady = true;
  }

  /** Stops the writer thread of a restore that is failing. */
  async abort(): Promise<void> {
    await this.files.close();
  }

  /**
   * Writes one entry; `content` yields its verified plaintext and is
   * drained whatever happens. An entry that cannot be restored where it
   * should go (its parent is now a symlink, a directory is in the way, the
   * filesystem refuses the name) is skipped with a warning, and the restore
   * goes on; only what stops every entry (no space, a read-only or failing
   * disk, damaged data) ends it.
   */
  async write(e: FileEntry, content: AsyncIterable<Buffer>): Promise<WriteOutcome> {
    this.files.throwIfFailed();
    this.ensureTarget();
    try {
      const dest = pathUnder(this.target, e.path);
      // The directory restored into keeps its own owner and mode: a stored "/" is not applied to it.
      if (dest.equals(this.targetPath)) {
        await drain(content);
        return 'written';
      }
      ensureParents(this.target, dest, this.madeHere);
      return await this.writeAt(dest, e, content);
    } catch (err) {
      if (!skippable(err)) throw err;
      await drain(content); // the stream stays in step (a no-op if the content was consumed)
      const why = err instanceof AgentError ? err.message : `${(err as NodeJS.ErrnoException).code}`;
      return this.skip(`${e.path.toString()}: not restored (${why})`);
    }
  }

  private get targetPath(): Buffer {
    return Buffer.from(path.resolve(this.target));
  }

  private async writeAt(dest: Buffer, e: FileEntry, content: AsyncIterable<Buffer>): Promise<WriteOutcome> {
    const name = e.path.toString();
    const existing = this.madeHere.has(parentOf(dest)) ? undefined : lstatOrUndefined(dest);

    if (e.type === EntryType.Directory) {
      await drain(content);
      if (existing && !existing.isDirectory()) {
        if (!this.opts.overwrite) return this.skip(`${name}: exists and is not a directory (use --overwrite)`);
        fs.unlinkSync(dest);
      }
      if (!existing || !existing.isDirectory()) {
        fs.mkdirSync(dest, { mode: 0o700 });
        this.madeHere.add(dest.toString('latin1'));
      }
      this.dirs.push({ dest: dest.toString('latin1'), e: { ...e, path: NO_BYTES, linkTarget: NO_BYTES, chunks: [] } });
      return 'written';
    }
    if (existing) {
      if (!this.opts.overwrite) {
        await drain(content);
        return this.skip(`${name}: exists (use --overwrite to replace it)`);
      }
      if (existing.isDirectory()) {
        await drain(content);
        return this.skip(`${name}: a directory is in the way; not replaced`);
      }
      fs.unlinkSync(dest);
    }
    if (e.hardlinkGroup) {
      const first = this.links.get(e.hardlinkGroup);
      if (first) {
        await drain(content);
        this.files.link(Buffer.from(first, 'latin1'), dest); // after the first name is complete: the writer keeps order
        return 'linked';
      }
    }
    const asFile = e.type === EntryType.File || (e.type === EntryType.Fifo && this.opts.fifoAsFile(e));
    if (asFile) {
      await this.writeFile(dest, e, content);
      if (e.hardlinkGroup) this.links.set(e.hardlinkGroup, dest.toString('latin1'));
      return 'written';
    }
    await drain(content);
    switch (e.type) {
      case EntryType.Symlink:
        fs.symlinkSync(e.linkTarget, dest);
        if (this.isRoot) fs.lchownSync(dest, this.uid(e), this.gid(e));
        utimensNs(dest, e.mtimeNs, e.mtimeNs, { noFollow: true });
        return 'written';
      case EntryType.Fifo:
        mknod(dest, 'fifo', e.mode & 0o777);
        this.applyMetadata(dest, e);
        return 'written';
      case EntryType.CharDevice:
      case EntryType.BlockDevice: {
        if (!this.isRoot) return this.skip(`${name}: device nodes can only be restored by root`);
        mknod(dest, e.type === EntryType.CharDevice ? 'char' : 'block', e.mode & 0o777, e.rdev);
        this.applyMetadata(dest, e);
        return 'written';
      }
      default:
        return this.skip(`${name}: sockets are not restored`);
    }
  }

  /** Hands a file's content and metadata to the writer thread, piece by piece as they arrive. */
  private async writeFile(dest: Buffer, e: FileEntry, content: AsyncIterable<Buffer>): Promise<void> {
    const file = this.files.create(dest);
    let complete = false;
    try {
      for await (const piece of content) await this.files.write(file, piece);
      complete = true;
    } finally {
      if (complete) {
        const uid = this.isRoot ? this.uid(e) : -1;
        this.files.finish(file, { uid, gid: this.isRoot ? this.gid(e) : -1, mode: e.mode & 0o7777, mtimeNs: e.mtimeNs });
      } else {
        this.files.abandon(file);
      }
    }
  }

  private applyMetadata(dest: Buffer, e: FileEntry): void {
    if (this.isRoot) fs.chownSync(dest, this.uid(e), this.gid(e));
    fs.chmodSync(dest, e.mode & 0o7777);
    utimensNs(dest, e.mtimeNs, e.mtimeNs);
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

  /** Waits for every file, then applies directory modes, owners and times, deepest first (children changed their mtimes). */
  async finish(): Promise<void> {
    await this.files.drain();
    await this.files.close();
    this.warnings.push(...this.files.skippedFiles);
    for (const { dest, e } of this.dirs.reverse()) {
      try {
        this.applyMetadata(Buffer.from(dest, 'latin1'), e);
      } catch (err) {
        if (!skippable(err)) throw err;
        this.warnings.push(`${Buffer.from(dest, 'latin1').toString()}: owner, mode or times not restored (${(err as NodeJS.ErrnoException).code})`);
      }
    }
  }
}

/** Errors that stop every entry, not just one. */
const FATAL_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EMFILE', 'ENFILE']);

/** Whether a failure concerns only the entry at hand (skip it) rather than the whole restore. */
function skippable(err: unknown): boolean {
  if (err instanceof AgentError) return err.code === 'UNSAFE_PATH';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && !FATAL_CODES.has(code);
}

function lstatOrUndefined(p: Buffer): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function drain(content: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of content) {
    // Consumed so the stream stays in step.
  }
}
