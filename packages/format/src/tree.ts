import { chunkIdOf } from './chunk-id';
import { type FileEntry, EntryType } from './entry';
import { FormatError } from './errors';
import { decodeEntry, decodeEntryRecords, encodeEntry, MANIFEST_MAGIC, recordHeadAt } from './manifest-codec';
import { VarintWriter } from './varint';

/**
 * A backup's manifest as a tree of directory listings (manifest format 2).
 *
 * A directory's listing is the entry records of its direct children, in
 * walk order, cut into chunks at record boundaries; a directory's own entry
 * carries its listing's chunk ids in `chunks`. The backup names the root
 * listing: the include roots' entries. Listings are content-addressed
 * chunks like any other, so a directory whose entries did not change has
 * the same ids as last time, and costs nothing to send or store again.
 *
 * Cuts fall after a record whose path hashes to a cut point (once the
 * chunk holds LISTING_CUT.minBytes), or before a record that would take it
 * past LISTING_CUT.maxBytes: they depend on the paths, not on metadata, so
 * a changed mtime or an added file changes only the chunk that holds it.
 */
export const LISTING_CUT = {
  /** A chunk holds at least this much before a cut point may end it. */
  minBytes: 16 * 1024,
  /** ...and a record that would take it past this starts the next one. */
  maxBytes: 256 * 1024,
  /** One record in this many is a cut point (with ~120-byte records: ~60 KiB chunks). */
  cutEvery: 512,
} as const;

/** Manifest formats a backup may have: 1 a flat stream of records (MANIFEST_MAGIC first), 2 a tree of listings, 3 a tree of encrypted listings (sealed.ts). */
export const ManifestFormat = { Flat: 1, Tree: 2, Sealed: 3 } as const;
/** One of the ManifestFormat values. */
export type ManifestFormat = (typeof ManifestFormat)[keyof typeof ManifestFormat];

/** FNV-1a of a path: where a listing may be cut. */
function pathHash(path: Buffer): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path[i]!, 0x01000193);
  return h >>> 0;
}

/** Builds one directory's listing chunk by chunk, as its children's entries come (in walk order). */
export class ListingBuilder {
  private parts: Buffer[] = [];
  private size = 0;
  private readonly done: Buffer[] = [];
  private readonly writer = new VarintWriter(4096);

  /** Adds a child's entry; returns the chunks completed so far (and forgets them). */
  add(e: FileEntry): Buffer[] {
    const record = encodeEntry(e, this.writer.reset());
    if (this.size > 0 && this.size + record.length > LISTING_CUT.maxBytes) this.cut();
    this.parts.push(Buffer.from(record));
    this.size += record.length;
    if (this.size >= LISTING_CUT.minBytes && pathHash(e.path) % LISTING_CUT.cutEvery === 0) this.cut();
    return this.done.splice(0);
  }

  /** The listing's last chunks (none for an empty directory). */
  finish(): Buffer[] {
    if (this.size > 0) this.cut();
    return this.done.splice(0);
  }

  private cut(): void {
    this.done.push(Buffer.concat(this.parts, this.size));
    this.parts = [];
    this.size = 0;
  }
}

/** The byte order of walk order: '/' below every other byte (see the agent's walker). */
export function compareWalkOrder(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (x === 0x2f) return -1;
    if (y === 0x2f) return 1;
    return x - y;
  }
  return a.length - b.length;
}

/** Whether `path` is a direct child of `dir` ("/a/b" of "/a"; anything absolute of "/"). */
function isDirectChild(path: Buffer, dir: Buffer): boolean {
  const base = dir.length === 1 && dir[0] === 0x2f ? 0 : dir.length;
  if (path.length <= base + 1 || path[base] !== 0x2f) return false;
  if (base > 0 && path.compare(dir, 0, dir.length, 0, base) !== 0) return false;
  return path.indexOf(0x2f, base + 1) < 0;
}

/**
 * Checks one listing chunk's entries, in order: strictly increasing in walk
 * order (after `after`, the last path of the chunk before it in the same
 * listing), each a direct child of `dir` (or, in the root listing, `dir`
 * null, absolute and never below another root). What a server accepts from
 * a peer is checked this way, so walking a tree can never visit a path
 * twice: its cost is the size of the tree, whatever a peer sends. Returns
 * the chunk's last path.
 */
export function checkListing(entries: readonly FileEntry[], dir: Buffer | null, after: Buffer | null): Buffer | null {
  let last = after;
  for (const e of entries) {
    checkPlace(e.path, dir, last);
    checkChunksAllowed(e);
    last = e.path;
  }
  return last;
}

