import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { compareWalkOrder } from '@cpsbackup/format';
import { walk } from './walker';

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
    const out = [...walk({ include: [dir], exclude: [], excludeRegex: [], onWarning: (m) => warnings.push(m), ...opts })].map((i) =>
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
    const items = [...walk({ include: [`${dir}/nope`, `${dir}/a`, `${dir}/a/deep`], exclude: [], excludeRegex: [], onWarning: (m) => warnings.push(m) })];
    expect(items.map((i) => i.path.toString().slice(dir.length))).toEqual(['/a', '/a/deep', '/a/deep/er', '/a/deep/er/file', '/a/skip', '/a/skip/me']);
    expect(warnings).toEqual([`include ${dir}/nope cannot be read: ENOENT`]);
  });

  test('each include root is reported: what could not be read, and how many paths lay below the others', () => {
    fs.mkdirSync(path.join(dir, 'empty'), { recursive: true });
    const roots: Array<{ path: string; problem?: string; below: number; kind?: string }> = [];
    const warnings: string[] = [];
    const items = [
      ...walk({
        include: [`${dir}/nope`, `${dir}/a`, `${dir}/empty`, `${dir}/c`],
        exclude: [],
        excludeRegex: [],
        onWarning: (m) => warnings.push(m),
        onRoot: (r) => roots.push({ ...r, path: r.path.toString().slice(dir.length) }),
      }),
    ];
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
    const walked = (include: string[]): Buffer[] => [...walk({ include, exclude: [], excludeRegex: [], onWarning: () => undefined })].map((i) => i.path);
    const all = walked([root]);
    expect(all.map((p) => p.subarray(root.length).toString())).toEqual(['', '/a', '/a/b', '/a b', '/a b/c', '/a-c', '/a-c/d', '/a.b', '/ab']);
    expect([...all].sort(compareWalkOrder)).toEqual(all);
    // Includes given in any order come out in the same order as one walk over their parent.
    const parts = walked([`${root}/ab`, `${root}/a-c`, `${root}/a`]);
    expect(parts).toEqual(all.filter((p) => /\/(a|a-c|ab)(\/|$)/.test(p.subarray(root.length).toString())));
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
