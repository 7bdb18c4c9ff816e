/** Kinds of filesystem object a backup records. */
export const EntryType = {
  File: 1,
  Directory: 2,
  Symlink: 3,
  Fifo: 4,
  CharDevice: 5,
  BlockDevice: 6,
  Socket: 7,
} as const;
/** One of the EntryType values. */
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

/**
 * One extended attribute: its whole name, namespace included ("user.x",
 * "trusted.x", "security.capability", "security.selinux",
 * "system.posix_acl_access" for an ACL), and its value, both raw bytes
 * as the kernel gives them.
 */
export interface Xattr {
  name: Buffer;
  value: Buffer;
}

/** One filesystem object in a backup's manifest. */
export interface FileEntry {
  /** Path as raw bytes (names may hold any bytes but NUL), absolute on the node. */
  path: Buffer;
  type: EntryType;
  /** Permission bits including setuid/setgid/sticky (st_mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Owner names, so a restore on another node can map them. */
  user: string;
  group: string;
  /** Logical size in bytes (for a FIFO or a block device whose content was read: the bytes read from it). */
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** Inode and device: with size and times, how the agent spots unchanged files. */
  inode: bigint;
  dev: bigint;
  /** Device numbers of a character or block device. */
  rdev: bigint;
  /** Target of a symlink (raw bytes); empty otherwise. */
  linkTarget: Buffer;
  /** Entries with the same non-zero group are hard links to one inode. */
  hardlinkGroup: number;
  /** Content chunk ids in order (regular files, and FIFOs and block devices whose content was read: read_fifo, read_blockdev). */
  chunks: Buffer[];
  /**
   * Extended attributes (ACLs and file capabilities among them), sorted by
   * the bytes of their names, no name twice: the same attributes always
   * encode the same way, so an unchanged file's record dedups.
   */
  xattrs: readonly Xattr[];
}

/** True when the entry carries content (a file, or a FIFO or block device read with read_fifo or read_blockdev). */
export function hasContent(e: FileEntry): boolean {
  return e.chunks.length > 0 || e.type === EntryType.File;
}