/** checkListing for one path: a child of `dir` (an absolute path in the root listing), after `last`, never below another root. */
function checkPlace(path: Buffer, dir: Buffer | null, last: Buffer | null): void {
  if (dir === null ? path[0] !== 0x2f : !isDirectChild(path, dir)) {
    throw new FormatError(
      'MANIFEST_CORRUPT',
      `listing of ${dir === null ? 'the root' : JSON.stringify(dir.toString())} holds ${JSON.stringify(path.toString())}, which is not ${dir === null ? 'an absolute path' : 'a child of it'}`,
    );
  }
  if (last !== null && compareWalkOrder(last, path) >= 0) {
    throw new FormatError('MANIFEST_CORRUPT', `listing entries out of order: ${JSON.stringify(path.toString())} after ${JSON.stringify(last.toString())}`);
  }
  if (dir === null && last !== null && path.length > last.length && path[last.length] === 0x2f && path.subarray(0, last.length).equals(last)) {
    throw new FormatError('MANIFEST_CORRUPT', `root listing holds ${JSON.stringify(path.toString())} below another root`);
  }
}

/** Only directories, files, FIFOs and block devices (their content read: protocol 11 and later) name chunks. */
function checkChunksAllowed(e: FileEntry): void {
  if (e.chunks.length > 0 && e.type !== EntryType.Directory && e.type !== EntryType.File && e.type !== EntryType.Fifo && e.type !== EntryType.BlockDevice) {
    throw new FormatError('MANIFEST_CORRUPT', `entry ${JSON.stringify(e.path.toString())} of type ${e.type} names chunks`);
  }
}

/** A listing chunk's entries (whole records only). */
export function decodeListingChunk(chunk: Buffer): FileEntry[] {
  return decodeEntryRecords(chunk);
}

/** Reads a chunk's plaintext by id (from a store whose backend may be remote). */
export type ChunkReader = (id: Buffer) => Buffer | Promise<Buffer>;

/**
 * The entries of a tree manifest in walk order, depth first: each
 * directory's own entry (its `chunks` cleared: they are its listing, not
 * content), then everything below it. `read` returns a listing chunk's
 * bytes. Every listing is checked (checkListing) as it is read, so a
 * malformed tree stops the walk with a FormatError; the walk keeps its own
 * stack, so no depth a peer can build overflows the process's. With
 * `descend`, a directory's listing is read only if it returns true for
 * the directory's path (its entry is yielded all the same).
 */
export async function* walkTree(rootIds: readonly Buffer[], read: ChunkReader, descend?: (dir: Buffer) => boolean): AsyncGenerator<FileEntry> {
  interface Frame {
    ids: readonly Buffer[];
    next: number;
    dir: Buffer | null;
    last: Buffer | null;
    entries: FileEntry[];
    pos: number;
  }
  const stack: Frame[] = [{ ids: rootIds, next: 0, dir: null, last: null, entries: [], pos: 0 }];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.pos >= f.entries.length) {
      if (f.next >= f.ids.length) {
        stack.pop();
        continue;
      }
      f.entries = decodeListingChunk(await read(f.ids[f.next++]!));
      f.pos = 0;
      f.last = checkListing(f.entries, f.dir, f.last);
      continue;
    }
    const e = f.entries[f.pos++]!;
    if (e.type === EntryType.Directory) {
      yield { ...e, chunks: [] };
      if (e.chunks.length > 0 && (!descend || descend(e.path))) stack.push({ ids: e.chunks, next: 0, dir: e.path, last: null, entries: [], pos: 0 });
    } else {
      yield e;
    }
  }
}

/** Bytes of the pieces walkTreeRecords yields (a record longer than this is a piece of its own). */
const RECORD_PIECE_BYTES = 256 * 1024;

/**
 * What encodeManifestStream makes of walkTree's entries, byte for byte,
 * without making an entry of every record: the flat manifest an agent
 * spools to find its unchanged files. A file's record is checked by its
 * head (place and order, as walkTree checks them) and copied as stored;
 * only the other records are decoded (a directory's to descend and to
 * clear its chunks). Decoding every entry and encoding it again was most
 * of the server's work before an unchanged re-backup could start.
 */
export async function* walkTreeRecords(rootIds: readonly Buffer[], read: ChunkReader): AsyncGenerator<Buffer> {
  interface Frame {
    ids: readonly Buffer[];
    next: number;
    dir: Buffer | null;
    last: Buffer | null;
    chunk: Buffer;
    pos: number;
  }
  let piece = Buffer.allocUnsafe(RECORD_PIECE_BYTES);
  let used = MANIFEST_MAGIC.copy(piece);
  const stack: Frame[] = [{ ids: rootIds, next: 0, dir: null, last: null, chunk: Buffer.alloc(0), pos: 0 }];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.pos >= f.chunk.length) {
      if (f.next >= f.ids.length) {
        stack.pop();
        continue;
      }
      f.chunk = await read(f.ids[f.next++]!);
      f.pos = 0;
      continue;
    }
    const head = recordHeadAt(f.chunk, f.pos);
    f.pos = head.end;
    checkPlace(head.path, f.dir, f.last);
    let record = f.chunk.subarray(head.start, head.end);
    if (head.type !== EntryType.File) {
      const e = decodeEntry(f.chunk.subarray(head.bodyStart, head.end));
      checkChunksAllowed(e);
      if (e.type === EntryType.Directory) {
        record = encodeEntry({ ...e, chunks: [] });
        if (e.chunks.length > 0) stack.push({ ids: e.chunks, next: 0, dir: e.path, last: null, chunk: Buffer.alloc(0), pos: 0 });
      }
    }
    f.last = head.path; // a view: a chunk's buffer is never reused by its reader (store reads allocate)
    if (used + record.length > piece.length) {
      yield piece.subarray(0, used);
      piece = Buffer.allocUnsafe(Math.max(RECORD_PIECE_BYTES, record.length));
      used = 0;
    }
    used += record.copy(piece, used);
  }
  yield piece.subarray(0, used);
}

