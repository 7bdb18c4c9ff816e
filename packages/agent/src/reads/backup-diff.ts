import { checkListing, compareWalkOrder, decodeListingChunk, EntryType, type FileEntry } from '@cpsbackup/format';

/**
 * How a path differs between two backups, restic diff's letters: added
 * (+), removed (-), content modified (M), metadata only (U: mode, owner,
 * mtime, extended attributes), type changed (T).
 */
export type DiffKind = '+' | '-' | 'M' | 'U' | 'T';

/** One path that differs: the entry in the first backup (`before`) and in the second (`after`), as present. */
export interface DiffChange {
  kind: DiffKind;
  path: Buffer;
  before?: FileEntry;
  after?: FileEntry;
}

function sameIds(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((id, i) => id.equals(b[i]!));
}

/** Whether what the entry holds differs: a file's (or read FIFO's, block device's) chunks, a link's target, a device's numbers. */
function contentDiffers(a: FileEntry, b: FileEntry): boolean {
  if (a.size !== b.size || !sameIds(a.chunks, b.chunks)) return a.type !== EntryType.Directory;
  if (a.type === EntryType.Symlink) return !a.linkTarget.equals(b.linkTarget);
  if (a.type === EntryType.CharDevice || a.type === EntryType.BlockDevice) return a.rdev !== b.rdev;
  return false;
}

/** Whether the metadata a restore sets differs (ctime and inode are the node's, not restored: left out). */
function metadataDiffers(a: FileEntry, b: FileEntry): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.user !== b.user || a.group !== b.group || a.mtimeNs !== b.mtimeNs) return true;
  if (a.xattrs.length !== b.xattrs.length) return true;
  return a.xattrs.some((x, i) => !x.name.equals(b.xattrs[i]!.name) || !x.value.equals(b.xattrs[i]!.value));
}

/** How one path present in both backups differs, or undefined when it does not. */
function changeOf(a: FileEntry, b: FileEntry): DiffKind | undefined {
  if (a.type !== b.type) return 'T';
  if (contentDiffers(a, b)) return 'M';
  return metadataDiffers(a, b) ? 'U' : undefined;
}

/** What the tree diff reads of one backup (TreeReads has it): checked listing chunks, and whole subtrees in walk order. */
export interface ListingSource {
  read(ids: readonly Buffer[], what: string): Promise<Buffer[]>;
  walk(root: readonly Buffer[]): AsyncGenerator<FileEntry>;
}

/** One listing's entries in order, each chunk checked as walkTree checks it (order, place below `dir`). */
async function* listingEntries(src: ListingSource, ids: readonly Buffer[], dir: Buffer | null): AsyncGenerator<FileEntry> {
  let last: Buffer | null = null;
  for (const id of ids) {
    const entries = decodeListingChunk((await src.read([id], 'the file list'))[0]!);
    last = checkListing(entries, dir, last);
    yield* entries;
  }
}

/** A directory's entry as a walk yields it (its listing's ids are not content). */
function own(e: FileEntry): FileEntry {
  return e.type === EntryType.Directory ? { ...e, chunks: [] } : e;
}

/** Everything below a directory that only one side has, each entry as added or removed. */
async function* subtree(src: ListingSource, e: FileEntry, kind: '+' | '-'): AsyncGenerator<DiffChange> {
  if (e.type !== EntryType.Directory || e.chunks.length === 0) return;
  for await (const x of src.walk(e.chunks)) yield kind === '+' ? { kind, path: x.path, after: x } : { kind, path: x.path, before: x };
}

/**
 * The differences between two backups made as trees (format Tree or
 * Sealed), listing by listing: a directory whose listing has the same ids
 * in both is the same subtree (listings are content-addressed, and name
 * their children's listings), so it is not read at all; the others are
 * merged name by name. Yields in walk order; memory holds a listing per
 * directory level of each side.
 */
export async function* diffTrees(
  a: ListingSource,
  rootA: readonly Buffer[],
  b: ListingSource,
  rootB: readonly Buffer[],
  dir: Buffer | null = null,
): AsyncGenerator<DiffChange> {
  if (sameIds(rootA, rootB)) return;
  const ia = listingEntries(a, rootA, dir);
  const ib = listingEntries(b, rootB, dir);
  // Both listings asked for at once: each side is its own connection.
  let [x, y] = await Promise.all([ia.next(), ib.next()]);
  while (!x.done || !y.done) {
    const order = x.done ? 1 : y.done ? -1 : compareWalkOrder(x.value.path, y.value.path);
    if (order < 0) {
      yield { kind: '-', path: x.value!.path, before: own(x.value!) };
      yield* subtree(a, x.value!, '-');
      x = await ia.next();
    } else if (order > 0) {
      yield { kind: '+', path: y.value!.path, after: own(y.value!) };
      yield* subtree(b, y.value!, '+');
      y = await ib.next();
    } else {
      const before = x.value!;
      const after = y.value!;
      const kind = changeOf(own(before), own(after));
      if (kind) yield { kind, path: before.path, before: own(before), after: own(after) };
      if (kind === 'T') {
        yield* subtree(a, before, '-');
        yield* subtree(b, after, '+');
      } else if (before.type === EntryType.Directory) yield* diffTrees(a, before.chunks, b, after.chunks, before.path);
      [x, y] = await Promise.all([ia.next(), ib.next()]);
    }
  }
}

/**
 * The differences between two backups' entries, each given in walk order
 * (TreeReads.walk): a merge of the two streams, so memory holds one entry
 * of each side whatever the size of the trees. For backups made before
 * trees (flat manifests), which diffTrees cannot take.
 */
export async function* diffEntries(before: AsyncIterable<FileEntry>, after: AsyncIterable<FileEntry>): AsyncGenerator<DiffChange> {
  const ia = before[Symbol.asyncIterator]();
  const ib = after[Symbol.asyncIterator]();
  let a = await ia.next();
  let b = await ib.next();
  while (!a.done || !b.done) {
    const order = a.done ? 1 : b.done ? -1 : compareWalkOrder(a.value.path, b.value.path);
    if (order < 0) {
      yield { kind: '-', path: a.value!.path, before: a.value! };
      a = await ia.next();
    } else if (order > 0) {
      yield { kind: '+', path: b.value!.path, after: b.value! };
      b = await ib.next();
    } else {
      const kind = changeOf(a.value!, b.value!);
      if (kind) yield { kind, path: a.value!.path, before: a.value!, after: b.value! };
      [a, b] = await Promise.all([ia.next(), ib.next()]);
    }
  }
}
