import { spawnSync } from 'node:child_process';
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
  renameNoReplace,
  renameNoReplaceAt,
  symlinkAt,
  unlinkAt,
  utimensAt,
  utimensNs,
  useOpenat2ForTests,
  utimensPath,
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
