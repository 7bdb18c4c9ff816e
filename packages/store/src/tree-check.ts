import {
  checkListing,
  compareWalkOrder,
  decodeListingChunk,
  EntryType,
  type FileEntry,
  formatChunkId,
  isFormatError,
  type SealedRecord,
} from '@cpsbackup/format';
import type { ListingInfo } from './catalog';
import { StoreError } from './errors';

/** What checking a backup's tree found. */
export interface TreeTotals {
  /** Entries in the whole tree. */
  entries: number;
  /** Bytes of its files. */
  bytes: number;
  /** Listing chunks checked now for the first time: recorded with the commit. */
  listings: ListingInfo[];
}

/** The store as the check reads it, for one dedup group. */
export interface TreeSource {
  /** What was checked of a listing chunk for this group before (its subtree is then trusted). */
  listing(id: Buffer): ListingInfo | undefined;
  /** A chunk's plaintext. */
  readChunk(id: Buffer): Promise<Buffer>;
  /** Throws unless every chunk a listing chunk names (data, or listings below) is this group's. */
  requireRefs(listingId: Buffer, entries: readonly FileEntry[]): void;
}

/** A root listing of entries with several parents is no directory's listing: its `dir` is this. */
const NO_DIR = Buffer.from([0]);
/** An encrypted listing's `dir` (the server cannot know it): no path holds a NUL, so no plain listing has it. */
const SEALED_DIR = Buffer.from([0, 0x53]);

interface NewListing {
  info: ListingInfo;
  /** Its directories' listings, whose totals it adds to its own. */
  children: Buffer[][];
  /** Its own entries' count and file bytes. */
  ownEntries: number;
  ownBytes: number;
}

/**
 * Checks a tree manifest before a backup that names it commits: every
 * listing holds its directory's children only, in strictly increasing
 * walk order within and across its chunks, so no path is reached twice
 * (a peer cannot make a walk of its tree cost more than the tree), and
 * every chunk it names is the group's. A listing checked for an earlier
 * backup of the group is trusted as it is (its
 * directory, first and last paths, and totals are in the catalog): an
 * unchanged directory costs one lookup, not a read. Returns the tree's
 * totals and the listings checked now.
 */
export async function checkTree(rootIds: readonly Buffer[], source: TreeSource): Promise<TreeTotals> {
  const fresh = new Map<string, NewListing>();
  const order: NewListing[] = [];
  // Pass 1, top down: each list of listing chunks is checked against its directory (null: the root).
  const lists: Array<{ ids: readonly Buffer[]; dir: Buffer | null }> = [{ ids: rootIds, dir: null }];
  while (lists.length > 0) {
    const { ids, dir } = lists.pop()!;
    let last: Buffer | null = null;
    for (const id of ids) {
      const hex = formatChunkId(id);
      if (fresh.has(hex)) throw corrupt(`listing chunk ${hex} is named twice in one tree`);
      const known = source.listing(id);
      if (known) {
        if (known.dir.equals(SEALED_DIR)) throw corrupt(`listing chunk ${hex} is an encrypted node's`);
        if (dir !== null && !known.dir.equals(dir))
          throw corrupt(`listing chunk ${hex} belongs to ${JSON.stringify(known.dir.toString())}, not ${JSON.stringify(dir.toString())}`);
        if (last !== null && compareWalkOrder(last, known.first) >= 0) throw corrupt(`listing chunks of ${describe(dir)} out of order`);
        last = known.last;
        continue;
      }
      let entries: FileEntry[];
      try {
        entries = decodeListingChunk(await source.readChunk(id));
        last = checkListing(entries, dir, last);
      } catch (err) {
        if (isFormatError(err)) throw corrupt(`listing chunk ${hex} of ${describe(dir)}: ${err.message}`);
        throw err;
      }
      if (entries.length === 0) throw corrupt(`listing chunk ${hex} of ${describe(dir)} is empty`);
      source.requireRefs(id, entries);
      const parent = parentOf(entries[0]!.path);
      const sameParent = entries.every((e) => parentOf(e.path).equals(parent));
      const listing: NewListing = {
        info: { id, dir: dir ?? (sameParent ? parent : NO_DIR), first: entries[0]!.path, last: last!, entries: 0, bytes: 0 },
        children: [],
        ownEntries: entries.length,
        ownBytes: 0,
      };
      for (const e of entries) {
        if (e.type === EntryType.Directory) {
          if (e.chunks.length > 0) {
            listing.children.push(e.chunks);
            lists.push({ ids: e.chunks, dir: e.path });
          }
        } else {
          listing.ownBytes += e.size; // every name of a hard link counts, as in flat manifests
        }
      }
      fresh.set(hex, listing);
      order.push(listing);
    }
  }
  // Pass 2, bottom up: a listing's totals are its own entries plus its directories' subtrees.
  const totalsOf = (ids: readonly Buffer[]): { entries: number; bytes: number } => {
    let entries = 0;
    let bytes = 0;
    for (const id of ids) {
      const t = fresh.get(formatChunkId(id))?.info ?? source.listing(id)!;
      entries += t.entries;
      bytes += t.bytes;
    }
    return { entries, bytes };
  };
  for (let i = order.length - 1; i >= 0; i--) {
    const l = order[i]!;
    let entries = l.ownEntries;
    let bytes = l.ownBytes;
    for (const child of l.children) {
      const t = totalsOf(child);
      entries += t.entries;
      bytes += t.bytes;
    }
    l.info.entries = entries;
    l.info.bytes = bytes;
  }
  return { ...totalsOf(rootIds), listings: order.map((l) => l.info) };
}

