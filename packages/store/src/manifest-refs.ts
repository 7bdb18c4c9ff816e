import { type BackupInfo, type Catalog } from './catalog';
import { type ChunkReader } from './chunk-reader';
import {
  CHUNK_ID_BYTES,
  Codec,
  formatChunkId,
  isFormatError,
  ManifestDecoder,
  ManifestFormat,
  sealedTreeChunkIds,
  splitSealedManifest,
  treeChunkIds,
} from '@cpsbackup/format';
import { StoreError } from './errors';
import { ChunkKind } from './pack-format';

/** What reading the chunks a backup needs takes: its manifest's ids and the chunks' kinds from the catalog, and the chunks read and checked. */
export interface ManifestSource {
  readonly catalog: Pick<Catalog, 'manifestIds' | 'chunk'>;
  readonly chunks: Pick<ChunkReader, 'readChunk'>;
}

/**
 * Every chunk a committed backup needs, read from its manifest itself: the
 * source of truth. A flat manifest names its own chunks and its entries';
 * a tree, its listings and what they name (`seenListings`, shared across
 * backups, makes a directory common to many of them cost one read).
 */
export async function* manifestReferences(src: ManifestSource, backup: BackupInfo, seenListings?: Set<string>): AsyncGenerator<Buffer> {
  const ids = src.catalog.manifestIds(backup.id);
  // A listing is marked seen before it is read: one that cannot be read or decoded (the last one read when
  // the walk fails) is unmarked, so that every other backup naming it fails on it too instead of passing for whole.
  let last: Buffer | undefined;
  const read = (id: Buffer) => {
    last = id;
    return src.chunks.readChunk(id);
  };
  try {
    if (backup.manifestFormat === ManifestFormat.Tree) {
      yield* treeChunkIds(ids, read, seenListings);
      return;
    }
    if (backup.manifestFormat === ManifestFormat.Sealed) {
      // An encrypted tree: its records carry what each listing names (format's sealed.ts).
      yield* sealedTreeChunkIds(splitSealedManifest(ids).roots, read, seenListings);
      return;
    }
  } catch (err) {
    if (!last) throw err;
    const hex = formatChunkId(last);
    seenListings?.delete(hex);
    // A listing that does not decode: said with its id (a decoder's own message names no chunk).
    if (isFormatError(err)) throw new StoreError('CHUNK_CORRUPT', `listing chunk ${hex} cannot be read (${err.message})`, { chunk: hex });
    throw err;
  }
  const decoder = new ManifestDecoder();
  for (const id of ids) {
    yield id;
    for (const entry of decoder.push(await src.chunks.readChunk(id))) yield* entry.chunks;
  }
  decoder.end();
}

/** A committed backup whose manifest could not be read: nothing it may need can be called dead. */
interface UnreadableManifest {
  backup: BackupInfo;
  reason: string;
}

/** What the available backups' manifests name. */
export interface ManifestLiveness {
  /** Hex ids named by flat manifests (whose references the catalog's table also holds: GC counts what it lacks). */
  flat: Set<string>;
  /** Hex ids named by trees (no table holds those: the trees are the index). */
  tree: Set<string>;
  /** Listing chunks walked (hex), so that further walks skip them. */
  seenListings: Set<string>;
  unreadable: UnreadableManifest[];
}

/** The hex ids of every chunk the available ones of `backups` name, and the backups whose manifests could not be read. */
export async function liveFromManifests(src: ManifestSource, backups: readonly BackupInfo[]): Promise<ManifestLiveness> {
  const live: ManifestLiveness = { flat: new Set(), tree: new Set(), seenListings: new Set(), unreadable: [] };
  for (const backup of backups) {
    if (backup.status !== 'available') continue;
    const into = backup.manifestFormat === ManifestFormat.Flat ? live.flat : live.tree;
    try {
      for await (const id of manifestReferences(src, backup, live.seenListings)) into.add(formatChunkId(id));
    } catch (err) {
      live.unreadable.push({ backup, reason: (err as Error).message });
    }
  }
  return live;
}

/**
 * What the listing chunks among `ids` name, below them: a backup still
 * being written references the listings of unchanged directories as
 * wholes (its agent asked for them, not for every file below them), so
 * what they name lives as long as they do. A chunk that does not decode as
 * a listing (a data chunk, a piece of a flat manifest) names nothing.
 */
export async function belowListings(src: ManifestSource, ids: Iterable<Buffer>, seenListings: Set<string>, into: Set<string>): Promise<void> {
  for (const id of ids) {
    if (id.length !== CHUNK_ID_BYTES || seenListings.has(formatChunkId(id))) continue;
    const chunk = src.catalog.chunk(id);
    if (chunk?.kind !== ChunkKind.Manifest) continue;
    try {
      const walk = chunk.codec === Codec.Sealed ? sealedTreeChunkIds : treeChunkIds;
      for await (const below of walk([id], (c) => src.chunks.readChunk(c), seenListings)) into.add(formatChunkId(below));
    } catch (err) {
      // Not a listing after all (it names nothing); an unreadable chunk stops GC, as for committed backups.
      if (!isFormatError(err)) throw err;
    }
  }
}
