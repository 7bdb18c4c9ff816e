import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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
});