/**
 * Every chunk id a tree names, for liveness and usage: its listing chunks
 * and the chunks their entries name. A listing is read once: `seen`
 * (hex ids of listings walked so far) may be shared across trees, so a
 * directory common to many backups costs one read however many name it.
 * Data ids may come more than once. Listings are not checked here
 * (walkTree does): a malformed tree yields what it names.
 */
export function treeChunkIds(rootIds: readonly Buffer[], read: ChunkReader, seen: Set<string> = new Set()): AsyncGenerator<Buffer> {
  return listingTreeIds(rootIds, read, listingRefs, seen);
}

/** What one listing chunk names: the listings of the directories it holds, and data chunks. */
export interface ListingRefs {
  listings: readonly Buffer[];
  data: readonly Buffer[];
}

/** What a plain listing chunk names (its entries' chunk ids, directories' listings apart). */
export function listingRefs(chunk: Buffer): ListingRefs {
  const listings: Buffer[] = [];
  const data: Buffer[] = [];
  for (const e of decodeListingChunk(chunk)) (e.type === EntryType.Directory ? listings : data).push(...e.chunks);
  return { listings, data };
}

/**
 * Every chunk id a tree of listings names, each listing read once (`seen`,
 * shared across trees) and `refsOf` telling what it names: a listing, what
 * it names directly, then the listings below it, depth first.
 */
export async function* listingTreeIds(
  rootIds: readonly Buffer[],
  read: ChunkReader,
  refsOf: (chunk: Buffer) => ListingRefs,
  seen: Set<string>,
): AsyncGenerator<Buffer> {
  const stack: Buffer[] = [...rootIds].reverse();
  while (stack.length > 0) {
    const id = stack.pop()!;
    const hex = id.toString('hex');
    if (seen.has(hex)) continue;
    seen.add(hex);
    yield id;
    const refs = refsOf(await read(id));
    for (let i = refs.listings.length - 1; i >= 0; i--) stack.push(refs.listings[i]!);
    yield* refs.data;
  }
}

/** A listing chunk the builder completed: to be stored (the agent uploads it) before anything that names it. */
export interface ListingChunk {
  id: Buffer;
  chunk: Buffer;
}

interface OpenDirectory {
  /** The directory's own entry (null: the root listing). */
  entry: FileEntry | null;
  listing: ListingBuilder;
  ids: Buffer[];
}

/**
 * Builds a tree manifest from entries in walk order, bottom-up: a
 * directory's listing is complete once the walk leaves it, and its entry
 * (with the listing's ids) then joins its parent's listing. Each call
 * returns the listing chunks it completed, children before the listings
 * that name them. Memory holds one open listing per directory on the
 * current path, whatever the number of files.
 */
export class TreeBuilder {
  private readonly open: OpenDirectory[] = [{ entry: null, listing: new ListingBuilder(), ids: [] }];
  private out: ListingChunk[] = [];

  /** `idOf`: a chunk's id (SHA-256 of its bytes; a keyed hash when chunks are encrypted). */
  constructor(private readonly idOf: (chunk: Buffer) => Buffer = chunkIdOf) {}

  /** The next entry in walk order (a directory's own entry before its contents); returns the listing chunks it completed. */
  add(e: FileEntry): ListingChunk[] {
    while (this.open.length > 1 && !isDirectChild(e.path, this.open[this.open.length - 1]!.entry!.path)) this.close();
    if (e.type === EntryType.Directory) this.open.push({ entry: { ...e, chunks: [] }, listing: new ListingBuilder(), ids: [] });
    else this.append(this.open[this.open.length - 1]!, e);
    return this.take();
  }

  /** Closes every open directory: the last listing chunks, and the root listing's ids (what the backup names). */
  finish(): { chunks: ListingChunk[]; root: Buffer[] } {
    while (this.open.length > 1) this.close();
    const root = this.open[0]!;
    this.store(root, root.listing.finish());
    return { chunks: this.take(), root: root.ids };
  }

  private close(): void {
    const dir = this.open.pop()!;
    this.store(dir, dir.listing.finish());
    this.append(this.open[this.open.length - 1]!, { ...dir.entry!, chunks: dir.ids });
  }

  private append(into: OpenDirectory, e: FileEntry): void {
    this.store(into, into.listing.add(e));
  }

  private store(into: OpenDirectory, chunks: Buffer[]): void {
    for (const chunk of chunks) {
      const id = this.idOf(chunk);
      into.ids.push(id);
      this.out.push({ id, chunk });
    }
  }

  private take(): ListingChunk[] {
    const done = this.out;
    this.out = [];
    return done;
  }
}
