import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  chmodPath,
  chownPath,
  futimensNs,
  lchownAt,
  linkAt,
  listDir,
  lstatAt,
  mkdirAt,
  mknod,
  mknodAt,
  nextData,
  nextHole,
  O_PATH,
  openAt,
  openBeneath,
  readlinkAt,
  readXattrs,
  readXattrsFd,
  renameNoReplace,
  renameNoReplaceAt,
  setXattrAt,
  setXattrFd,
  symlinkAt,
  unlinkAt,
  useOpenat2ForTests,
  utimensAt,
  utimensNs,
  utimensPath,
  type Xattr,
} from '@cpsbackup/syscalls';

const MiB = 1024 * 1024;
let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syscalls-'))));
// rm -rf, not fs.rmSync: the deep tree below is past what a path can name.
afterAll(() => spawnSync('rm', ['-rf', dir]));

describe('data and holes of a sparse file', () => {
  test('finds each data extent and each hole, and says when only a hole is left', () => {
    const file = path.join(dir, 'sparse');
    const fd = fs.openSync(file, 'w+');
    try {
      fs.writeSync(fd, Buffer.alloc(8192, 1), 0, 8192, 0);
      fs.writeSync(fd, Buffer.alloc(4096, 2), 0, 4096, 10 * MiB);
      fs.ftruncateSync(fd, 20 * MiB);
      expect(nextData(fd, 0)).toBe(0);
      expect(nextHole(fd, 0)).toBe(8192);
      expect(nextData(fd, 8192)).toBe(10 * MiB);
      expect(nextHole(fd, 10 * MiB)).toBe(10 * MiB + 4096);
      expect(nextData(fd, 10 * MiB + 4096)).toBeUndefined();
      expect(nextHole(fd, 10 * MiB + 4096)).toBe(10 * MiB + 4096);
    } finally {
      fs.closeSync(fd);
    }
  });

  test('a file without holes is one data extent ending at its size', () => {
    const file = path.join(dir, 'dense');
    fs.writeFileSync(file, Buffer.alloc(100_000, 7));
    const fd = fs.openSync(file, 'r');
    try {
      expect(nextData(fd, 0)).toBe(0);
      expect(nextHole(fd, 0)).toBe(100_000);
      expect(nextData(fd, 100_000)).toBeUndefined();
    } finally {
      fs.closeSync(fd);
    }
  });

  test('a bad descriptor is an error shaped like node:fs errors', () => {
    expect(() => nextData(987654, 0)).toThrow(
      expect.objectContaining({ code: 'EBADF', syscall: 'lseek', message: expect.stringMatching(/^EBADF: bad file descriptor, lseek/) }),
    );
  });
});

