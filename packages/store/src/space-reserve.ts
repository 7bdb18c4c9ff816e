import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir } from '@cpsbackup/durable';

/** The most a reserve holds; on small filesystems, 1/16 of their size. */
const RESERVE_BYTES = 16 * 1024 * 1024;

/**
 * A file of zeros the store keeps beside the catalog and gives up when the
 * disk fills. Two of them: `reserve`, given up by the running server when
 * a write fails for lack of space (the catalog must still record that a
 * backup failed, seal packs and let GC delete what it reclaims: all of
 * which need SQLite to write a little), and `reserve-open`, given up only
 * by a start on a full disk (SQLite's -wal and -shm, recovery, and the
 * deletes and GC that free space then). So a server whose running reserve
 * a failed backup spent still starts. Each is taken back once there is room
 * again.
 */
export class SpaceReserve {
  readonly file: string;

  constructor(dir: string, name: 'reserve' | 'reserve-open' = 'reserve') {
    this.file = path.join(dir, name);
  }

  /** Whether the reserve is in place. */
  get held(): boolean {
    return fs.existsSync(this.file);
  }

  /** The reserve's size on this filesystem. */
  size(): number {
    try {
      const s = fs.statfsSync(path.dirname(this.file));
      return Math.min(RESERVE_BYTES, Math.floor((s.blocks * s.bsize) / 16));
    } catch {
      return RESERVE_BYTES;
    }
  }

  /** Free bytes on the filesystem (Infinity when unknown). */
  freeBytes(): number {
    try {
      const s = fs.statfsSync(path.dirname(this.file));
      return s.bavail * s.bsize;
    } catch {
      return Infinity;
    }
  }

  /**
   * Puts the reserve in place if it is not, and there is room for it with
   * `spare` times its size free in all (2 by default: taking it never fills
   * the disk). Best effort: returns whether it is held.
   */
  ensure(spare = 2): boolean {
    if (this.held) return true;
    const size = this.size();
    if (this.freeBytes() < spare * size) return false;
    const tmp = `${this.file}.tmp`;
    try {
      const fd = fs.openSync(tmp, 'w', 0o600);
      try {
        const zeros = Buffer.alloc(1024 * 1024);
        for (let done = 0; done < size; done += zeros.length) fs.writeSync(fd, zeros, 0, Math.min(zeros.length, size - done));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, this.file);
      fsyncDir(path.dirname(this.file));
      return true;
    } catch {
      fs.rmSync(tmp, { force: true });
      return false;
    }
  }

  /** Gives the reserve up (the disk is full); returns whether there was one. */
  release(): boolean {
    try {
      fs.unlinkSync(this.file);
      return true;
    } catch {
      return false;
    }
  }
}

/** Whether an error says the disk (or the catalog's room on it) is full. */
export function isOutOfSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}
