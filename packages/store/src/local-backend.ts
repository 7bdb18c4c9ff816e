import * as fs from 'node:fs';
import * as path from 'node:path';
import { type LeaseObject, type PackAppender, type StorageBackend } from './backend';
import { createFileDurably, fsyncDir, mkdirDurably, replaceFileDurably } from '@cpsbackup/durable';
import { StoreError } from './errors';

const PACK_SUFFIX = '.pack';
/** Bytes a streamed read hands over at a time. */
const STREAM_PIECE = 1024 * 1024;
/** What a pack's name is: hex digits (random, from PackWriter), after `t` for a tree pack (pack-format.ts). */
const PACK_NAME = /^t?[0-9a-f]{8,64}$/;

/** Where a pack lives below a backend's packs/ (a file, or an object key): `<first two characters>/<name>.pack`. */
export function packPathWithin(name: string): string {
  if (!PACK_NAME.test(name)) throw new StoreError('BAD_ARGUMENT', `invalid pack name ${JSON.stringify(name)}`);
  return `${name.slice(0, 2)}/${name}${PACK_SUFFIX}`;
}

/** The pack a path below packs/ names (packPathWithin's inverse), or undefined for anything else. */
export function packNameAt(within: string): string | undefined {
  const name = path.posix.basename(within, PACK_SUFFIX);
  return PACK_NAME.test(name) && within === `${name.slice(0, 2)}/${name}${PACK_SUFFIX}` ? name : undefined;
}

/** Whether `name` is an object name: `/`-separated words of [A-Za-z0-9._%-], none `.` or `..`. */
export function isObjectName(name: string): boolean {
  return /^[A-Za-z0-9._%-]+(\/[A-Za-z0-9._%-]+)*$/.test(name) && !name.split('/').some((w) => w === '.' || w === '..');
}

/** Packs as files under `<root>/packs/<first two hex digits>/<name>.pack`; objects as files under `<root>/records/<name>`. */
export class LocalDirectoryBackend implements StorageBackend {
  readonly publishesPacks = false;
  private readonly packsDir: string;
  /** Read handles kept open: restores read many chunks from few packs. */
  private readonly readFds = new Map<string, number>();

  constructor(readonly root: string) {
    this.packsDir = path.join(root, 'packs');
    fs.mkdirSync(this.packsDir, { recursive: true, mode: 0o700 }); // packs hold plain file content: the server's user's alone
  }

  get location(): string {
    return this.packsDir;
  }

  get objectsLocation(): string {
    return path.join(this.root, 'records');
  }

  /** The file of a pack (whether or not it exists). */
  packFile(name: string): string {
    return this.packPath(name);
  }

  private packPath(name: string): string {
    return path.join(this.packsDir, packPathWithin(name));
  }

  /** A pack file that is not there, as the error every backend gives for it. */
  private missing(err: unknown, name: string): unknown {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return err;
    return new StoreError('PACK_MISSING', `pack ${name} is missing from ${this.packsDir}`, { pack: name });
  }

  createPack(name: string): PackAppender {
    const file = this.packPath(name);
    const dir = path.dirname(file);
    mkdirDurably(dir);
    const fd = fs.openSync(file, 'wx', 0o600);
    fsyncDir(dir); // the new pack's directory entry must survive a crash too
    return new LocalPackAppender(fd, file);
  }

  /** The local file is the pack's home: durable once synced. */
  publishPack(): Promise<void> {
    return Promise.resolve();
  }

  discardPack(name: string): void {
    this.forget(name);
    unlinkIfPresent(this.packPath(name));
  }

  unpublishedPacks(): string[] {
    return [];
  }

  /** Reads synchronously (a local disk read is short; it keeps restores free of thread-pool round trips). */
  async readPack(name: string, offset: number, length: number): Promise<Buffer> {
    return this.readPackNow(name, offset, length);
  }

