import { EntryType, type FileEntry } from '@cpsbackup/format';

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
    xattrs: [],
  };
}
