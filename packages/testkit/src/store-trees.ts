/** Backups made and read through the store API, as the server makes them for an agent. */
import * as path from 'node:path';
import { chunkBuffer, type ChunkerParams } from '@cpsbackup/chunker';
import {
  chunkIdOf,
  compareWalkOrder,
  compressChunk,
  DEFAULT_ZSTD_LEVEL,
  encodedChunkMatches,
  EntryType,
  ManifestFormat,
  walkTreeRecords,
} from '@cpsbackup/format';
import { type BackupInfo, type BackupWriter, type Store } from '@cpsbackup/store';
import { fileEntry } from './entries';
import { SeededRandom } from './random';

/** Small chunks so tests exercise many chunks with little data. */
export const TEST_CHUNKER: ChunkerParams = { minSize: 2048, avgSize: 8192, maxSize: 32768 };

/**
 * Stores a chunk of plaintext as the server's backup handler stores one an
 * agent sent: compressed as an agent compresses it, then handed to
 * BackupWriter.queueEncodedChunk with the check (decode, hash again) done
 * in place. Resolves, once stored, to the bytes it added to the writer's
 * dedup group (0: the group had it); rejects as the handler's call would.
 */
export function putChunk(w: BackupWriter, id: Buffer, plaintext: Buffer, zstdLevel = DEFAULT_ZSTD_LEVEL): Promise<number> {
  const { codec, payload } = compressChunk(plaintext, zstdLevel);
  return putEncodedChunk(w, id, codec, payload, plaintext.length);
}

/** Stores a chunk that arrives encoded, as the server's backup handler does (see putChunk). */
export async function putEncodedChunk(w: BackupWriter, id: Buffer, codec: number, payload: Buffer, rawLength: number): Promise<number> {
  const before = w.progress.newStoredBytes;
  await w.queueEncodedChunk(id, codec, payload, rawLength, encodedChunkMatches);
  await w.settle();
  return w.progress.newStoredBytes - before;
}

/** Backs up an in-memory tree through the store API, as the server does for an agent (files in walk order, whatever the map's). */
export async function backupTree(store: Store, client: string, files: ReadonlyMap<string, Buffer>, parentId?: number): Promise<BackupInfo> {
  const w = store.beginBackup({ client, parentId: parentId ?? null });
  for (const [p, content] of inWalkOrder(files)) await backupFile(w, p, content);
  return w.commit();
}

/**
 * The same with a directory entry before each directory's contents, as an
 * agent's walk makes them: each directory's listing is a chunk of its own,
 * stored when the walk leaves the directory (between the data that
 * follows), as the agent sends it. Files get inode numbers and times of
 * their own, so listings weigh what real ones do. Directories read back
 * (readTree) as empty entries. `beforeCommit` runs once every file is in.
 */
export async function backupDirectoryTree(
  store: Store,
  client: string,
  files: ReadonlyMap<string, Buffer>,
  parentId?: number,
  beforeCommit?: () => Promise<void>,
): Promise<BackupInfo> {
  const w = store.beginBackup({ client, parentId: parentId ?? null });
  const made = new Set<string>();
  let inode = 1000n;
  for (const [p, content] of inWalkOrder(files)) {
    const dirs: string[] = [];
    for (let d = path.posix.dirname(p); d !== '/' && !made.has(d); d = path.posix.dirname(d)) dirs.unshift(d);
    for (const d of dirs) {
      made.add(d);
      w.addEntry({ ...fileEntry(d, [], 0), type: EntryType.Directory, mode: 0o755, inode: inode++ });
    }
    const pieces = chunkBuffer(content, TEST_CHUNKER);
    const ids = pieces.map((c) => chunkIdOf(c));
    const lacking = new Set(w.missing(ids).map((id) => id.toString('hex')));
    for (const [i, piece] of pieces.entries()) {
      if (lacking.delete(ids[i]!.toString('hex'))) await putChunk(w, ids[i]!, Buffer.from(piece));
    }
    const n = inode++;
    w.addEntry({ ...fileEntry(p, ids, content.length), inode: n, mtimeNs: 1_700_000_000_000_000_000n + n * 7_919_000_013n });
  }
  await beforeCommit?.();
  return w.commit();
}