/** The store as the check of an encrypted tree reads it, for one dedup group. */
export interface SealedTreeSource {
  /** What was checked of a listing chunk for this group before (its subtree is then trusted). */
  listing(id: Buffer): ListingInfo | undefined;
  /** An encrypted listing's record; undefined if the chunk is no encrypted listing. */
  readListing(id: Buffer): Promise<SealedRecord | undefined>;
  /** Throws unless every chunk an encrypted listing names is this group's. */
  requireRefs(listingId: Buffer, refs: readonly Buffer[]): void;
}

/**
 * checkTree for an encrypted node's tree (stored ids): without the key the
 * server checks the shape it can see. Every listing is an encrypted
 * listing, reached once (so walking the tree for GC costs its size), and
 * names only chunks the group has; one checked for an earlier backup of
 * the group is trusted with what lies below it. Returns the listings
 * checked now (the file totals are the agent's: see BackupWriter).
 */
export async function checkSealedTree(rootIds: readonly Buffer[], source: SealedTreeSource): Promise<{ listings: ListingInfo[] }> {
  const fresh = new Set<string>();
  const listings: ListingInfo[] = [];
  const stack = [...rootIds];
  while (stack.length > 0) {
    const id = stack.pop()!;
    const hex = formatChunkId(id);
    if (fresh.has(hex)) throw corrupt(`listing chunk ${hex} is named twice in one tree`);
    const known = source.listing(id);
    if (known) {
      if (!known.dir.equals(SEALED_DIR)) throw corrupt(`listing chunk ${hex} is not an encrypted listing`);
      continue;
    }
    const record = await source.readListing(id);
    if (!record) throw corrupt(`chunk ${hex} is not an encrypted listing`);
    source.requireRefs(id, [...record.listingRefs, ...record.dataRefs]);
    fresh.add(hex);
    listings.push({ id, dir: SEALED_DIR, first: Buffer.alloc(0), last: Buffer.alloc(0), entries: 0, bytes: 0 });
    stack.push(...record.listingRefs);
  }
  return { listings };
}

function parentOf(path: Buffer): Buffer {
  const i = path.lastIndexOf(0x2f);
  return i <= 0 ? Buffer.from('/') : path.subarray(0, i);
}

function describe(dir: Buffer | null): string {
  return dir === null ? 'the root' : JSON.stringify(dir.toString());
}

function corrupt(message: string): StoreError {
  return new StoreError('MANIFEST_REFUSED', `the backup's file list is malformed: ${message}`);
}
