import type * as fs from 'node:fs';
import { EntryType, FileEntry } from '@cpsbackup/store/dist/shared';

/** What the agent keeps of the previous backup's files: enough to decide "unchanged" and reuse the chunk list. */
interface PreviousFile {
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  inode: bigint;
  chunks: Buffer[];
}

/** The parent backup's regular files by path. */
export class PreviousIndex {
  private readonly files = new Map<string, PreviousFile>();
  /** Sum of the previous backup's file sizes (an estimate of this one's, for progress). */
  totalBytes = 0;

  add(e: FileEntry): void {
    this.totalBytes += e.size;
    if (e.type !== EntryType.File) return;
    this.files.set(e.path.toString('latin1'), { size: e.size, mtimeNs: e.mtimeNs, ctimeNs: e.ctimeNs, inode: e.inode, chunks: e.chunks });
  }

  get size(): number {
    return this.files.size;
  }

  /**
   * The previous chunk list when the file is unchanged: same size, mtime,
   * ctime and inode (ctime catches a file restored with an old mtime).
   */
  unchangedChunks(path: Buffer, st: fs.BigIntStats): Buffer[] | undefined {
    const p = this.files.get(path.toString('latin1'));
    if (!p) return undefined;
    if (BigInt(p.size) !== st.size || p.mtimeNs !== st.mtimeNs || p.ctimeNs !== st.ctimeNs || p.inode !== st.ino) return undefined;
    return p.chunks;
  }
}
