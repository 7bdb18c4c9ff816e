import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { compareWalkOrder } from '@cpsbackup/format';
import { mkdirAt, openAt } from '@cpsbackup/syscalls';
import { NO_RULES, type SelectionRules } from './selection';
import { walk, type WalkItem } from './walker';

/** The items of a walk below its include roots (not the directories on the way to them). */
function included(items: Iterable<WalkItem>): WalkItem[] {
  return [...items].filter((i) => !i.ancestor);
}

describe('walker', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-walk-'));
    for (const p of ['b/x.swp', 'b/y', 'a/deep/er/file', 'a/skip/me', 'c']) {
      fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      fs.writeFileSync(path.join(dir, p), p);
    }
    fs.writeFileSync(Buffer.from(`${dir}/b/\xe9t\xe9`, 'latin1'), 'latin1 name');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function paths(opts: Partial<Parameters<typeof walk>[0]>): string[] {
    const warnings: string[] = [];
    const out = included(walk({ include: [dir], exclude: [], excludeRegex: [], onWarning: (m) => warnings.push(m), ...opts })).map((i) =>
      i.path.subarray(dir.length).toString('latin1'),
    );
    expect(warnings).toEqual([]); // everything here is readable
    return out;
  }

  test('depth-first, directory before contents, names in byte order, raw bytes kept', () => {
    expect(paths({})).toEqual(['', '/a', '/a/deep', '/a/deep/er', '/a/deep/er/file', '/a/skip', '/a/skip/me', '/b', '/b/x.swp', '/b/y', '/b/\xe9t\xe9', '/c']);
  });

  test('exclude (component-wise) and exclude_regex', () => {
    expect(paths({ exclude: [`${dir}/a/skip`, `${dir}/b/y`], excludeRegex: [/\.swp$/] })).toEqual([
      '',
      '/a',
      '/a/deep',
      '/a/deep/er',
      '/a/deep/er/file',
      '/b',
      '/b/\xe9t\xe9',
      '/c',
    ]);
  });

  test('a missing include is a warning, not a failure; nested includes are walked once', () => {
    const warnings: string[] = [];
    const items = included(walk({ include: [`${dir}/nope`, `${dir}/a`, `${dir}/a/deep`], exclude: [], excludeRegex: [], onWarning: (m) => warnings.push(m) }));
    expect(items.map((i) => i.path.toString().slice(dir.length))).toEqual(['/a', '/a/deep', '/a/deep/er', '/a/deep/er/file', '/a/skip', '/a/skip/me']);
    expect(warnings).toEqual([`include ${dir}/nope cannot be read: ENOENT`]);
  });

  test('each include root is reported: what could not be read, and how many paths lay below the others', () => {
    fs.mkdirSync(path.join(dir, 'empty'), { recursive: true });
    const roots: Array<{ path: string; problem?: string; below: number; kind?: string }> = [];
    const warnings: string[] = [];
    const items = included(
      walk({
        include: [`${dir}/nope`, `${dir}/a`, `${dir}/empty`, `${dir}/c`],
        exclude: [],
        excludeRegex: [],
        onWarning: (m) => warnings.push(m),
        onRoot: (r) => roots.push({ ...r, path: r.path.toString().slice(dir.length) }),
      }),
    );
    expect(items).toHaveLength(6 + 1 + 1);
    expect(roots).toEqual([
      { path: '/a', below: 5, kind: 'dir', problem: undefined },
      { path: '/c', below: 0, kind: 'file', problem: undefined },
      { path: '/empty', below: 0, kind: 'dir', problem: undefined },
      { path: '/nope', below: 0, problem: 'ENOENT' },
    ]);
    expect(warnings).toEqual([]); // with onRoot, a missing root is reported there, not as a warning
  });

  test('walks in compareWalkOrder, also where plain byte order differs ("a/b" before "a-c"), across includes too', () => {
    const root = path.join(dir, 'order');
    for (const p of ['a/b', 'a-c/d', 'a.b', 'a b/c', 'ab']) {
      fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
      fs.writeFileSync(path.join(root, p), p);
    }
    const walked = (include: string[]): Buffer[] => included(walk({ include, exclude: [], excludeRegex: [], onWarning: () => undefined })).map((i) => i.path);
    const all = walked([root]);
    expect(all.map((p) => p.subarray(root.length).toString())).toEqual(['', '/a', '/a/b', '/a b', '/a b/c', '/a-c', '/a-c/d', '/a.b', '/ab']);
    expect([...all].sort(compareWalkOrder)).toEqual(all);
    // Includes given in any order come out in the same order as one walk over their parent.
    const parts = walked([`${root}/ab`, `${root}/a-c`, `${root}/a`]);
    expect(parts).toEqual(all.filter((p) => /\/(a|a-c|ab)(\/|$)/.test(p.subarray(root.length).toString())));
  });
});

