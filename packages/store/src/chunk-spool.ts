import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatChunkId } from '@cpsbackup/format';

/** The most a spool keeps (file lists are a small share of what a store holds). */
const SPOOL_MAX_BYTES = 4 * 1024 * 1024 * 1024;

/**
 * File lists (manifest and listing chunks) kept on local disk while a pass
 * over the packs that met them is followed by a walk of the backups' trees
 * (verify, rebuild-catalog): the walk reads them here, in any order, rather
 * than as one request each from an object store. An unlinked temporary
 * file in the store directory: nothing is left behind by a crash. It keeps
 * at most a quarter of the disk's free room at its start (and never more
 * than SPOOL_MAX_BYTES), so backups running beside it keep their room;
 * past that, or on a write error, what is not kept is read from the packs.
 */
export class ChunkSpool {
  private fd: number | undefined;
  private size = 0;
  private readonly limit: number;
  private readonly at = new Map<string, { offset: number; length: number }>();

  constructor(dir: string) {
    let free = 0;
    try {
      const st = fs.statfsSync(dir);
      free = st.bavail * st.bsize;
    } catch {
      // unknown: nothing kept
    }
    this.limit = Math.min(SPOOL_MAX_BYTES, Math.floor(free / 4));
    const file = path.join(dir, `.spool-${randomBytes(6).toString('hex')}`);
    try {
      this.fd = fs.openSync(file, 'wx+', 0o600);
      fs.unlinkSync(file);
    } catch {
      this.fd = undefined; // no room, or no right: the walk reads from the packs
    }
  }

  /** Keeps a chunk's plaintext (already checked against its id). */
  add(id: Buffer, plain: Buffer): void {
    if (this.fd === undefined) return;
    const hex = formatChunkId(id);
    if (this.at.has(hex) || this.size + plain.length > this.limit) return;
    try {
      let done = 0;
      while (done < plain.length) done += fs.writeSync(this.fd, plain, done, plain.length - done, this.size + done);
    } catch {
      this.close(); // a full disk: what is kept so far is given up too (simplest; the walk reads the packs)
      return;
    }
    this.at.set(hex, { offset: this.size, length: plain.length });
    this.size += plain.length;
  }

  /** A kept chunk's plaintext, or undefined. */
  get(id: Buffer): Buffer | undefined {
    const where = this.fd === undefined ? undefined : this.at.get(formatChunkId(id));
    if (!where) return undefined;
    const buf = Buffer.allocUnsafe(where.length);
    let done = 0;
    while (done < where.length) {
      const n = fs.readSync(this.fd!, buf, done, where.length - done, where.offset + done);
      if (n === 0) return undefined;
      done += n;
    }
    return buf;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    this.at.clear();
  }
}
