import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { compressionRule, expandGlob, extensionOf, globIncludes, globPartRegex, NO_RULES, Selection, type SelectionRules } from './selection';

/** Burp's is_subdir (src/pathcmp.c), as written there: how many components of `sub` `dir` covers, 0 when it is not above it. */
function burpIsSubdir(dir: string, sub: string): number {
  let count = 1;
  let s = 0;
  let d = 0;
  let sl = 0;
  let dl = 0;
  for (; s < sub.length && d < dir.length; s++, d++) {
    if (sub[s] !== dir[d]) break;
    sl = s;
    dl = d;
    if (sub[s] === '/') count++;
  }
  if (d === dir.length && s === sub.length) return count;
  if (d === dir.length && sub[s] === '/') return count;
  if (dir[dl] === '/' && sub[sl] === '/' && sl + 1 < sub.length && dl + 1 === dir.length) return count;
  return 0;
}

/** Burp's pathcmp: byte order with '/' below everything. */
function burpPathcmp(a: string, b: string): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    if (a[i] === '/') return -1;
    if (b[i] === '/') return 1;
    return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length;
}

/** Burp's file_is_included_no_incext, its include/exclude part: the sorted list, the last longest match wins. */
function burpIncluded(rules: Array<{ path: string; include: boolean }>, fname: string): boolean {
  const sorted = [...rules].sort((x, y) => burpPathcmp(x.path, y.path));
  let longest = 0;
  let best: { include: boolean } | undefined;
  for (const l of sorted) {
    const m = burpIsSubdir(l.path, fname);
    if (m >= longest) {
      longest = m;
      best = l;
    }
  }
  return best?.include ?? false;
}

const component = fc.constantFrom('a', 'b', 'ab', 'b.c');
const absPath = fc.array(component, { minLength: 1, maxLength: 4 }).map((c) => '/' + c.join('/'));

describe('selection: include and exclude paths', () => {
  test('the longest include or exclude above a path decides, as Burp decides it (its is_subdir and sorted list)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ path: absPath, include: fc.boolean() }), { selector: (r) => r.path, maxLength: 6 }), absPath, (rules, p) => {
        // A path under no rule is never met by the walk (it starts at includes).
        fc.pre(rules.some((r) => burpIsSubdir(r.path, p) > 0));
        const sel = new Selection({
          includes: rules.filter((r) => r.include).map((r) => r.path),
          excludes: rules.filter((r) => !r.include).map((r) => r.path),
          excludeRegex: [],
        });
        expect(sel.includedByPaths(Buffer.from(p))).toBe(burpIncluded(rules, p));
        expect(sel.excludedByPath(Buffer.from(p))).toBe(!burpIncluded(rules, p));
      }),
      { numRuns: 2000 },
    );
  });

  test("Burp's own cases (utest/client/test_find.c, file_is_included_no_incext)", () => {
    const sel = new Selection({ includes: ['/', '/tmp/some/sub/dir'], excludes: ['/blah', '/tmp'], excludeRegex: [] });
    const inc = (p: string) => sel.includedByPaths(Buffer.from(p));
    expect(inc('/blah2')).toBe(true);
    expect(inc('/blah2/blah3')).toBe(true);
    expect(inc('/tmp/some/sub/dir/1')).toBe(true);
    expect(inc('/tmp')).toBe(false);
    expect(inc('/tmp/blah')).toBe(false);
    expect(inc('/tmp/some/sub')).toBe(false);
  });

  test('an include root is left out only by an exclude rule; include_regex does not apply to it', () => {
    const rules: SelectionRules = { ...NO_RULES, includeRegex: [/\.txt$/], excludeExt: ['old'] };
    const sel = new Selection({ includes: ['/home', '/home/ben/keep', '/srv/x.old'], excludes: ['/home/ben'], excludeRegex: [/cache/] }, rules);
    expect(sel.rootExcluded(Buffer.from('/home'))).toBe(false);
    expect(sel.rootExcluded(Buffer.from('/home/ben/keep'))).toBe(false);
    expect(sel.rootExcluded(Buffer.from('/home/ben/other'))).toBe(true);
    expect(sel.rootExcluded(Buffer.from('/srv/x.old'))).toBe(true);
    expect(sel.excludedByPath(Buffer.from('/home/a.txt'))).toBe(false);
    expect(sel.excludedByPath(Buffer.from('/home/a.TXT'))).toBe(true); // a regular expression is case-sensitive
    expect(sel.excludedByPath(Buffer.from('/home/cache.txt'))).toBe(true);
    expect(sel.excludedByPath(Buffer.from('/home/ben/keep/b.txt'))).toBe(false);
    expect(sel.excludedByPath(Buffer.from('/home/ben/b.txt'))).toBe(true);
  });
});

