import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { compareWalkOrder } from '@cpsbackup/format';
import { NO_RULES, type SelectionRules } from './selection';
import { walk, type WalkItem, type WalkOptions } from './walker';

/** The walk at and below `dir`, as paths relative to it ('' for dir itself, an include or on the way to one); with its warnings. */
function walked(dir: string, opts: Partial<WalkOptions>, rules: Partial<SelectionRules> = {}): { paths: string[]; items: WalkItem[]; warnings: string[] } {
  const warnings: string[] = [];
  const items = [...walk({ include: [dir], exclude: [], excludeRegex: [], onWarning: (m) => warnings.push(m), ...opts, rules: { ...NO_RULES, ...rules } })];
  const below = items.filter((i) => i.path.length >= dir.length && i.path.subarray(0, dir.length).equals(Buffer.from(dir)));
  return { paths: below.map((i) => i.path.subarray(dir.length).toString('latin1')), items, warnings };
}

/** Makes files (content: their path, or `size` bytes) and directories (ending in '/') under `dir`. */
function make(dir: string, entries: Record<string, number | string>): void {
  for (const [p, what] of Object.entries(entries)) {
    const abs = path.join(dir, p);
    if (p.endsWith('/')) {
      fs.mkdirSync(abs, { recursive: true });
      continue;
    }
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, typeof what === 'number' ? Buffer.alloc(what, 0x61) : what);
  }
}

/** In walk order, each path once, each one's directory before it. */
function expectWellFormed(items: WalkItem[]): void {
  for (let i = 1; i < items.length; i++) expect(compareWalkOrder(items[i - 1]!.path, items[i]!.path)).toBeLessThan(0);
  const dirs = new Set(items.filter((i) => i.kind === 'dir').map((i) => i.path.toString('latin1')));
  for (const it of items) {
    const parent = path.dirname(it.path.toString('latin1'));
    if (parent !== '/') expect(dirs.has(parent)).toBe(true);
  }
}