  private readPackNow(name: string, offset: number, length: number): Buffer {
    let fd = this.readFds.get(name);
    if (fd === undefined) {
      try {
        fd = fs.openSync(this.packPath(name), 'r');
      } catch (err) {
        throw this.missing(err, name);
      }
      if (this.readFds.size >= 64) this.closeReaders();
      this.readFds.set(name, fd);
    }
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, buf, done, length - done, offset + done);
      if (n === 0) {
        throw new StoreError('CHUNK_CORRUPT', `pack ${name} ends at ${offset + done}, expected ${length} bytes at ${offset}`, { pack: name });
      }
      done += n;
    }
    return buf;
  }

  async *streamPack(name: string, start: number, end: number, signal?: AbortSignal): AsyncIterable<Buffer> {
    if (end <= start) return;
    let fd: fs.promises.FileHandle;
    try {
      fd = await fs.promises.open(this.packPath(name), 'r');
    } catch (err) {
      throw this.missing(err, name);
    }
    try {
      for (let at = start; at < end;) {
        signal?.throwIfAborted();
        const piece = Buffer.allocUnsafe(Math.min(STREAM_PIECE, end - at)); // each its own: the caller may keep slices of it
        const { bytesRead } = await fd.read(piece, 0, piece.length, at);
        if (bytesRead === 0) return; // the pack ends here
        at += bytesRead;
        yield piece.subarray(0, bytesRead);
      }
    } finally {
      await fd.close();
    }
  }

  /** The local file is the pack's home: there is no copy to fetch again. */
  async refetchLocalCopy(): Promise<boolean> {
    return false;
  }

  async packSize(name: string): Promise<number> {
    try {
      return fs.statSync(this.packPath(name)).size;
    } catch (err) {
      throw this.missing(err, name);
    }
  }

  async deletePack(name: string): Promise<void> {
    this.discardPack(name);
  }

  private forget(name: string): void {
    const fd = this.readFds.get(name);
    if (fd !== undefined) {
      fs.closeSync(fd);
      this.readFds.delete(name);
    }
  }

  async listPacks(): Promise<string[]> {
    return this.listPacksNow();
  }

  /** listPacks, synchronously (the S3 backend lists its staging and cache directories with it). */
  listPacksNow(): string[] {
    const names: string[] = [];
    for (const sub of fs.readdirSync(this.packsDir)) {
      const dir = path.join(this.packsDir, sub);
      if (!fs.statSync(dir).isDirectory()) continue;
      for (const f of fs.readdirSync(dir)) if (f.endsWith(PACK_SUFFIX)) names.push(f.slice(0, -PACK_SUFFIX.length));
    }
    return names;
  }

  private objectPath(name: string): string {
    if (!isObjectName(name)) {
      throw new StoreError('BAD_ARGUMENT', `invalid object name ${JSON.stringify(name)}`);
    }
    return path.join(this.root, 'records', name);
  }

  async writeObject(name: string, data: Buffer): Promise<void> {
    const file = this.objectPath(name);
    mkdirDurably(path.dirname(file));
    replaceFileDurably(file, data, 0o600);
  }

  async readObject(name: string): Promise<Buffer | undefined> {
    try {
      return fs.readFileSync(this.objectPath(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async deleteObject(name: string): Promise<void> {
    const file = this.objectPath(name);
    if (unlinkIfPresent(file)) fsyncDir(path.dirname(file));
  }

  async listObjects(prefix: string): Promise<string[]> {
    const names: string[] = [];
    const visit = (rel: string) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(path.join(this.root, 'records', rel), { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        const name = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) visit(name);
        else if (e.isFile() && !e.name.startsWith('.') && name.startsWith(prefix)) names.push(name);
      }
    };
    visit(prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '');
    return names.sort();
  }

  /**
   * The lease is a file per write, `lease/<sequence>`, the highest the
   * current one: a write creates the next number exclusively (link()), so
   * of two writers from the same version one gets EEXIST; that holds on a
   * directory two hosts share over NFS too.
   */
  readonly leaseWrites = 'atomic' as const;

  private get leaseDir(): string {
    return path.join(this.root, 'lease');
  }

  private leaseSequences(): number[] {
    try {
      return fs
        .readdirSync(this.leaseDir)
        .filter((f) => /^\d{16}$/.test(f))
        .map(Number)
        .sort((a, b) => a - b);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async readLease(): Promise<LeaseObject | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const seq = this.leaseSequences().pop();
      if (seq === undefined) return undefined;
      const file = path.join(this.leaseDir, leaseFileName(seq));
      try {
        const data = fs.readFileSync(file);
        // The file's mtime is this host's clock (or the file server's): see OPERATIONS.md on clocks.
        return { data, tag: String(seq), ageMs: Math.max(0, Date.now() - fs.statSync(file).mtimeMs) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // replaced meanwhile: read the newer one
      }
    }
    throw new StoreError('STORE_IO', `the lease in ${this.leaseDir} keeps changing while it is read; is another server using this directory?`);
  }

  async writeLease(data: Buffer, expected: string | undefined): Promise<string | undefined> {
    const seqs = this.leaseSequences();
    const current = seqs[seqs.length - 1];
    if (String(current) !== String(expected)) return undefined; // written by someone else since it was read
    const next = (current ?? 0) + 1;
    mkdirDurably(this.leaseDir);
    try {
      createFileDurably(path.join(this.leaseDir, leaseFileName(next)), data, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw err;
    }
    for (const old of seqs) unlinkIfPresent(path.join(this.leaseDir, leaseFileName(old)));
    return String(next);
  }

  async close(): Promise<void> {
    this.closeReaders();
  }

  /** Moves a pack's file into another directory backend, durably (both directories fsynced). */
  movePack(name: string, to: LocalDirectoryBackend): void {
    this.forget(name);
    const from = this.packPath(name);
    const dest = to.packPath(name);
    mkdirDurably(path.dirname(dest));
    fs.renameSync(from, dest);
    fsyncDir(path.dirname(dest));
    fsyncDir(path.dirname(from));
  }

  /** Closes cached read handles. */
  closeReaders(): void {
    for (const fd of this.readFds.values()) fs.closeSync(fd);
    this.readFds.clear();
  }
}

function leaseFileName(seq: number): string {
  return String(seq).padStart(16, '0');
}

/** Removes a file; whether it was there (a missing one is not an error: deletes may repeat after a crash). */
function unlinkIfPresent(file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

class LocalPackAppender implements PackAppender {
  private closed = false;
  constructor(
    private readonly fd: number,
    private readonly file: string,
  ) {}

  append(data: Buffer): void {
    let done = 0;
    while (done < data.length) done += fs.writeSync(this.fd, data, done, data.length - done);
  }

  appendAll(parts: Buffer[]): void {
    // writev in batches (IOV_MAX is 1024); a short write finishes piece by piece.
    for (let i = 0; i < parts.length; i += 1024) {
      const batch = parts.slice(i, i + 1024);
      const total = batch.reduce((n, b) => n + b.length, 0);
      const written = fs.writevSync(this.fd, batch);
      if (written === total) continue;
      let skip = written;
      for (const b of batch) {
        if (skip >= b.length) {
          skip -= b.length;
          continue;
        }
        this.append(b.subarray(skip));
        skip = 0;
      }
    }
  }

  sync(): void {
    fs.fsyncSync(this.fd);
  }

  syncInBackground(): Promise<void> {
    return new Promise((resolve, reject) => fs.fsync(this.fd, (err) => (err ? reject(err) : resolve())));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }

  toString(): string {
    return this.file;
  }
}