describe('selection: extensions', () => {
  const name = fc.stringMatching(/^[A-Za-z0-9_-]{0,8}$/);
  const ext = fc.stringMatching(/^[A-Za-z0-9_-]{0,6}$/);

  test("a name's extension is what follows its last dot, ASCII letters folded; a dot in a directory's name does not count", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z.]{1,5}$/), { maxLength: 3 }), name, ext, (dirs, base, e) => {
        const p = ['', ...dirs, `${base}.${e}`].join('/');
        expect(extensionOf(Buffer.from(p))).toBe(e.toLowerCase());
        // No dot in the name: no extension, whatever the directories hold.
        expect(extensionOf(Buffer.from(['', ...dirs, base].join('/')))).toBeUndefined();
      }),
    );
    expect(extensionOf(Buffer.from('/x/.bashrc'))).toBe('bashrc'); // as Burp: the name after the dot
    expect(extensionOf(Buffer.from('/x/a.tar.gz'))).toBe('gz');
    expect(extensionOf(Buffer.from('/x/\xc9.\xc9', 'latin1'))).toBe('\xc9'); // only ASCII letters fold
  });

  test('include_ext keeps named entries of every kind, goes through directories, drops the rest; exclude_ext leaves directories out too', () => {
    const sel = new Selection({ includes: ['/d'], excludes: [], excludeRegex: [] }, { ...NO_RULES, includeExt: ['txt', 'C'], excludeExt: ['tmp'] });
    const v = (p: string, kind: string) => sel.afterStat(Buffer.from(p), kind, 10n);
    expect(v('/d/a.TXT', 'file')).toBe('keep');
    expect(v('/d/a.c', 'symlink')).toBe('keep');
    expect(v('/d/a', 'file')).toBe('drop');
    expect(v('/d/a.h', 'fifo')).toBe('drop');
    expect(v('/d/sub', 'dir')).toBe('through');
    expect(v('/d/sub.txt', 'dir')).toBe('keep');
    expect(sel.excludedByPath(Buffer.from('/d/x.TMP'))).toBe(true);
    expect(sel.excludedByPath(Buffer.from('/d/x.tmp.txt'))).toBe(false);
  });

  test('exclude_comp: files ending in the extensions are not compressed, case-insensitively', () => {
    const compressed = compressionRule(['gz', 'ZIP']);
    expect(compressed(Buffer.from('/a/b.GZ'))).toBe(false);
    expect(compressed(Buffer.from('/a/b.zip'))).toBe(false);
    expect(compressed(Buffer.from('/a/b.gz.txt'))).toBe(true);
    expect(compressed(Buffer.from('/a.gz/b'))).toBe(true);
    expect(compressionRule([])(Buffer.from('/a/b.gz'))).toBe(true);
  });
});

describe('selection: sizes, nobackup, exempt paths', () => {
  test('size limits apply to regular files only, 0 being no limit', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(1000), fc.nat(1100), fc.constantFrom('file', 'dir', 'symlink', 'fifo'), (a, b, size, kind) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        const sel = new Selection({ includes: ['/'], excludes: [], excludeRegex: [] }, { ...NO_RULES, minFileSize: min, maxFileSize: max });
        const inLimits = (min === 0 || size >= min) && (max === 0 || size <= max);
        expect(sel.afterStat(Buffer.from('/f'), kind, BigInt(size))).toBe(kind !== 'file' || inLimits ? 'keep' : 'drop');
      }),
    );
  });

  test('nobackup names, and the dump directory exempt from every selection key', () => {
    const rules: SelectionRules = { ...NO_RULES, nobackup: ['.nobackup', 'NOBACKUP'], includeExt: ['txt'], includeRegex: [/\.txt$/], maxFileSize: 1 };
    const sel = new Selection({ includes: ['/d', '/dumps'], excludes: [], excludeRegex: [], exempt: ['/dumps'] }, rules);
    expect(sel.isNobackupName(Buffer.from('.nobackup'), Buffer.from('/d/x'))).toBe(true);
    expect(sel.isNobackupName(Buffer.from('NOBACKUP'), Buffer.from('/d/x'))).toBe(true);
    expect(sel.isNobackupName(Buffer.from('nobackup'), Buffer.from('/d/x'))).toBe(false);
    expect(sel.isNobackupName(Buffer.from('.nobackup'), Buffer.from('/dumps'))).toBe(false);
    expect(sel.excludedByPath(Buffer.from('/dumps/pg.dump'))).toBe(false);
    expect(sel.afterStat(Buffer.from('/dumps/pg.dump'), 'file', 100n)).toBe('keep');
    expect(sel.afterStat(Buffer.from('/d/pg.dump'), 'file', 0n)).toBe('drop');
  });
});

