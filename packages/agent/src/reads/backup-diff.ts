import { compareWalkOrder, EntryType, type FileEntry } from '@cpsbackup/format';

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

/**
 * The differences between two backups' entries, each given in walk order
 * (TreeReads.walk): a merge of the two streams, so memory holds one entry
 * of each side whatever the size of the trees.
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