describe('walker: the way to each include, links, depth', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-walk2-'));
  });
  // rm -rf: the deep tree is past what one path can name (fs.rmSync fails on it).
  afterAll(() => spawnSync('rm', ['-rf', dir]));

  test('the directories on the way to an include come first, once, with their own metadata', () => {
    fs.mkdirSync(path.join(dir, 'opt/canopsis/etc'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'opt/other'), { recursive: true });
    fs.chmodSync(path.join(dir, 'opt'), 0o751);
    fs.chmodSync(path.join(dir, 'opt/canopsis'), 0o705);
    fs.writeFileSync(path.join(dir, 'opt/canopsis/etc/conf'), 'x');
    const items = [...walk({ include: [`${dir}/opt/other`, `${dir}/opt/canopsis/etc`], exclude: [], excludeRegex: [], onWarning: () => undefined })];
    const ancestors = items.filter((i) => i.ancestor);
    const expected = ['/opt', '/opt/canopsis', '/opt/other'].map((p) => dir + p);
    // Every directory from "/" down (the test's own directory's parents too), each once, in walk order before what is below it.
    const onTheWay = dir
      .split('/')
      .slice(1)
      .map((_, k, parts) => '/' + parts.slice(0, k + 1).join('/'));
    expect(ancestors.map((i) => i.path.toString())).toEqual([...onTheWay, dir + '/opt', dir + '/opt/canopsis']);
    expect(items.map((i) => i.path)).toEqual([...items.map((i) => i.path)].sort(compareWalkOrder));
    expect(items.filter((i) => !i.ancestor).map((i) => i.path.toString())).toEqual([expected[1] + '/etc', expected[1] + '/etc/conf', expected[2]]);
    const mode = (p: string) => Number(items.find((i) => i.path.toString() === p)!.stat.mode & 0o7777n);
    expect([mode(dir + '/opt'), mode(dir + '/opt/canopsis')]).toEqual([0o751, 0o705]);
  });

  test('an include that is a symbolic link to a directory: its data is walked where it lies, the link recorded, and a warning says so', () => {
    fs.mkdirSync(path.join(dir, 'srv/app/sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'srv/app/sub/data'), 'data');
    fs.writeFileSync(path.join(dir, 'srv/app/cache'), 'cache');
    fs.mkdirSync(path.join(dir, 'links'));
    fs.symlinkSync(path.join(dir, 'srv/app'), path.join(dir, 'links/app'));
    const warnings: string[] = [];
    const items = [...walk({ include: [`${dir}/links/app`], exclude: [`${dir}/links/app/cache`], excludeRegex: [], onWarning: (m) => warnings.push(m) })];
    const got = items.filter((i) => !i.ancestor).map((i) => [i.path.toString().slice(dir.length), i.kind, i.linkTarget?.toString()]);
    expect(got).toEqual([
      ['/links/app', 'symlink', path.join(dir, 'srv/app')],
      ['/srv/app', 'dir', undefined],
      ['/srv/app/sub', 'dir', undefined],
      ['/srv/app/sub/data', 'file', undefined],
    ]);
    expect(warnings).toEqual([`include ${dir}/links/app goes through a symbolic link (${dir}/links/app): backed up ${dir}/srv/app and the link`]);
  });

  test('a chain of links on the way to an include: each link is recorded; exclude_regex written for the include as written applies', () => {
    const base = path.join(dir, 'chain');
    fs.mkdirSync(path.join(base, 'real', 'chained', 'data'), { recursive: true });
    fs.mkdirSync(path.join(base, 'real', 'chained', 'cache'));
    fs.writeFileSync(path.join(base, 'real', 'chained', 'data', 'f'), 'f');
    fs.writeFileSync(path.join(base, 'real', 'chained', 'cache', 'c'), 'c');
    fs.mkdirSync(path.join(base, 'opt'));
    fs.symlinkSync('chain2', path.join(base, 'opt', 'chain1'));
    fs.symlinkSync('../real/chained', path.join(base, 'opt', 'chain2'));
    const warnings: string[] = [];
    const written = `${base}/opt/chain1`;
    const items = included(walk({ include: [written], exclude: [], excludeRegex: [new RegExp(`^${written}/cache`)], onWarning: (m) => warnings.push(m) }));
    expect(items.map((i) => [i.path.toString().slice(base.length), i.kind, i.linkTarget?.toString()])).toEqual([
      ['/opt/chain1', 'symlink', 'chain2'],
      ['/opt/chain2', 'symlink', '../real/chained'],
      ['/real/chained', 'dir', undefined],
      ['/real/chained/data', 'dir', undefined],
      ['/real/chained/data/f', 'file', undefined],
    ]);
    expect(warnings).toEqual([
      `include ${written} goes through a symbolic link (${written}, ${base}/opt/chain2): backed up ${base}/real/chained and the links`,
    ]);
  });

  test('a path longer than an entry may be (64 KiB) is left out with what is below it, and said; the rest is walked', () => {
    const root = path.join(dir, 'long');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'short'), 's');
    const name = Buffer.from('n'.repeat(250));
    let cur = fs.openSync(root, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    for (let i = 0; i < 270; i++) {
      mkdirAt(cur, name, 0o755);
      const next = openAt(cur, name, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
      fs.closeSync(cur);
      cur = next;
    }
    fs.closeSync(cur);
    const warnings: string[] = [];
    const items = included(walk({ include: [root], exclude: [], excludeRegex: [], onWarning: (m) => warnings.push(m) }));
    expect(items.every((i) => i.path.length <= 64 * 1024)).toBe(true);
    expect(items.some((i) => i.path.toString().endsWith('/short'))).toBe(true);
    expect(items.length).toBe(2 + Math.floor((64 * 1024 - root.length) / 251));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^\/.*… \(a path of \d+ bytes\) not backed up: paths longer than 65536 bytes are not kept$/);
  });

  test('a directory swapped for a symbolic link is not followed', () => {
    const root = path.join(dir, 'swap');
    fs.mkdirSync(path.join(root, 'd'), { recursive: true });
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-walk-outside-'));
    fs.writeFileSync(path.join(outside, 'secret'), 'secret');
    const warnings: string[] = [];
    const seen: string[] = [];
    for (const item of walk({ include: [root], exclude: [], excludeRegex: [], onWarning: (m) => warnings.push(m) })) {
      seen.push(item.path.toString());
      // Between the lstat that said "directory" and its listing: swapped for a link.
      if (item.path.toString() === path.join(root, 'd')) {
        fs.rmdirSync(path.join(root, 'd'));
        fs.symlinkSync(outside, path.join(root, 'd'));
      }
    }
    expect(seen.some((p) => p.includes('secret'))).toBe(false);
    expect(warnings).toEqual([`directory ${root}/d cannot be listed: it was replaced by a symbolic link (not followed)`]);
    fs.rmSync(outside, { recursive: true });
  });

  test('any depth: a tree 3,000 levels deep (paths far past PATH_MAX) is walked whole', () => {
    const root = path.join(dir, 'deep');
    fs.mkdirSync(root);
    // Made through descriptors, one level at a time: no path is ever longer than one name.
    const depth = 3000;
    let cur = fs.openSync(root, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    for (let i = 0; i < depth; i++) {
      mkdirAt(cur, Buffer.from('dd'), 0o755);
      const next = openAt(cur, Buffer.from('dd'), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
      fs.closeSync(cur);
      cur = next;
    }
    const leafFd = openAt(cur, Buffer.from('leaf'), fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644);
    fs.writeSync(leafFd, 'leaf\n');
    fs.closeSync(leafFd);
    fs.closeSync(cur);
    const warnings: string[] = [];
    const items = included(walk({ include: [root], exclude: [], excludeRegex: [], onWarning: (m) => warnings.push(m) }));
    expect(warnings).toEqual([]);
    expect(items).toHaveLength(depth + 2);
    const leaf = items[items.length - 1]!;
    expect(leaf.kind).toBe('file');
    expect(leaf.path.length).toBe(root.length + depth * 3 + '/leaf'.length);
    expect(leaf.stat.size).toBe(5n);
  });
});

describe('compareWalkOrder', () => {
  const component = fc.uint8Array({ minLength: 1, maxLength: 4 }).map((b) => Buffer.from(b.map((x) => (x === 0x2f || x === 0 ? 0x61 : x))));
  const pathOf = fc.array(component, { minLength: 1, maxLength: 4 }).map((cs) => Buffer.concat(cs.flatMap((c) => [Buffer.from('/'), c])));

  test('is component-by-component byte order, a directory before what is under it', () => {
    const byComponents = (a: Buffer, b: Buffer): number => {
      const split = (p: Buffer): Buffer[] =>
        p
          .toString('latin1')
          .split('/')
          .map((s) => Buffer.from(s, 'latin1'));
      const [x, y] = [split(a), split(b)];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = Buffer.compare(x[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    };
    fc.assert(
      fc.property(pathOf, pathOf, (a, b) => {
        expect(Math.sign(compareWalkOrder(a, b))).toBe(Math.sign(byComponents(a, b)));
      }),
    );
  });
});

/**
 * Links on the way to an include that a user owns are not followed (they
 * could point them anywhere): the link is backed up as a link. Root's own
 * links are followed (the tests above). lchown needs root.
 */
(process.getuid?.() === 0 ? describe : describe.skip)('walker: whose links an include follows', () => {
  let d: string;
  const USER = 1000;
  beforeEach(() => {
    d = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-walklink-'));
    fs.mkdirSync(path.join(d, 'secret/data'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(d, 'secret/key'), 'root only');
    fs.writeFileSync(path.join(d, 'secret/data/f'), 'root only');
    for (const u of ['mallory', 'bob']) {
      fs.mkdirSync(path.join(d, 'home', u), { recursive: true });
      fs.chownSync(path.join(d, 'home', u), USER, USER);
    }
    fs.writeFileSync(path.join(d, 'home/bob/notes'), 'notes');
  });
  afterEach(() => fs.rmSync(d, { recursive: true, force: true }));

  /** A symbolic link at `at` (relative) to `to`, owned by `uid`. */
  function link(to: string, at: string, uid: number): void {
    fs.symlinkSync(to, path.join(d, at));
    fs.lchownSync(path.join(d, at), uid, uid);
  }
  function walked(include: string[], opts: { exclude?: string[]; rules?: SelectionRules } = {}) {
    const warnings: string[] = [];
    const items = included(
      walk({
        include: include.map((p) => d + p),
        exclude: (opts.exclude ?? []).map((p) => d + p),
        excludeRegex: [],
        rules: opts.rules,
        onWarning: (m) => warnings.push(m.split(d).join('D')),
      }),
    );
    return { items: items.map((i) => [i.path.toString().slice(d.length), i.kind, i.linkTarget?.toString()]), warnings };
  }
  const notFollowed = (include: string, l: string, to: string) =>
    `include D${include} goes through a symbolic link D${l} owned by uid ${USER}, not by root: not followed (its owner can point it anywhere), ` +
    `only the link is backed up; to back up what it leads to, include = D${to}`;

  test("an include that is a user's link (include_glob = /home/*/Documents): the link is backed up, not what it leads to", () => {
    link(path.join(d, 'secret'), 'home/mallory/Documents', USER);
    const w = walked(['/home/mallory/Documents']);
    expect(w.items).toEqual([['/home/mallory/Documents', 'symlink', path.join(d, 'secret')]]);
    expect(w.warnings).toEqual([notFollowed('/home/mallory/Documents', '/home/mallory/Documents', '/secret')]);
  });

  test('a component of an include replaced by a user with a link, or a user link further along a chain of root links: not followed', () => {
    link(path.join(d, 'secret'), 'home/bob/keep', USER);
    const w = walked(['/home/bob/keep/data']);
    expect(w.items).toEqual([['/home/bob/keep', 'symlink', path.join(d, 'secret')]]);
    expect(w.warnings).toEqual([notFollowed('/home/bob/keep/data', '/home/bob/keep', '/secret/data')]);
    // Root's link to a directory where the user put their own link: the first is followed and recorded, the second only recorded.
    fs.mkdirSync(path.join(d, 'opt'));
    link(path.join(d, 'home/bob'), 'opt/bob', 0);
    const chain = walked(['/opt/bob/keep']);
    expect(chain.items).toEqual([
      ['/home/bob/keep', 'symlink', path.join(d, 'secret')],
      ['/opt/bob', 'symlink', path.join(d, 'home/bob')],
    ]);
    expect(chain.warnings).toEqual([notFollowed('/opt/bob/keep', '/home/bob/keep', '/secret')]);
  });

  test('a link included below an exclude (include /home, exclude /home/bob, include /home/bob/keep) is recorded with its target, as the warning says', () => {
    fs.mkdirSync(path.join(d, 'data/kept'), { recursive: true });
    fs.writeFileSync(path.join(d, 'data/kept/f'), 'kept');
    link(path.join(d, 'data/kept'), 'home/bob/keep', 0);
    const w = walked(['/home', '/home/bob/keep'], { exclude: ['/home/bob'] });
    expect(w.items).toEqual([
      ['/data/kept', 'dir', undefined],
      ['/data/kept/f', 'file', undefined],
      ['/home', 'dir', undefined],
      ['/home/bob/keep', 'symlink', path.join(d, 'data/kept')],
      ['/home/mallory', 'dir', undefined],
    ]);
    expect(w.warnings).toEqual(['include D/home/bob/keep goes through a symbolic link (D/home/bob/keep): backed up D/data/kept and the link']);
    // Left out by exclude_ext: the warning says what the backup holds.
    link(path.join(d, 'data/kept'), 'home/bob/keep.lnk', 0);
    const x = walked(['/home', '/home/bob/keep.lnk'], { exclude: ['/home/bob'], rules: { ...NO_RULES, excludeExt: ['lnk'] } });
    expect(x.items.map((i) => i[0])).toEqual(['/data/kept', '/data/kept/f', '/home', '/home/mallory']);
    expect(x.warnings).toEqual([
      'include D/home/bob/keep.lnk goes through a symbolic link (D/home/bob/keep.lnk): backed up D/data/kept; left out by the exclude rules: D/home/bob/keep.lnk',
    ]);
  });
});
