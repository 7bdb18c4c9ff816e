import { type KeySpec } from './spec';

/**
 * File-system types as Linux's statfs() reports them (`f_type`, the magic
 * numbers of linux/magic.h), by the names Burp's exclude_fs and include_fs
 * take. Some names share a number: the kernel does not tell them apart
 * (ext2, ext3 and ext4; nfs and nfs4; tmpfs and devtmpfs; every FUSE file
 * system), so neither can a rule.
 */
const FS_MAGIC: ReadonlyArray<readonly [number, readonly string[]]> = [
  [0x0000002f, ['qnx4']],
  [0x00000187, ['autofs']],
  [0x0000137f, ['minix']],
  [0x00001373, ['devfs']],
  [0x00001cd1, ['devpts']],
  [0x00003434, ['nilfs2']],
  [0x00004244, ['hfs']],
  [0x0000482b, ['hfsplus']],
  [0x00004d44, ['vfat', 'msdos', 'fat']],
  [0x0000517b, ['smbfs']],
  [0x00006969, ['nfs', 'nfs4']],
  [0x00007275, ['romfs']],
  [0x000072b6, ['jffs2']],
  [0x00009660, ['iso9660']],
  [0x00009fa0, ['proc']],
  [0x00009fa2, ['usbdevfs']],
  [0x0000adf5, ['adfs']],
  [0x0000adff, ['affs']],
  [0x0000ef53, ['ext4', 'ext3', 'ext2']],
  [0x0000f15f, ['ecryptfs']],
  [0x0027e0eb, ['cgroup']],
  [0x00c36400, ['ceph']],
  [0x01021994, ['tmpfs', 'devtmpfs']],
  [0x01021997, ['9p']],
  [0x01161970, ['gfs2']],
  [0x15013346, ['udf']],
  [0x19800202, ['mqueue']],
  [0x2011bab0, ['exfat']],
  [0x28cd3d45, ['cramfs']],
  [0x2fc12fc1, ['zfs']],
  [0x3153464a, ['jfs']],
  [0x42494e4d, ['binfmt_misc']],
  [0x52654973, ['reiserfs']],
  [0x5346414f, ['afs']],
  [0x5346544e, ['ntfs']],
  [0x58465342, ['xfs']],
  [0x5a4f4653, ['zonefs']],
  [0x61756673, ['aufs']],
  [0x6165676c, ['pstore']],
  [0x62656570, ['configfs']],
  [0x62656572, ['sysfs']],
  [0x63677270, ['cgroup2']],
  [0x64626720, ['debugfs']],
  [0x65735543, ['fusectl']],
  [0x65735546, ['fuse', 'fuseblk', 'fuse.lxcfs', 'fuse.sshfs', 'virtiofs']],
  [0x6e736673, ['nsfs']],
  [0x7366746e, ['ntfs3']],
  [0x73636673, ['securityfs']],
  [0x73717368, ['squashfs']],
  [0x73757245, ['coda']],
  [0x7461636f, ['ocfs2']],
  [0x74726163, ['tracefs']],
  [0x794c7630, ['overlay']],
  [0x858458f6, ['ramfs']],
  [0x9123683e, ['btrfs']],
  [0x958458f6, ['hugetlbfs']],
  [0xca451a4e, ['bcachefs']],
  [0xcafe4a11, ['bpf']],
  [0xde5e81e4, ['efivarfs']],
  [0xe0f5e1e2, ['erofs']],
  [0xf2f52010, ['f2fs']],
  [0xf97cff8c, ['selinuxfs']],
  [0xfe534d42, ['smb2']],
  [0xff534d42, ['cifs', 'smb3']],
];

const BY_NAME = new Map<string, number>(FS_MAGIC.flatMap(([magic, names]) => names.map((n) => [n, magic] as const)));
const BY_MAGIC = new Map<number, readonly string[]>(FS_MAGIC);

/** A file-system type an exclude_fs or include_fs line names: as written, and the statfs number it stands for. */
export interface FsType {
  readonly name: string;
  readonly magic: number;
}

/** What a file-system type is called in messages: its names ("ext4/ext3/ext2"), or its number when it has none here. */
export function fsTypeName(magic: number): string {
  return BY_MAGIC.get(magic)?.join('/') ?? `0x${magic.toString(16).padStart(8, '0')}`;
}

/** The statfs number of a file-system type as /proc/self/mountinfo names it ("nfs4", "fuse.sshfs"), or undefined when this table lacks it. */
export function fsMagicOf(name: string): number | undefined {
  return BY_NAME.get(name) ?? (name.startsWith('fuse.') ? BY_NAME.get('fuse') : undefined);
}

/** A name (any case; a FUSE file system's "fuse.NAME" is FUSE), or a number written 0x… as statfs reports it (`stat -f -c %t PATH`). */
export function parseFsType(raw: string): FsType {
  const name = raw.trim().toLowerCase();
  if (/^0x[0-9a-f]{1,8}$/.test(name)) return { name, magic: parseInt(name.slice(2), 16) };
  const magic = BY_NAME.get(name) ?? (name.startsWith('fuse.') && name.length > 5 ? BY_NAME.get('fuse') : undefined);
  if (magic === undefined) {
    throw new Error(
      `unknown file-system type ${JSON.stringify(raw)}: give one of ${[...BY_NAME.keys()].sort().join(', ')}, or its number as \`stat -f -c %t PATH\` prints it, written 0x… (e.g. 0x1021994 for tmpfs)`,
    );
  }
  return { name, magic };
}

/** A repeatable key of file-system types (exclude_fs, include_fs). */
export function fsTypesKey(help: string): KeySpec<FsType[]> {
  return { repeatable: true, required: false, defaultValue: [], help, parseOne: (raw) => parseFsType(raw), combine: (values) => values as FsType[] };
}
