import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chunkBuffer, ChunkerParams } from '@cpsbackup/chunker';
import { chunkIdOf } from '../chunk-id';
import { EntryType, FileEntry } from '../entry';
import { Store } from '../store';
import { BackupInfo } from '../catalog';
import { BackupWriter } from '../backup-writer';

/** Small chunks so tests exercise many chunks with little data. */
export const TEST_CHUNKER: ChunkerParams = { minSize: 2048, avgSize: 8192, maxSize: 32768 };

/** A fresh temporary directory, removed by the caller (or left for inspection). */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cpsbackup-${prefix}-`));
}

/** A file entry with plausible metadata around `content`'s chunk ids. */
export function fileEntry(p: string, chunks: Buffer[], size: number): FileEntry {
  return {
    path: Buffer.from(p),
    type: EntryType.File,
    mode: 0o644,
    uid: 1000,
    gid: 1000,
    user: 'alice',
    group: 'staff',
    size,
    mtimeNs: 1_700_000_000_123_456_789n,
    ctimeNs: 1_700_000_000_987_654_321n,
    inode: 42n,
    dev: 2049n,
    rdev: 0n,
    linkTarget: Buffer.alloc(0),
    hardlinkGroup: 0,
    chunks,
  };
}

/** Backs up an in-memory tree through the store API, as the server does for an agent. */
export function backupTree(store: Store, client: string, files: ReadonlyMap<string, Buffer>, parentId?: number): BackupInfo {
  const w = store.beginBackup({ client, parentId: parentId ?? null });
  for (const [p, content] of files) backupFile(w, p, content);
  return w.commit();
}

/**
 * The same, giving the event loop a turn after each file, as the server
 * does between messages: background flush rounds complete in between.
 */
export async function backupTreeYielding(store: Store, client: string, files: ReadonlyMap<string, Buffer>): Promise<BackupInfo> {
  const w = store.beginBackup({ client, parentId: null });
  for (const [p, content] of files) {
    backupFile(w, p, content);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return w.commit();
}

function backupFile(w: BackupWriter, p: string, content: Buffer): void {
  const pieces = chunkBuffer(content, TEST_CHUNKER);
  const ids = pieces.map((c) => chunkIdOf(c));
  const lacking = new Set(w.missing(ids).map((id) => id.toString('hex')));
  pieces.forEach((piece, i) => {
    if (lacking.delete(ids[i]!.toString('hex'))) w.putChunk(ids[i]!, Buffer.from(piece));
  });
  w.addEntry(fileEntry(p, ids, content.length));
}

/** Reads a backup back into a map of path → content. */
export function readTree(store: Store, backupId: number): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const e of store.readManifest(backupId)) out.set(e.path.toString(), Buffer.concat([...store.readContent(e)]));
  return out;
}
