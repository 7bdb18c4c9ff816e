import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseFsType } from '@cpsbackup/config';
import { compareWalkOrder } from '@cpsbackup/format';
import { LoopDisk, loopDevicesUnavailable } from '@cpsbackup/testkit/e2e';
import { type FsRules, STAY_ON_FILESYSTEM } from './filesystems';
import { type RootReport, walk, type WalkItem } from './walker';

/**
 * File-system boundaries with real mounts: an ext4 image as the tree the
 * includes name, a tmpfs and a second ext4 image mounted in it, and a
 * tmpfs mounted inside the second image.
 */
const skip = loopDevicesUnavailable();
const maybe = skip ? describe.skip : describe;
if (skip) console.warn(`walker file-system tests skipped: ${skip}`);

maybe('walker: file-system boundaries (real mounts)', () => {
  let tmp: string;
  let root: string;
  const disks: LoopDisk[] = [];
  const tmpfs: string[] = [];

  function write(rel: string): void {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), rel);
  }
  function mountTmpfs(at: string): void {
    fs.mkdirSync(at, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0750', 'tmpfs', at]);
    tmpfs.push(at);
  }

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-walkfs-'));
    root = path.join(tmp, 'root');
    try {
      disks.push(LoopDisk.create(path.join(tmp, 'root.img'), root, 16));
      fs.rmSync(path.join(root, 'lost+found'), { recursive: true });
      write('a.txt');
      write('z.txt');
      mountTmpfs(path.join(root, 't'));
      write('t/t1.txt');
      write('t/sub/t2.txt');
      disks.push(LoopDisk.create(path.join(tmp, 'e.img'), path.join(root, 'e'), 16));
      fs.rmSync(path.join(root, 'e', 'lost+found'), { recursive: true });
      write('e/e1.txt');
      write('e/deep/e2.txt');
      write('e/deep/more/e3.txt');
      mountTmpfs(path.join(root, 'e', 'inner'));
      write('e/inner/i.txt');
    } catch (err) {
      cleanUp();
      throw err;
    }
  });
  function cleanUp(): void {
    // Innermost first; emptied, so a second call (after a failed set-up) has nothing to do.
    for (const at of tmpfs.splice(0).reverse()) execFileSync('umount', ['-l', at]);
    for (const d of disks.splice(0).reverse()) d.detach();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  afterAll(cleanUp);

  interface Walked {
    paths: string[];
    ancestors: string[];
    warnings: string[];
    roots: RootReport[];
  }
  function walked(include: string[], rules: Partial<FsRules> = {}): Walked {
    const warnings: string[] = [];
    const roots: RootReport[] = [];
    const items: WalkItem[] = [
      ...walk({
        include,
        exclude: [],
        excludeRegex: [],
        filesystems: { ...STAY_ON_FILESYSTEM, ...rules },
        onWarning: (m) => warnings.push(m.split(root).join('R')),
        onRoot: (r) => roots.push(r),
      }),
    ];
    // Whatever is crossed or not, the walk stays in walk order (the manifest depends on it).
    expect(items.map((i) => i.path)).toEqual([...items.map((i) => i.path)].sort(compareWalkOrder));
    const under = items.filter((i) => i.path.toString().startsWith(root));
    return {
      paths: under.filter((i) => !i.ancestor).map((i) => i.path.toString().slice(root.length) || '/'),
      ancestors: under.filter((i) => i.ancestor).map((i) => i.path.toString().slice(root.length)),
      warnings,
      roots,
    };
  }

  const everything = [
    '/',
    '/a.txt',
    '/e',
    '/e/deep',
    '/e/deep/e2.txt',
    '/e/deep/more',
    '/e/deep/more/e3.txt',
    '/e/e1.txt',
    '/e/inner',
    '/e/inner/i.txt',
    '/t',
    '/t/sub',
    '/t/sub/t2.txt',
    '/t/t1.txt',
    '/z.txt',
  ];
  const notCrossed = (p: string, type: string) =>
    `R${p} is the mount point of another file system (${type}): not crossed, only its directory is backed up ` +
    `(cross_filesystem = R${p} or cross_all_filesystems = 1 backs up what is in it; exclude = R${p} leaves it out without this warning)`;

  test('by default no file system below an include is entered: each mount point is kept as a directory, and said', () => {
    const w = walked([root]);
    expect(w.paths).toEqual(['/', '/a.txt', '/e', '/t', '/z.txt']);
    expect(w.warnings).toEqual([notCrossed('/e', 'ext4'), notCrossed('/t', 'tmpfs')]);
    // The mount point's entry is the mounted file system's root (its mode), as stat shows it on the mounted system.
    const t = [...walk({ include: [root], exclude: [], excludeRegex: [], onWarning: () => undefined })].find((i) => i.path.toString() === `${root}/t`)!;
    expect(Number(t.stat.mode) & 0o7777).toBe(0o750);
    // Without rules given, the walker stays on the include's file system too.
    const plain = [...walk({ include: [root], exclude: [], excludeRegex: [], onWarning: () => undefined })];
    expect(plain.filter((i) => !i.ancestor).map((i) => i.path.toString().slice(root.length) || '/')).toEqual(w.paths);
  });

  test('cross_filesystem = PATH enters that file system only; one mounted inside it is a boundary again', () => {
    const w = walked([root], { cross: [path.join(root, 'e')] });
    expect(w.paths).toEqual(everything.filter((p) => !p.startsWith('/t/') && !p.startsWith('/e/inner/')));
    expect(w.warnings).toEqual([notCrossed('/e/inner', 'tmpfs'), notCrossed('/t', 'tmpfs')]);
    // Written with a trailing slash, or through a symbolic link to the mount point, it is the same mount point.
    fs.symlinkSync(path.join(root, 't'), path.join(tmp, 'to-t'));
    try {
      expect(walked([root], { cross: [`${path.join(tmp, 'to-t')}/`] }).paths).toEqual(everything.filter((p) => !p.startsWith('/e/') || p === '/e'));
    } finally {
      fs.unlinkSync(path.join(tmp, 'to-t'));
    }
  });

  test('cross_all_filesystems enters every one, nested mounts too, without a warning', () => {
    expect(walked([root]).paths).not.toContain('/e/inner/i.txt');
    const w = walked([root], { crossAll: true });
    expect(w.paths).toEqual(everything);
    expect(w.warnings).toEqual([]);
  });

  test('exclude_fs leaves out the contents of file systems of that type (mount points kept), crossed or not, silently', () => {
    const tmpfsType = [parseFsType('tmpfs')];
    const all = walked([root], { crossAll: true, excludeFs: tmpfsType });
    expect(all.paths).toEqual(everything.filter((p) => !p.startsWith('/t/') && !p.startsWith('/e/inner/')));
    expect(all.warnings).toEqual([]);
    const none = walked([root], { excludeFs: tmpfsType });
    expect(none.paths).toEqual(['/', '/a.txt', '/e', '/t', '/z.txt']);
    expect(none.warnings).toEqual([notCrossed('/e', 'ext4')]); // a tmpfs is left out by type: no warning about crossing
    // By number, as statfs reports it, as Burp takes it.
    expect(walked([root], { crossAll: true, excludeFs: [parseFsType('0x01021994')] }).paths).toEqual(all.paths);
  });

  test('include_fs: only file systems of the types named are walked', () => {
    const w = walked([root], { crossAll: true, includeFs: [parseFsType('ext4')] });
    expect(w.paths).toEqual(everything.filter((p) => !p.startsWith('/t/') && !p.startsWith('/e/inner/')));
    expect(w.warnings).toEqual([]);
    const onlyTmpfs = walked([root], { crossAll: true, includeFs: [parseFsType('tmpfs')] });
    expect(onlyTmpfs.paths).toEqual(['/']);
    expect(onlyTmpfs.warnings).toEqual([
      'include R is on a file system of type ext4, which include_fs does not name (tmpfs): its directory is backed up, not what is in it',
    ]);
  });

  test('an include that is a mount point is walked; exclude_fs of its type leaves out all but its directory, said, and the root is not counted missing', () => {
    const t = path.join(root, 't');
    expect(walked([t]).paths).toEqual(['/t', '/t/sub', '/t/sub/t2.txt', '/t/t1.txt']);
    const w = walked([t], { excludeFs: [parseFsType('TMPFS')] });
    expect(w.paths).toEqual(['/t']);
    expect(w.warnings).toEqual([
      'include R/t is on a file system of type tmpfs, which exclude_fs = tmpfs leaves out: its directory is backed up, not what is in it',
    ]);
    expect(w.roots).toEqual([expect.objectContaining({ below: 0, problem: undefined, fsLeftOut: expect.stringContaining('exclude_fs = tmpfs') })]);
  });

  test('an include below another on a file system not crossed is walked, with only the way down to it', () => {
    // Named itself: crossed (as Burp adds such an include to cross_filesystem).
    const e = walked([root, path.join(root, 'e')]);
    expect(e.paths).toEqual(everything.filter((p) => !p.startsWith('/t/') && !p.startsWith('/e/inner/')));
    expect(e.warnings).toEqual([notCrossed('/e/inner', 'tmpfs'), notCrossed('/t', 'tmpfs')]);
    // Deeper in it: the mount point, the directories on the way (their metadata, nothing else) and the include.
    const deep = walked([root, path.join(root, 'e/deep/more'), path.join(root, 'e/inner/i.txt')]);
    expect(deep.paths).toEqual(['/', '/a.txt', '/e', '/e/deep/more', '/e/deep/more/e3.txt', '/e/inner/i.txt', '/t', '/z.txt']);
    expect(deep.ancestors).toEqual(['/e/deep', '/e/inner']);
    expect(deep.warnings).toEqual([notCrossed('/t', 'tmpfs')]);
    // One on a file system exclude_fs leaves out is not walked, and said.
    const gone = walked([root, path.join(root, 't/sub')], { excludeFs: [parseFsType('tmpfs')] });
    expect(gone.paths).toEqual(['/', '/a.txt', '/e', '/t', '/z.txt']);
    expect(gone.warnings).toEqual([
      notCrossed('/e', 'ext4'),
      'include R/t/sub is below R/t, on a file system of type tmpfs, which exclude_fs = tmpfs leaves out: not backed up',
    ]);
  });
});

