import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareWalkOrder, EntryType, type FileEntry, isFormatError, isUnder, ManifestDecoder } from '@cpsbackup/format';
import { AgentError } from '../errors';
import { type FileStat } from './file-reader';

/** Bytes read from the spool at a time: a few hundred entries, so they die young in V8's new space. */
const READ_BYTES = 64 * 1024;

/**
 * The parent backup's manifest, kept on disk while a backup runs and read
 * once, front to back, alongside the walk. Manifests are in walk order, so
 * finding a file's previous entry is a merge, not a lookup: the agent's
 * memory does not grow with the number of files (an in-memory index by
 * path cost ~150 B per file and most of an unchanged re-backup's heap).
 *
 * The spool is an unlinked file in `dir` (mode 0600): nothing is left
 * behind whatever happens to the agent. If it cannot be written (disk full,
 * no such directory) the backup goes on without a parent: every file is
 * read again, the server's dedup keeps the upload small, and `problem`
 * says why, for a warning.
 */
export class PreviousManifestSpool {
  private fd: number | undefined;
  private size = 0;
  private failure: string | undefined;

  constructor(private readonly dir: string) {}

  /** Appends the next piece of the manifest (TreeReads.records, from the parent's tree). */
  append(piece: Uint8Array): void {
    if (this.failure !== undefined || piece.length === 0) return;
    try {
      this.fd ??= openUnlinked(this.dir);
      let done = 0;
      while (done < piece.length) done += fs.writeSync(this.fd, piece, done, piece.length - done, this.size + done);
      this.size += piece.length;
    } catch (err) {
      this.failure = `the previous backup's file list could not be kept in ${this.dir} (${describe(err)}), so every file is read again; set spool_dir in node.conf to a directory with room`;
      this.closeFd();
    }
  }

  /** The manifest to read (empty when there was none or it could not be kept), and why it is missing if it is. */
  finish(): { previous: PreviousManifest; problem: string | undefined } {
    const fd = this.fd;
    this.fd = undefined;
    return { previous: new PreviousManifest(this.failure === undefined ? fd : undefined, this.size), problem: this.failure };
  }

  /** For a backup that fails before finish(). */
  discard(): void {
    this.closeFd();
  }

  private closeFd(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Reads the spooled manifest in walk order; see PreviousManifestSpool. */
export class PreviousManifest {
  private readonly decoder = new ManifestDecoder();
  private readonly block = Buffer.allocUnsafe(READ_BYTES);
  private entries: FileEntry[] = [];
  private next = 0;
  private readPos = 0;
  /** The merge has read the whole spool (the file stays open for entriesBelow until close). */
  private exhausted = false;

  constructor(
    private fd: number | undefined,
    private readonly size: number,
  ) {}

  /**
   * The parent's regular file at `file`'s path: its chunk list, and whether
   * the file is unchanged since: the same size, mtime, ctime and inode
   * (ctime catches a file restored with an old mtime). A changed file's
   * previous chunks are still worth knowing: the server holds them, so
   * whatever of them a new read finds again need not be asked about (after
   * a release touches every mtime, that is most of them). Calls must come
   * in walk order; entries before `file` are passed over for good.
   */
  previousFile(file: Buffer, st: FileStat): { chunks: Buffer[]; unchanged: boolean } | undefined {
    for (;;) {
      const e = this.head();
      if (!e) return undefined;
      const order = compareWalkOrder(e.path, file);
      if (order > 0) return undefined; // new since the previous backup
      if (order < 0) {
        this.next++; // gone since, or not a file asked about
        continue;
      }
      if (e.type !== EntryType.File) return undefined;
      const unchanged = BigInt(e.size) === st.size && e.mtimeNs === st.mtimeNs && e.ctimeNs === st.ctimeNs && e.inode === st.ino;
      return { chunks: e.chunks, unchanged };
    }
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * For each root, how many of the parent's entries lie strictly below it:
   * a second pass over the spool, from its start, whatever the merge has
   * read (asked only when a root came out empty, to tell an unmounted
   * filesystem from a directory that was always empty).
   */
  entriesBelow(roots: readonly Buffer[]): number[] {
    const counts = roots.map(() => 0);
    if (this.fd === undefined || roots.length === 0) return counts;
    const decoder = new ManifestDecoder();
    const block = Buffer.allocUnsafe(READ_BYTES);
    for (let pos = 0; pos < this.size;) {
      const n = fs.readSync(this.fd, block, 0, Math.min(READ_BYTES, this.size - pos), pos);
      if (n === 0) break;
      pos += n;
      for (const e of this.decode(() => decoder.push(block.subarray(0, n)))) {
        roots.forEach((root, i) => {
          if (!e.path.equals(root) && isUnder(e.path, root)) counts[i]!++;
        });
      }
    }
    return counts;
  }

  /** The first entry not yet passed over, reading more of the spool when needed; undefined at the end. */
  private head(): FileEntry | undefined {
    while (this.next >= this.entries.length) {
      if (this.fd === undefined || this.exhausted) return undefined;
      if (this.readPos >= this.size) {
        this.finishReading();
        return undefined;
      }
      const n = fs.readSync(this.fd, this.block, 0, Math.min(READ_BYTES, this.size - this.readPos), this.readPos);
      if (n === 0) throw new AgentError('IO', `the spooled previous manifest ended at byte ${this.readPos} of ${this.size}`);
      this.readPos += n;
      this.entries = this.decode(() => this.decoder.push(this.block.subarray(0, n)));
      this.next = 0;
    }
    return this.entries[this.next];
  }

  private finishReading(): void {
    this.decode(() => this.decoder.end());
    this.exhausted = true;
  }

  private decode<T>(step: () => T): T {
    try {
      return step();
    } catch (err) {
      if (isFormatError(err)) throw new AgentError('PROTOCOL', `the server sent an unreadable previous manifest: ${err.message}`);
      throw err;
    }
  }
}

/** A new file in `dir`, already unlinked: only the descriptor holds it. */
function openUnlinked(dir: string): number {
  const tmp = fs.mkdtempSync(path.join(dir, 'cpsbackup-previous-'));
  try {
    const file = path.join(tmp, 'manifest');
    const fd = fs.openSync(file, 'w+', 0o600);
    fs.unlinkSync(file);
    return fd;
  } finally {
    fs.rmdirSync(tmp);
  }
}

function describe(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}
