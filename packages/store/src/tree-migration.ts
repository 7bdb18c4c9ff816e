import { formatChunkId } from '@cpsbackup/format';
import { type StorageBackend } from './backend';
import { type Catalog, type ChunkLocation } from './catalog';
import { type ChunkReader, type StoredRecord } from './chunk-reader';
import { ChunkKind, isTreePack, RECORD_HEADER_BYTES } from './pack-format';
import { type PackPublisher } from './pack-publisher';
import { PackWriter } from './pack-writer';
import { writeMakingRoom } from './recovery';
import { isOutOfSpace } from './space-reserve';
import { type StorageLease } from './storage-owner';

/** File lists GC moves out of older packs in one run, at most (their records' bytes). */
export const MAX_TREE_BYTES_PER_GC = 64 * 1024 * 1024;

/** What the collector reads with. */
export interface TreeRecordSource {
  readonly catalog: Pick<Catalog, 'chunk'>;
  readonly chunks: Pick<ChunkReader, 'readChunk' | 'readRecord' | 'checkRecord'>;
}

/**
 * Packs written before tree packs existed hold file lists among file data
 * (pack-format.ts). GC's mark reads every file list anyway: this reader
 * keeps each such record it reads from a pack that is not a tree pack (up
 * to MAX_TREE_BYTES_PER_GC), so that moveCollectedTrees puts it into a tree
 * pack without reading it again. Each GC so moves the next part, until no
 * file list is read from outside a tree pack.
 */
export class TreeRecordCollector {
  readonly found = new Map<string, { loc: ChunkLocation; record: StoredRecord }>();
  private bytes = 0;

  constructor(private readonly src: TreeRecordSource) {}

  /** Reads a chunk's plaintext, checked as ChunkReader.readChunk does, keeping a file list's record found outside a tree pack. */
  readonly readChunk = async (id: Buffer): Promise<Buffer> => {
    const loc = this.src.catalog.chunk(id);
    if (!loc || loc.kind !== ChunkKind.Manifest || isTreePack(loc.pack) || this.bytes >= MAX_TREE_BYTES_PER_GC) return this.src.chunks.readChunk(id);
    const record = await this.src.chunks.readRecord(loc);
    const plain = this.src.chunks.checkRecord(loc, record); // a damaged record is never copied
    const hex = formatChunkId(id);
    if (!this.found.has(hex)) {
      // A copy: the payload may be a slice of a much larger read window.
      this.found.set(hex, { loc, record: { header: record.header, payload: Buffer.from(record.payload) } });
      this.bytes += RECORD_HEADER_BYTES + record.payload.length;
    }
    return plain;
  };
}

/** What moving the collected records takes (GC's store has it all). */
export interface TreeMoveStore {
  readonly options: { packTargetSize: number };
  readonly catalog: Pick<Catalog, 'chunk' | 'addPack' | 'sealPack' | 'applyGc' | 'dropPacks'>;
  readonly backend: StorageBackend;
  readonly owner: Pick<StorageLease, 'assertHeld'>;
  readonly publisher: Pick<PackPublisher, 'sealed' | 'publishAll'>;
}

/**
 * Writes the collected file lists still where they were read (GC's
 * rewrites may have moved some since) into new tree packs, publishes them,
 * then repoints their chunks in one transaction. Their old copies become
 * dead bytes in their packs, which GC reclaims with the rest. A crash
 * before the transaction leaves new packs nothing points into (recovery
 * removes them); a full disk leaves everything as it was. Returns the
 * chunks moved.
 */
export async function moveCollectedTrees(
  store: TreeMoveStore,
  found: ReadonlyMap<string, { loc: ChunkLocation; record: StoredRecord }>,
  freeSpace: () => boolean,
): Promise<number> {
  const todo = [...found.values()].filter(({ loc }) => {
    const now = store.catalog.chunk(loc.id);
    return now !== undefined && now.pack === loc.pack && now.offset === loc.offset;
  });
  if (todo.length === 0) return 0;
  const newPacks: string[] = [];
  const writer = new PackWriter(store.backend, store.options.packTargetSize, {
    created: (name) => {
      store.catalog.addPack(name);
      newPacks.push(name);
    },
    sealed: (name) => {
      store.catalog.sealPack(name);
      store.publisher.sealed(name);
    },
  });
  const moved: Array<{ id: Buffer; pack: string; offset: number }> = [];
  try {
    for (const { loc, record } of todo) {
      const placed = writer.add(record.header, record.payload);
      moved.push({ id: loc.id, pack: placed.pack, offset: placed.offset });
    }
    writer.flush();
    writer.close();
    await store.publisher.publishAll(); // readers are pointed at them next: they must be where readers look
  } catch (err) {
    if (!isOutOfSpace(err)) throw err;
    writer.abandon();
    for (const p of newPacks) {
      store.owner.assertHeld(`GC removing pack ${p}`);
      await store.backend.deletePack(p);
    }
    writeMakingRoom(() => store.catalog.dropPacks(newPacks), freeSpace);
    return 0;
  }
  writeMakingRoom(() => store.catalog.applyGc(moved, [], []), freeSpace);
  return moved.length;
}