describe('selection: include_glob', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-glob-'));
    for (const p of ['a/Documents/x', 'b/Documents/y', 'b/Other/z', '.hidden/Documents/w', 'c.d/e', 'ab/f', '[x]/g', 'a*b/h']) {
      fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      fs.writeFileSync(path.join(dir, p), p);
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** What bash's globbing (glob(3)'s rules: no dotglob, no match gives nothing) finds; a word without a wildcard comes back as it is, so only what exists counts. */
  function bashGlob(pattern: string): string[] {
    const r = spawnSync('bash', ['-c', 'shopt -s nullglob; for p in $1; do printf "%s\\n" "$p"; done', 'glob', pattern], { encoding: 'utf8' });
    return r.stdout
      .split('\n')
      .filter((p) => p && fs.lstatSync(p, { throwIfNoEntry: false }))
      .sort();
  }

  test('expands as the shell does: wildcards, sets, escapes, hidden names only with their dot', () => {
    for (const p of ['*/Documents', '*', '.*', '?/Documents/*', '[ab]/*', '[!a]*/*', 'a\\*b/*', '\\[x]/*', '*.d', 'nope/*', 'a/Documents/x']) {
      expect(expandGlob(`${dir}/${p}`)).toEqual(bashGlob(`${dir}/${p}`));
    }
  });

  test('random patterns over the tree give what bash gives', () => {
    const piece = fc.constantFrom('*', '?', 'a', 'b', '.', 'D', 'ocuments', '[ab]', '[!a]', '\\*', '[x]', 'c', 'd');
    const part = fc.array(piece, { minLength: 1, maxLength: 4 }).map((x) => x.join(''));
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 3 }), (parts) => {
        const pattern = `${dir}/${parts.join('/')}`;
        expect(expandGlob(pattern)).toEqual(bashGlob(pattern));
      }),
      { numRuns: 150 },
    );
  });

  test("a pattern ending in '/' matches directories only, a link to one too, as the shell (glob(3)) does", () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-globdir-'));
    try {
      for (const p of ['home/ann/x', 'home/bob/y']) {
        fs.mkdirSync(path.dirname(path.join(d, p)), { recursive: true });
        fs.writeFileSync(path.join(d, p), p);
      }
      fs.writeFileSync(path.join(d, 'home/notes.txt'), 'a file');
      fs.symlinkSync('ann', path.join(d, 'home/toann'));
      fs.symlinkSync('notes.txt', path.join(d, 'home/tonotes'));
      fs.symlinkSync('missing', path.join(d, 'home/dangling'));
      const strip = (ps: string[]) => ps.map((p) => p.replace(/\/+$/, ''));
      for (const p of ['home/*/', 'home/*/x', 'home/*', 'home/[ab]*/', '*/']) expect(strip(expandGlob(`${d}/${p}`))).toEqual(strip(bashGlob(`${d}/${p}`)));
      expect(expandGlob(`${d}/home/*/`)).toEqual([`${d}/home/ann`, `${d}/home/bob`, `${d}/home/toann`]);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  test('a match that is exactly an exclude path is left out, with a warning naming both lines', () => {
    const warnings: string[] = [];
    const found = globIncludes([`${dir}/*/Documents`, `${dir}/b/*`], [`${dir}/b/Documents/`, `${dir}/a`], (m) => warnings.push(m));
    expect(found).toEqual([`${dir}/a/Documents`, `${dir}/b/Other`]);
    expect(warnings).toEqual([
      `include_glob = ${dir}/*/Documents matches ${dir}/b/Documents, which exclude = ${dir}/b/Documents/ leaves out: it is not backed up (remove one of the two lines to silence this)`,
      `include_glob = ${dir}/b/* matches ${dir}/b/Documents, which exclude = ${dir}/b/Documents/ leaves out: it is not backed up (remove one of the two lines to silence this)`,
    ]);
  });

  test('a component pattern made of a name with every character quoted matches that name only', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[^/\0]{1,12}$/), fc.stringMatching(/^[^/\0]{1,12}$/), (name, other) => {
        const quoted = [...name].map((c) => '\\' + c).join('');
        expect(globPartRegex(quoted).test(name)).toBe(true);
        expect(globPartRegex(quoted).test(other)).toBe(other === name);
      }),
    );
  });
});