describe('walker with the selection keys', () => {
  let root: string;
  let n = 0;
  const fresh = (entries: Record<string, number | string>) => {
    const d = path.join(root, `t${n++}`);
    fs.mkdirSync(d);
    make(d, entries);
    return d;
  };
  beforeAll(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-sel-'))));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('an include below an exclude below an include is walked, in its place in walk order', () => {
    const d = fresh({ 'ben/keep/k': 1, 'ben/keep/sub/k2': 1, 'ben/drop': 1, 'ben/other/o': 1, 'bena/x': 1, 'a/y': 1, z: 1 });
    const { paths, items } = walked(d, { include: [d, `${d}/ben/keep`], exclude: [`${d}/ben`] });
    expect(paths).toEqual(['', '/a', '/a/y', '/ben', '/ben/keep', '/ben/keep/k', '/ben/keep/sub', '/ben/keep/sub/k2', '/bena', '/bena/x', '/z']);
    // The excluded directory on the way is kept as a directory on the way (its metadata), nothing else of it.
    expect(items.find((i) => i.path.toString() === `${d}/ben`)!.ancestor).toBe(true);
    expectWellFormed(items);
  });

  test("Burp's multi_includes: include, exclude, include, and includes below that one", () => {
    const d = fresh({ a: 1, b: 1, 'd/a/b/c/d/e/f': 1, 'd/a/b/x': 1, 'd/a/y': 1 });
    const { paths, items } = walked(d, { include: [`${d}/a`, `${d}/d`, `${d}/d/a/b/c`, `${d}/d/a/b/c/d`, `${d}/d/a/b/c/d/e`], exclude: [`${d}/d/a/b`] });
    expect(paths).toEqual(['', '/a', '/d', '/d/a', '/d/a/b', '/d/a/b/c', '/d/a/b/c/d', '/d/a/b/c/d/e', '/d/a/b/c/d/e/f', '/d/a/y']);
    expectWellFormed(items);
  });

  test('nested twice: exclude, include, exclude, include', () => {
    const d = fresh({ 'a/b/c/d/e/f': 1, 'a/b/c/d/g': 1, 'a/b/c/h': 1, 'a/b/i': 1, 'a/j': 1 });
    const { paths, items } = walked(d, { include: [`${d}/a`, `${d}/a/b/c`, `${d}/a/b/c/d/e`], exclude: [`${d}/a/b`, `${d}/a/b/c/d`] });
    expect(paths).toEqual(['', '/a', '/a/b', '/a/b/c', '/a/b/c/d', '/a/b/c/d/e', '/a/b/c/d/e/f', '/a/b/c/h', '/a/j']);
    expectWellFormed(items);
  });

  test('an include below an entry exclude_regex or exclude_ext leaves out is walked too; one below a nobackup directory is not', () => {
    const d = fresh({ 'cache.old/keep/k': 1, 'cache.old/x': 1, 'nb/.nobackup': '', 'nb/keep/k': 1, 'nb/y': 1, 'r/q': 1 });
    const { paths } = walked(
      d,
      { include: [d, `${d}/cache.old/keep`, `${d}/nb/keep`], excludeRegex: [/\/r$/] },
      { excludeExt: ['OLD'], nobackup: ['.nobackup'] },
    );
    expect(paths).toEqual(['', '/cache.old', '/cache.old/keep', '/cache.old/keep/k', '/nb']);
  });

  test('nobackup: the directory is kept, nothing below it; the include root itself too', () => {
    const d = fresh({ 'a/.nobackup': '', 'a/b/c': 1, 'a/x': 1, 'f/.exclude/': 0, 'f/y': 1, 'g/z': 1 });
    expect(walked(d, {}, { nobackup: ['.nobackup', '.exclude'] }).paths).toEqual(['', '/a', '/f', '/g', '/g/z']);
    make(d, { '.nobackup': '' });
    expect(walked(d, {}, { nobackup: ['.nobackup'] }).paths).toEqual(['']);
  });

  test('include_ext: only entries with the extension; a directory is kept only where something below it is', () => {
    const d = fresh({ 'a.c': 1, 'a.h': 1, b: 1, 'b.x': 1, 'c.C': 1, 'd/e.c': 1, 'd/f': 1, 'd/deep/g.c': 1, 'empty/': 0, 'none/x.h': 1, 'dir.c/x.h': 1 });
    fs.symlinkSync('a.c', path.join(d, 'link.c'));
    fs.symlinkSync('a.c', path.join(d, 'link'));
    const { paths, items } = walked(d, {}, { includeExt: ['c'] });
    expect(paths).toEqual(['', '/a.c', '/c.C', '/d', '/d/deep', '/d/deep/g.c', '/d/e.c', '/dir.c', '/link.c']);
    expectWellFormed(items);
  });

  test('exclude_ext leaves a directory out with what it holds', () => {
    const d = fresh({ 'a.c': 1, 'a.h': 1, b: 1, 'b.x': 1, 'c.c': 1, 'd.c/e': 1, f: 1 });
    expect(walked(d, {}, { excludeExt: ['c', 'H'] }).paths).toEqual(['', '/b', '/b.x', '/f']);
  });

  test('include_regex: every path below the include must match, a directory that does not is not entered', () => {
    const d = fresh({ a: 1, blah: 1, blahb: 1, haaa: 1, x: 1, 'dira/ba': 1, 'dira/bc': 1, 'dirb/za': 1 });
    expect(walked(d, {}, { includeRegex: [/a$/, /b$/] }).paths).toEqual(['', '/a', '/blahb', '/dira', '/dira/ba', '/dirb', '/dirb/za', '/haaa']);
  });

  test('min_file_size and max_file_size: regular files only, bounds kept', () => {
    const d = fresh({ s1: 1, s2: 2, s3: 3, s4: 4, 'dir/s2': 2 });
    fs.symlinkSync('s1', path.join(d, 'l'));
    expect(walked(d, {}, { minFileSize: 2, maxFileSize: 3 }).paths).toEqual(['', '/dir', '/dir/s2', '/l', '/s2', '/s3']);
    // An include that is a regular file outside the limits is left out too (as Burp).
    expect(walked(`${d}/s4`, {}, { maxFileSize: 3 }).paths).toEqual([]);
  });

  test('the dump directory (exempt) is kept whatever the selection keys say', () => {
    const d = fresh({ 'data/a.txt': 1, 'data/b.bin': 1, 'dumps/pg.dump': 5, 'dumps/.nobackup': '' });
    const { paths } = walked(
      d,
      { include: [`${d}/data`, `${d}/dumps`], exempt: [`${d}/dumps`] },
      { includeExt: ['txt'], nobackup: ['.nobackup'], maxFileSize: 2, excludeExt: ['dump'] },
    );
    expect(paths).toEqual(['', '/data', '/data/a.txt', '/dumps', '/dumps/.nobackup', '/dumps/pg.dump']);
  });

  test('random trees, includes and excludes: the files walked are those whose longest include or exclude is an include, in walk order', () => {
    const component = fc.constantFrom('a', 'b', 'ab');
    const rel = fc.array(component, { minLength: 1, maxLength: 4 }).map((c) => c.join('/'));
    fc.assert(
      fc.property(
        fc.uniqueArray(rel, { minLength: 1, maxLength: 12 }),
        fc.uniqueArray(fc.record({ p: rel, include: fc.boolean() }), { selector: (r) => r.p, maxLength: 5 }),
        fc.constantFrom('', 'ext'),
        (files, rules, ext) => {
          const d = path.join(root, `p${n++}`);
          fs.mkdirSync(d);
          // A path that is a prefix of another is a directory: files are the leaves, named with an extension or not.
          const leaves = files.filter((f) => !files.some((o) => o.startsWith(f + '/')));
          for (const f of leaves) make(d, { [`${f}.c`]: 1, [f]: 1 });
          const include = ['', ...rules.filter((r) => r.include).map((r) => r.p)].map((p) => (p ? `${d}/${p}` : d));
          const exclude = rules.filter((r) => !r.include).map((r) => `${d}/${r.p}`);
          fc.pre(!exclude.includes(d));
          const { items } = walked(d, { include, exclude }, ext ? { includeExt: ['c'] } : {});
          expectWellFormed(items);
          // The model: a file is kept when the longest rule above it (component-wise) is an include;
          // with include_ext, only if its name has the extension (an include below another is no exception: as Burp, only
          // the includes the walk starts from are).
          const above = (p: string, r: string) => p === r || p.startsWith(r + '/');
          const all = [...include.map((p) => ({ p, include: true })), ...exclude.map((p) => ({ p, include: false }))];
          const kept = (p: string) => all.filter((r) => above(p, r.p)).sort((x, y) => y.p.length - x.p.length)[0]?.include ?? false;
          const want = leaves
            .flatMap((f) => (ext ? [`${f}.c`] : [f, `${f}.c`]))
            .filter((f) => kept(`${d}/${f}`))
            .map((f) => `/${f}`)
            .sort();
          const files2 = items.filter((i) => i.kind === 'file').map((i) => i.path.subarray(d.length).toString());
          expect([...files2].sort()).toEqual(want);
          fs.rmSync(d, { recursive: true });
        },
      ),
      { numRuns: 300 },
    );
  });
});