/** A tree's files in walk order: the order a manifest holds them in. */
function inWalkOrder(files: ReadonlyMap<string, Buffer>): Array<[string, Buffer]> {
  return [...files].sort(([a], [b]) => compareWalkOrder(Buffer.from(a), Buffer.from(b)));
}

/**
 * The same, giving the event loop a turn after each file, as the server
 * does between messages: background flush rounds complete in between.
 */
export async function backupTreeYielding(store: Store, client: string, files: ReadonlyMap<string, Buffer>): Promise<BackupInfo> {
  const w = store.beginBackup({ client, parentId: null });
  for (const [p, content] of inWalkOrder(files)) {
    await backupFile(w, p, content);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return w.commit();
}

async function backupFile(w: BackupWriter, p: string, content: Buffer): Promise<void> {
  const pieces = chunkBuffer(content, TEST_CHUNKER);
  const ids = pieces.map((c) => chunkIdOf(c));
  const lacking = new Set(w.missing(ids).map((id) => id.toString('hex')));
  for (const [i, piece] of pieces.entries()) {
    if (lacking.delete(ids[i]!.toString('hex'))) await putChunk(w, ids[i]!, Buffer.from(piece));
  }
  w.addEntry(fileEntry(p, ids, content.length));
}

/**
 * `dirs` directories of `files` files each under /srv (a listing chunk per
 * directory, as backupDirectoryTree stores them); the directories in
 * `changed` with new content, the others the same for the same seed.
 */
export function directoryTree(seed: string, dirs: number, files: number, changed: ReadonlySet<number> = new Set()): Map<string, Buffer> {
  const t = new Map<string, Buffer>();
  for (let d = 0; d < dirs; d++) {
    const rnd = new SeededRandom(`${seed}/${d}/${changed.has(d) ? 'changed' : ''}`);
    for (let f = 0; f < files; f++) t.set(`/srv/dir${String(d).padStart(2, '0')}/file${f}`, rnd.bytes(2_000 + ((d * files + f) % 7) * 1_500));
  }
  return t;
}

/** The paths of `got` (sorted) but the directories above `want`'s files: what must equal `want`'s paths after backupDirectoryTree. */
export function pathsBesideDirectories(got: ReadonlyMap<string, Buffer>, want: ReadonlyMap<string, Buffer>): string[] {
  const dirs = new Set(
    [...want.keys()].flatMap((p) =>
      p
        .split('/')
        .slice(1, -1)
        .map((_, i, parts) => '/' + parts.slice(0, i + 1).join('/')),
    ),
  );
  return [...got.keys()].filter((p) => !dirs.has(p)).sort();
}

/** Reads a backup back into a map of path → content. */
export async function readTree(store: Store, backupId: number): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for await (const e of store.walkManifest(backupId)) {
    const pieces: Buffer[] = [];
    for (const id of e.chunks) pieces.push(await store.readChunk(id));
    out.set(e.path.toString(), Buffer.concat(pieces));
  }
  return out;
}

/**
 * A plain backup's file list as one flat manifest stream, as a node spools
 * its parent's (agent TreeReads.records): a tree walked by format's
 * walkTreeRecords over the store's checked chunks, a flat manifest as stored.
 */
export async function* readManifestStream(store: Store, backupId: number): AsyncGenerator<Buffer> {
  const ids = store.manifestIds(backupId);
  const read = (id: Buffer) => store.readChunk(id);
  if (store.getBackup(backupId).manifestFormat === ManifestFormat.Tree) yield* walkTreeRecords(ids, read);
  else for (const id of ids) yield await read(id);
}

export { crashTree } from './crash-tree';

/** The crash test's child process (crash-writer.ts), compiled: `node CRASH_WRITER_SCRIPT <store dir> <seed>`. */
export const CRASH_WRITER_SCRIPT = path.resolve(__dirname, '..', 'dist', 'crash-writer.js');