describe('times to the nanosecond', () => {
  // Odd nanoseconds that a double of seconds cannot hold, one before 1970.
  const times = [1_700_000_000_123_456_789n, 1n, -1_234_567_891n, 4_102_444_800_000_000_001n];

  test.each(times)('utimensNs sets a path to %p ns exactly', (ns) => {
    const file = path.join(dir, `t${ns}`);
    fs.writeFileSync(file, 'x');
    utimensNs(file, ns + 7n, ns);
    const st = fs.statSync(file, { bigint: true });
    expect(st.mtimeNs).toBe(ns);
    expect(st.atimeNs).toBe(ns + 7n);
  });

  test('futimensNs sets an open file', () => {
    const file = path.join(dir, 'fd');
    const fd = fs.openSync(file, 'w');
    try {
      futimensNs(fd, 5n, 1_600_000_000_987_654_321n);
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.statSync(file, { bigint: true }).mtimeNs).toBe(1_600_000_000_987_654_321n);
  });

  test('noFollow sets the link itself and leaves its target alone', () => {
    const target = path.join(dir, 'target');
    const link = path.join(dir, 'link');
    fs.writeFileSync(target, 'x');
    fs.symlinkSync(target, link);
    const before = fs.statSync(target, { bigint: true }).mtimeNs;
    utimensNs(link, 3n, 1_500_000_000_000_000_003n, { noFollow: true });
    expect(fs.lstatSync(link, { bigint: true }).mtimeNs).toBe(1_500_000_000_000_000_003n);
    expect(fs.statSync(target, { bigint: true }).mtimeNs).toBe(before);
  });

  test('a name that is not UTF-8 is passed as its bytes', () => {
    const name = Buffer.concat([Buffer.from(dir + '/caf'), Buffer.from([0xe9])]);
    fs.writeFileSync(name, 'x');
    utimensNs(name, 1n, 42n);
    expect(fs.statSync(name, { bigint: true }).mtimeNs).toBe(42n);
  });

  test('a missing path and a name with a NUL are errors naming the path', () => {
    const missing = path.join(dir, 'nope');
    expect(() => utimensNs(missing, 1n, 1n)).toThrow(expect.objectContaining({ code: 'ENOENT', syscall: 'utimensat', path: missing }));
    expect(() => utimensNs(Buffer.from('a\0b'), 1n, 1n)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});

describe('FIFOs and device nodes', () => {
  test('a FIFO under a name that is not UTF-8, with its permission bits', () => {
    const name = Buffer.concat([Buffer.from(dir + '/fifo-'), Buffer.from([0xff, 0x0a])]);
    const old = process.umask(0);
    try {
      mknod(name, 'fifo', 0o640);
    } finally {
      process.umask(old);
    }
    const st = fs.lstatSync(name);
    expect(st.isFIFO()).toBe(true);
    expect(st.mode & 0o7777).toBe(0o640);
    expect(fs.readdirSync(dir, { encoding: 'buffer' }).some((n) => n.equals(name.subarray(dir.length + 1)))).toBe(true);
  });

  test('an existing name is EEXIST naming it, and nothing is replaced', () => {
    const file = path.join(dir, 'taken');
    fs.writeFileSync(file, 'keep');
    expect(() => mknod(file, 'fifo', 0o600)).toThrow(expect.objectContaining({ code: 'EEXIST', syscall: 'mknod', path: file }));
    expect(fs.readFileSync(file, 'utf8')).toBe('keep');
  });

  const asRoot = process.getuid?.() === 0 ? test : test.skip;
  asRoot('a character device with the device number lstat gave (root only)', () => {
    const rdev = fs.statSync('/dev/null', { bigint: true }).rdev;
    const node = path.join(dir, 'null-copy');
    mknod(node, 'char', 0o666, rdev);
    const st = fs.lstatSync(node, { bigint: true });
    expect(st.isCharacterDevice()).toBe(true);
    expect(st.rdev).toBe(rdev);
  });
});

describe('renaming without replacing', () => {
  test('moves a file to a free name (raw bytes), and refuses a taken one with EEXIST, changing nothing', () => {
    const from = path.join(dir, 'rename-from');
    const to = Buffer.concat([Buffer.from(dir + '/rename-to-'), Buffer.from([0xfe, 0x0a])]);
    fs.writeFileSync(from, 'moved');
    renameNoReplace(from, to);
    expect(fs.existsSync(from)).toBe(false);
    expect(fs.readFileSync(to, 'utf8')).toBe('moved');

    const other = path.join(dir, 'rename-other');
    fs.writeFileSync(other, 'other');
    expect(() => renameNoReplace(other, to)).toThrow(expect.objectContaining({ code: 'EEXIST', syscall: 'renameat2' }));
    expect(fs.readFileSync(to, 'utf8')).toBe('moved');
    expect(fs.readFileSync(other, 'utf8')).toBe('other');
  });

  test('a missing source is ENOENT', () => {
    expect(() => renameNoReplace(path.join(dir, 'no-such'), path.join(dir, 'anywhere'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});

describe("a directory listed with each entry's lstat", () => {
  test('entries sorted by the bytes of their names (raw), each with the lstat node gives, a symlink not followed', () => {
    const d = fs.mkdtempSync(path.join(dir, 'list-'));
    const odd = Buffer.concat([Buffer.from(d + '/'), Buffer.from([0xc3, 0x28, 0xff])]);
    fs.writeFileSync(path.join(d, 'b-file'), 'x'.repeat(5000));
    fs.mkdirSync(path.join(d, 'a-dir'));
    fs.symlinkSync('b-file', path.join(d, 'Z-link'));
    fs.writeFileSync(odd, '');
    fs.linkSync(path.join(d, 'b-file'), path.join(d, 'c-hardlink'));
    const entries = listDir(openDir(d), d);
    entries.lstat();
    const names = Array.from({ length: entries.count }, (_, i) => entries.name(i));
    const expected = fs.readdirSync(d, { encoding: 'buffer' }).sort(Buffer.compare);
    expect(names).toEqual(expected);
    expect(names.map((n) => n.toString('latin1'))).toEqual(['Z-link', 'a-dir', 'b-file', 'c-hardlink', '\xc3(\xff']);
    names.forEach((name, i) => {
      const st = fs.lstatSync(Buffer.concat([Buffer.from(d + '/'), name]), { bigint: true });
      const { mode, uid, gid, size, mtimeNs, ctimeNs, ino, dev, rdev, nlink, blocks } = st;
      expect(entries.stat(i)).toEqual({ mode, uid, gid, size, mtimeNs, ctimeNs, ino, dev, rdev, nlink, blocks });
      expect(entries.error(i)).toBeUndefined();
    });
    expect(entries.stat(2)!.nlink).toBe(2n);
    // With each lstat, how much its extended attributes' names take: 0 for none, so they need not be read.
    expect(names.map((_, i) => entries.xattrListBytes(i))).toEqual([0, 0, 0, 0, 0]);
    execFileSync('setfattr', ['-n', 'user.tag', '-v', 'x', path.join(d, 'a-dir')]);
    const again = listDir(openDir(d), d);
    again.lstat();
    expect(again.xattrListBytes(1)).toBe('user.tag\0'.length);
    expect(again.xattrListBytes(2)).toBe(0);

    // Only the wanted entries are looked at: the others have neither a stat nor an error.
    const some = listDir(openDir(d), d);
    some.lstat(Uint8Array.from([0, 1, 0, 0, 1]));
    expect([0, 1, 2, 3, 4].map((i) => some.stat(i) !== undefined)).toEqual([false, true, false, false, true]);
    expect([0, 2, 3].map((i) => some.error(i))).toEqual([undefined, undefined, undefined]);
  });

  test("an empty directory has no entries; a descriptor that is not a directory is an error like readdir's", () => {
    const empty = fs.mkdtempSync(path.join(dir, 'empty-'));
    const none = listDir(openDir(empty), empty);
    none.lstat();
    expect(none.count).toBe(0);
    const file = path.join(dir, 'not-a-dir');
    fs.writeFileSync(file, '');
    const fd = fs.openSync(file, 'r');
    expect(() => listDir(fd, file)).toThrow(expect.objectContaining({ code: 'ENOTDIR', syscall: 'readdir' }));
    fs.closeSync(fd);
  });
});

/** An open directory, closed after the test file. */
const opened: number[] = [];
function openDir(d: string): number {
  const fd = fs.openSync(d, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  opened.push(fd);
  return fd;
}
afterAll(() => opened.forEach((fd) => fs.closeSync(fd)));

describe('calls relative to an open directory, never through a symbolic link', () => {
  const b = (s: string) => Buffer.from(s);

  test.each([true, false])(
    'openBeneath (openat2: %s) reaches paths below the directory, refuses a symlink anywhere on the way or at the end, and ".."',
    (openat2) => {
      useOpenat2ForTests(openat2);
      const root = fs.mkdtempSync(path.join(dir, 'beneath-'));
      fs.mkdirSync(path.join(root, 'a/b'), { recursive: true });
      fs.writeFileSync(path.join(root, 'a/b/f'), 'data');
      const outside = fs.mkdtempSync(path.join(dir, 'outside-'));
      fs.writeFileSync(path.join(outside, 'secret'), 'secret');
      fs.symlinkSync(outside, path.join(root, 'a/link'));
      fs.symlinkSync(path.join(outside, 'secret'), path.join(root, 'a/b/file-link'));
      const rootFd = openDir(root);

      const fd = openBeneath(rootFd, b('a/b/f'), fs.constants.O_RDONLY);
      expect(fs.readFileSync(fd, 'utf8')).toBe('data');
      fs.closeSync(fd);
      expect(() => openBeneath(rootFd, b('a/link/secret'), fs.constants.O_RDONLY)).toThrow(expect.objectContaining({ code: 'ELOOP' }));
      expect(() => openBeneath(rootFd, b('a/b/file-link'), fs.constants.O_RDONLY)).toThrow(expect.objectContaining({ code: 'ELOOP' }));
      expect(() => openBeneath(rootFd, b('a/../../x'), fs.constants.O_RDONLY)).toThrow(expect.objectContaining({ code: 'EXDEV' }));
      expect(() => openBeneath(rootFd, b('/etc/passwd'), fs.constants.O_RDONLY)).toThrow(expect.objectContaining({ code: 'EXDEV' }));
      expect(() => openBeneath(rootFd, b('a/missing'), fs.constants.O_RDONLY)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
      // An empty path opens the directory itself again.
      const again = openBeneath(rootFd, b(''), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
      expect(lstatAt(again, b(''))!.ino).toBe(fs.statSync(root, { bigint: true }).ino);
      fs.closeSync(again);
      useOpenat2ForTests(true);
    },
  );

  test.each([true, false])('any depth (openat2: %s): a tree far deeper than PATH_MAX is made, reached and listed through descriptors', (openat2) => {
    useOpenat2ForTests(openat2);
    const root = fs.mkdtempSync(path.join(dir, 'deep-'));
    const rootFd = openDir(root);
    const name = b('d'.repeat(100));
    let cur = rootFd;
    const depth = 120; // 12,000 bytes of path: three times PATH_MAX
    for (let i = 0; i < depth; i++) {
      mkdirAt(cur, name, 0o700);
      const next = openAt(cur, name, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
      if (cur !== rootFd) fs.closeSync(cur);
      cur = next;
    }
    const leaf = openAt(cur, b('leaf'), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    fs.writeSync(leaf, 'deep');
    fs.closeSync(leaf);
    fs.closeSync(cur);
    const rel = Buffer.concat([...Array.from({ length: depth }, () => Buffer.concat([name, b('/')])), b('leaf')]);
    expect(rel.length).toBeGreaterThan(2 * 4096);
    const fd = openBeneath(rootFd, rel, fs.constants.O_RDONLY);
    expect(fs.readFileSync(fd, 'utf8')).toBe('deep');
    fs.closeSync(fd);
    const parent = openBeneath(rootFd, rel.subarray(0, rel.length - 5), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    const listed = listDir(parent, 'deep');
    listed.lstat();
    expect(listed.count).toBe(1);
    expect(listed.name(0).toString()).toBe('leaf');
    expect(listed.stat(0)!.size).toBe(4n);
    fs.closeSync(parent);
    useOpenat2ForTests(true);
  });

  test('names are single components: "/", "." and ".." are refused before any call', () => {
    const rootFd = openDir(fs.mkdtempSync(path.join(dir, 'names-')));
    for (const bad of ['a/b', '.', '..', '']) {
      expect(() => mkdirAt(rootFd, b(bad), 0o700)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      expect(() => openAt(rootFd, b(bad), fs.constants.O_RDONLY)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    }
  });

  test('entries are made, renamed, linked, read and removed under the descriptor; a symlink at the name is never followed', () => {
    const root = fs.mkdtempSync(path.join(dir, 'ops-'));
    const rootFd = openDir(root);
    const outside = path.join(fs.mkdtempSync(path.join(dir, 'victim-')), 'target');
    fs.writeFileSync(outside, 'victim');
    fs.chmodSync(outside, 0o600);
    const odd = Buffer.from([0x66, 0xff, 0x0a]);

    symlinkAt(b(outside), rootFd, b('link'));
    expect(readlinkAt(rootFd, b('link')).toString()).toBe(outside);
    // Opening, chown and times at a symlink act on the link or fail: the file it names is never touched.
    expect(() => openAt(rootFd, b('link'), fs.constants.O_RDONLY)).toThrow(expect.objectContaining({ code: 'ELOOP' }));
    lchownAt(rootFd, b('link'), 65534, 65534);
    utimensAt(rootFd, b('link'), 1_000_000_000_123_456_789n, 1_000_000_000_123_456_789n);
    const linkStat = lstatAt(rootFd, b('link'))!;
    expect([linkStat.uid, linkStat.mtimeNs]).toEqual([65534n, 1_000_000_000_123_456_789n]);
    const victim = fs.statSync(outside, { bigint: true });
    expect([victim.uid, victim.mode & 0o7777n]).toEqual([0n, 0o600n]);

    // A FIFO, acted on through an O_PATH descriptor: what is at the name later does not matter.
    mknodAt(rootFd, odd, 'fifo', 0o600);
    const p = openAt(rootFd, odd, O_PATH);
    chownPath(p, 65534, 65534, 'fifo');
    chmodPath(p, 0o640, 'fifo');
    utimensPath(p, 2_000_000_000_000_000_001n, 2_000_000_000_000_000_001n, 'fifo');
    const f = lstatAt(rootFd, odd)!;
    expect([f.mode & 0o7777n, f.uid, f.mtimeNs, (f.mode & BigInt(fs.constants.S_IFMT)) === BigInt(fs.constants.S_IFIFO)]).toEqual([
      0o640n,
      65534n,
      2_000_000_000_000_000_001n,
      true,
    ]);
    fs.closeSync(p);
    const lp = openAt(rootFd, b('link'), O_PATH);
    expect(() => chmodPath(lp, 0o777, 'link')).toThrow(); // a symbolic link has no permission bits to set, and its target is never reached
    expect(() => utimensPath(lp, 0n, 0n, 'link')).toThrow(expect.objectContaining({ code: 'ELOOP' }));
    fs.closeSync(lp);
    expect(fs.statSync(outside, { bigint: true }).mode & 0o7777n).toBe(0o600n);

    const fd = openAt(rootFd, b('file'), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    fs.closeSync(fd);
    expect(() => renameNoReplaceAt(rootFd, b('file'), rootFd, b('link'))).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    renameNoReplaceAt(rootFd, b('file'), rootFd, b('renamed'));
    linkAt(rootFd, b('renamed'), rootFd, b('hard'));
    linkAt(rootFd, b('link'), rootFd, b('link-2')); // links the symlink itself
    expect(lstatAt(rootFd, b('hard'))!.nlink).toBe(2n);
    expect(lstatAt(rootFd, b('link-2'))!.ino).toBe(linkStat.ino);
    unlinkAt(rootFd, b('hard'));
    expect(lstatAt(rootFd, b('hard'))).toBeUndefined();
    mkdirAt(rootFd, b('sub'), 0o700);
    expect(() => mkdirAt(rootFd, b('sub'), 0o700)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    unlinkAt(rootFd, b('sub'), { dir: true });
    expect(fs.readdirSync(root).sort()).toEqual(['\ufffd\ufffd\n'.replace(/\ufffd\ufffd/, 'f\ufffd'), 'link', 'link-2', 'renamed'].sort());
  });
});

describe('extended attributes', () => {
  // format's ENTRY_LIMITS (syscalls depends on no package: the caller passes them).
  const LIMITS = { xattrNameBytes: 255, xattrValueBytes: 64 * 1024, xattrs: 1024, xattrBytes: 1024 * 1024 };
  const asRoot = process.getuid?.() === 0 ? test : test.skip;
  const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });
  /** What getfattr (attr's tool, not ours) says a path holds, never following a symlink: [name, hex value], sorted by name. */
  const getfattr = (file: string): Array<[string, string]> =>
    run('getfattr', '--absolute-names', '-h', '-e', 'hex', '-d', '-m', '-', file)
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l): [string, string] => {
        const eq = l.indexOf('=');
        return [l.slice(0, eq), l.slice(eq + 3)];
      })
      .sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
  const shown = (xs: Xattr[]) => xs.map((x): [string, string] => [x.name.toString(), x.value.toString('hex')]);
  const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));
  let xdir: string;
  let dfd: number;
  beforeAll(() => {
    xdir = fs.mkdtempSync(path.join(dir, 'xattr-'));
    dfd = fs.openSync(xdir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  });
  afterAll(() => fs.closeSync(dfd));
  const at = (name: string) => path.join(xdir, name);
  const withFd = <T>(file: string, fn: (fd: number) => T): T => {
    const fd = fs.openSync(file, 'r');
    try {
      return fn(fd);
    } finally {
      fs.closeSync(fd);
    }
  };

  test('user attributes of a file and a directory, any bytes in their values, sorted by name, by name and by descriptor alike', () => {
    fs.writeFileSync(at('file'), 'x');
    fs.mkdirSync(at('dir'));
    const values: Record<string, Buffer> = {
      'user.zeta': allBytes,
      'user.empty': Buffer.alloc(0),
      'user.Alpha': Buffer.alloc(1000, 0),
      'user.mid': Buffer.from([0, 0x0a, 0xff]),
    };
    for (const name of ['file', 'dir']) {
      for (const [k, v] of Object.entries(values)) run('setfattr', '-n', k, '-v', `0x${v.toString('hex')}`, at(name));
      const expected = Object.keys(values)
        .sort()
        .map((k): [string, string] => [k, values[k]!.toString('hex')]);
      const got = readXattrs(dfd, name, LIMITS);
      expect(shown(got)).toEqual(expected);
      expect(shown(got)).toEqual(getfattr(at(name)));
      expect(shown(withFd(at(name), (fd) => readXattrsFd(fd, LIMITS)))).toEqual(expected);
    }
    fs.writeFileSync(at('bare'), '');
    expect(readXattrs(dfd, 'bare', LIMITS)).toEqual([]);
    expect(readXattrs(dfd, Buffer.from('bare'), LIMITS)).toEqual([]);
  });

  test('set by descriptor and by name, raw bytes in names and values, read back the same (and as getfattr reads them)', () => {
    fs.writeFileSync(at('set-fd'), '');
    const odd = Buffer.concat([Buffer.from('user.'), Buffer.from([0xff, 0x01, 0x20])]);
    withFd(at('set-fd'), (fd) => {
      setXattrFd(fd, odd, allBytes);
      setXattrFd(fd, 'user.plain', Buffer.from('v1'));
      setXattrFd(fd, 'user.plain', Buffer.from('v2')); // replaced, not refused
    });
    expect(readXattrs(dfd, 'set-fd', LIMITS)).toEqual([
      { name: Buffer.from('user.plain'), value: Buffer.from('v2') },
      { name: odd, value: allBytes },
    ]);
    const rawName = Buffer.concat([Buffer.from('set-'), Buffer.from([0xe9, 0x0a])]);
    fs.writeFileSync(Buffer.concat([Buffer.from(xdir + '/'), rawName]), '');
    setXattrAt(dfd, rawName, 'user.at', Buffer.alloc(0));
    setXattrAt(dfd, 'set-fd', 'user.at', Buffer.from([0]));
    expect(readXattrs(dfd, rawName, LIMITS)).toEqual([{ name: Buffer.from('user.at'), value: Buffer.alloc(0) }]);
    expect(getfattr(at('set-fd'))).toContainEqual(['user.at', '00']);
  });

  asRoot("a symlink's own attributes, never its target's, whether read or set (root: trusted. ones)", () => {
    fs.writeFileSync(at('target'), '');
    run('setfattr', '-n', 'user.of-target', '-v', 't', at('target'));
    fs.symlinkSync('target', at('link'));
    fs.symlinkSync('nowhere', at('dangling'));
    run('setfattr', '-h', '-n', 'trusted.of-link', '-v', 'l', at('link'));
    expect(shown(readXattrs(dfd, 'link', LIMITS))).toEqual([['trusted.of-link', Buffer.from('l').toString('hex')]]);
    expect(readXattrs(dfd, 'dangling', LIMITS)).toEqual([]);

    setXattrAt(dfd, 'dangling', 'trusted.set', allBytes);
    setXattrAt(dfd, 'link', 'security.set', Buffer.from('s'));
    expect(getfattr(at('dangling'))).toEqual([['trusted.set', allBytes.toString('hex')]]);
    expect(getfattr(at('link')).map((x) => x[0])).toEqual(['security.set', 'trusted.of-link']);
    expect(getfattr(at('target')).map((x) => x[0])).toEqual(['user.of-target']);
    // The kernel takes no user. attribute on a symlink: refused, its target untouched.
    expect(() => setXattrAt(dfd, 'link', 'user.x', Buffer.from('x'))).toThrow(
      expect.objectContaining({ code: 'EPERM', syscall: 'lsetxattr', path: 'link', message: expect.stringContaining('(attribute user.x)') }),
    );
    expect(getfattr(at('target')).map((x) => x[0])).toEqual(['user.of-target']);
  });

  asRoot('an ACL (access and default) and a file capability read as the kernel keeps them mean the same once set elsewhere', () => {
    fs.writeFileSync(at('acl'), '');
    run('setfacl', '-m', 'u:nobody:rw,g:nogroup:r,m::rw', at('acl'));
    fs.mkdirSync(at('acl-dir'));
    run('setfacl', '-d', '-m', 'u:nobody:rx', at('acl-dir'));
    fs.writeFileSync(at('cap'), '');
    run('/usr/sbin/setcap', 'cap_net_bind_service,cap_net_admin=ep', at('cap'));

    const acl = readXattrs(dfd, 'acl', LIMITS);
    const dirAcl = readXattrs(dfd, 'acl-dir', LIMITS);
    const cap = readXattrs(dfd, 'cap', LIMITS);
    expect(acl.map((x) => x.name.toString())).toEqual(['system.posix_acl_access']);
    expect(dirAcl.map((x) => x.name.toString())).toEqual(['system.posix_acl_default']);
    expect(cap.map((x) => x.name.toString())).toEqual(['security.capability']);
    expect(shown([...acl, ...cap])).toEqual([...getfattr(at('acl')), ...getfattr(at('cap'))]);

    fs.writeFileSync(at('acl-copy'), '');
    withFd(at('acl-copy'), (fd) => acl.forEach((x) => setXattrFd(fd, x.name, x.value)));
    fs.mkdirSync(at('acl-dir-copy'));
    dirAcl.forEach((x) => setXattrAt(dfd, 'acl-dir-copy', x.name, x.value));
    fs.writeFileSync(at('cap-copy'), '');
    cap.forEach((x) => setXattrAt(dfd, 'cap-copy', x.name, x.value));
    const facl = (f: string) => run('getfacl', '-n', '--omit-header', at(f));
    expect(facl('acl-copy')).toBe(facl('acl'));
    expect(facl('acl-copy')).toContain('user:65534:rw-');
    expect(facl('acl-dir-copy')).toBe(facl('acl-dir'));
    expect(facl('acl-dir-copy')).toContain('default:user:65534:r-x');
    expect(run('/usr/sbin/getcap', at('cap-copy'))).toBe(`${at('cap-copy')} cap_net_bind_service,cap_net_admin=ep\n`);
  });

  test('a missing entry is ENOENT, a bad descriptor EBADF, a name with a slash or NUL EINVAL (never walked), shaped like node:fs errors', () => {
    expect(() => readXattrs(dfd, 'no-such', LIMITS)).toThrow(
      expect.objectContaining({
        code: 'ENOENT',
        errno: -os.constants.errno.ENOENT,
        syscall: 'llistxattr',
        path: 'no-such',
        message: "ENOENT: no such file or directory, llistxattr 'no-such'",
      }),
    );
    expect(() => readXattrsFd(987654, LIMITS)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'flistxattr' }));
    fs.mkdirSync(at('sub'));
    fs.writeFileSync(at('sub/inner'), '');
    run('setfattr', '-n', 'user.inner', '-v', 'i', at('sub/inner'));
    expect(() => readXattrs(dfd, 'sub/inner', LIMITS)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => readXattrs(dfd, Buffer.from('a\0b'), LIMITS)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => readXattrs(dfd, 'x'.repeat(256), LIMITS)).toThrow(expect.objectContaining({ code: 'ENAMETOOLONG' }));
    expect(() => setXattrAt(dfd, 'sub/inner', 'user.x', Buffer.from('x'))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => setXattrAt(dfd, 'no-such', 'user.x', Buffer.from('x'))).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'lsetxattr', path: 'no-such' }),
    );
    expect(getfattr(at('sub/inner'))).toEqual([['user.inner', '69']]);
  });

  test('attributes beyond any bound are E2BIG saying which, and none are returned; at the bound they are', () => {
    fs.writeFileSync(at('bounds'), '');
    for (const [k, v] of [
      ['user.a', 'x'.repeat(50)],
      ['user.b', 'y'.repeat(60)],
      ['user.longest-name', 'z'.repeat(70)],
    ]) {
      run('setfattr', '-n', k!, '-v', v!, at('bounds'));
    }
    // Names and values: 6 + 50 + 6 + 60 + 17 + 70 = 209 bytes, 3 attributes, longest name 17, longest value 70.
    const exact = { xattrs: 3, xattrNameBytes: 17, xattrValueBytes: 70, xattrBytes: 209 };
    expect(readXattrs(dfd, 'bounds', exact)).toHaveLength(3);
    const beyond: Array<[Partial<typeof exact>, RegExp]> = [
      [{ xattrs: 2 }, /3 attributes \(at most 2\)/],
      [{ xattrNameBytes: 16 }, /a name of 17 bytes \(at most 16\)/],
      [{ xattrValueBytes: 69 }, /a value of 70 bytes \(at most 69\)/],
      [{ xattrValueBytes: 10 }, /a value of 50 bytes \(at most 10\)/],
      [{ xattrBytes: 208 }, /more than 208 bytes of names and values/],
    ];
    for (const [bound, why] of beyond) {
      const limits = { ...exact, ...bound };
      expect(() => readXattrs(dfd, 'bounds', limits)).toThrow(
        expect.objectContaining({ code: 'E2BIG', syscall: 'llistxattr', path: 'bounds', message: expect.stringMatching(why) }),
      );
      expect(() => withFd(at('bounds'), (fd) => readXattrsFd(fd, limits))).toThrow(
        expect.objectContaining({ code: 'E2BIG', syscall: 'flistxattr', message: expect.stringMatching(why) }),
      );
    }
  });

  test('a list of names longer than the first read buffer (4 KiB) is read whole', () => {
    // tmpfs takes that many user attributes on one file; ext4 keeps them in one block.
    const shm = fs.mkdtempSync('/dev/shm/cpsbackup-xattr-');
    try {
      const file = path.join(shm, 'many');
      fs.writeFileSync(file, '');
      const names = Array.from({ length: 300 }, (_, i) => `user.attribute-with-a-long-name-${String(i).padStart(3, '0')}`);
      withFd(file, (fd) => names.forEach((n, i) => setXattrFd(fd, n, Buffer.from([i & 0xff]))));
      const sfd = fs.openSync(shm, 'r');
      try {
        const got = readXattrs(sfd, 'many', LIMITS);
        expect(got.map((x) => x.name.toString())).toEqual(names);
        expect(got.map((x) => x.value[0])).toEqual(names.map((_, i) => i & 0xff));
      } finally {
        fs.closeSync(sfd);
      }
    } finally {
      fs.rmSync(shm, { recursive: true, force: true });
    }
  });
});