/**
 * A file system mounted (or unmounted) while the walk is under way: the
 * walk is a generator, so the test mounts between two items it is handed,
 * after the parent directory was listed and before the directory itself
 * is: what happens does not depend on timing.
 */
const noMount = process.getuid?.() === 0 ? undefined : 'not root: mount(8) refused';
(noMount ? describe.skip : describe)('walker: a mount made during the walk', () => {
  let d: string;
  const mounted: string[] = [];
  beforeEach(() => {
    d = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-walkmnt-'));
    for (const f of ['a/f1', 'a/f2', 'a/f3']) {
      fs.mkdirSync(path.dirname(path.join(d, f)), { recursive: true });
      fs.writeFileSync(path.join(d, f), f);
    }
    fs.mkdirSync(path.join(d, 'z'));
  });
  afterEach(() => {
    for (const at of mounted.splice(0).reverse()) execFileSync('umount', ['-l', at]);
    fs.rmSync(d, { recursive: true, force: true });
  });
  function mountTmpfs(at: string): void {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', at]);
    mounted.push(at);
  }

  /** The walk of `include`, `act` run once when the item at `when` (relative to d) has been handed over. */
  function walkActing(include: string, rules: Partial<FsRules>, when: string, act: () => void): { paths: string[]; warnings: string[] } {
    const warnings: string[] = [];
    const paths: string[] = [];
    let acted = false;
    for (const item of walk({
      include: [include],
      exclude: [],
      excludeRegex: [],
      filesystems: { ...STAY_ON_FILESYSTEM, ...rules },
      onWarning: (m) => warnings.push(m.split(d).join('D')),
    })) {
      if (item.ancestor) continue;
      const rel = item.path.toString().slice(d.length) || '/';
      paths.push(rel);
      if (rel === when && !acted) {
        acted = true;
        act();
      }
    }
    expect(acted).toBe(true);
    return { paths, warnings };
  }
  const mountZ = () => {
    mountTmpfs(path.join(d, 'z'));
    fs.writeFileSync(path.join(d, 'z', 'f'), 'x');
  };
  const before = ['/', '/a', '/a/f1', '/a/f2', '/a/f3', '/z'];

  test('a directory mounted on after its parent was listed is a mount point met then: not crossed by default, said', () => {
    const w = walkActing(d, {}, '/a', mountZ);
    expect(w.paths).toEqual(before);
    expect(w.warnings).toEqual([
      'D/z is the mount point of another file system (tmpfs) mounted during the backup: not crossed, only its directory is backed up ' +
        '(cross_filesystem = D/z or cross_all_filesystems = 1 backs up what is in it; exclude = D/z leaves it out without this warning)',
    ]);
  });

  test('exclude_fs still leaves it out where crossing is allowed; cross_all_filesystems alone crosses it', () => {
    const w = walkActing(d, { crossAll: true, excludeFs: [parseFsType('tmpfs')] }, '/a', mountZ);
    expect(w.paths).toEqual(before);
    expect(w.warnings).toEqual([
      'D/z, a mount point, mounted during the backup, is on a file system of type tmpfs, which exclude_fs = tmpfs leaves out: only its directory is backed up',
    ]);
    execFileSync('umount', [mounted.pop()!]);
    const all = walkActing(d, { crossAll: true }, '/a', mountZ);
    expect(all.paths).toEqual([...before, '/z/f']);
    expect(all.warnings).toEqual([]);
  });

  test('an include root mounted on between its lstat and its listing: exclude_fs of the type it has now applies', () => {
    const w = walkActing(path.join(d, 'z'), { excludeFs: [parseFsType('tmpfs')] }, '/z', mountZ);
    expect(w.paths).toEqual(['/z']);
    expect(w.warnings).toEqual([
      'include D/z, mounted during the backup, is on a file system of type tmpfs, which exclude_fs = tmpfs leaves out: its directory is backed up, not what is in it',
    ]);
  });

  test('a mount point unmounted during the walk: the directory under it is walked as part of its parent file system', () => {
    // Under the mount point, hidden while it is mounted: a directory on the parent's file system.
    fs.mkdirSync(path.join(d, 'z', 'under'));
    fs.writeFileSync(path.join(d, 'z', 'under', 'g'), 'g');
    mountZ();
    const w = walkActing(d, { cross: [path.join(d, 'z')] }, '/a', () => execFileSync('umount', [mounted.pop()!]));
    expect(w.paths).toEqual([...before, '/z/under', '/z/under/g']);
    expect(w.warnings).toEqual([]);
  });
});
