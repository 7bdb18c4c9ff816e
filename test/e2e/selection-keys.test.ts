/**
 * Burp's selection keys through the real cpsbackup and cpsbackupd: each
 * node.conf backs up, the backup is restored, and the restored tree must
 * hold exactly the files the rules keep (listed here by hand, from the
 * rules in OPERATIONS.md, "What a backup selects"), each as it was.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { type CliResult, runCli, snapshotTree, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

describe("Burp's selection keys", () => {
  const clients = ['paths', 'ext', 'nobackup', 'regex', 'posix', 'glob', 'globx', 'comp', 'dumpsel', 'refused'];
  const { root, pki, server } = useServer('selection-keys', { clients: Object.fromEntries(clients.map((c) => [c, []])) });
  let restores = 0;

  /** Makes files (content: the given text, or that many bytes) and directories (a trailing '/') under `dir`. */
  function make(dir: string, entries: Record<string, string | number>): void {
    const rnd = new SeededRandom(dir);
    for (const [p, what] of Object.entries(entries)) {
      const abs = path.join(dir, p);
      if (p.endsWith('/')) {
        fs.mkdirSync(abs, { recursive: true });
        continue;
      }
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, typeof what === 'number' ? rnd.bytes(what) : what);
    }
  }

  function conf(cname: string, include: string[], extra: string[]): string {
    return writeNodeConf(path.join(root, 'conf'), server, { cname, cert: pki.client(cname), include, extra });
  }

  async function backup(file: string): Promise<CliResult> {
    const e = await runCli(['-c', file, '-e', '--json']);
    expect({ code: e.code, stderr: e.stderr }).toEqual({ code: 0, stderr: '' });
    return e;
  }

  /** Restores the newest backup and checks that below `data` it holds exactly `expected` (relative paths), each as the source has it. */
  async function expectRestored(file: string, data: string, expected: string[]): Promise<void> {
    const target = path.join(root, `restore-${restores++}`);
    const i = await runCli(['-c', file, '-i', '--to', target]);
    expect(i.code).toBe(0);
    const got = snapshotTree(path.join(target, data));
    expect([...got.keys()].sort()).toEqual([...expected].sort());
    const source = snapshotTree(data);
    for (const p of expected) expect({ p, ...got.get(p) }).toEqual({ p, ...source.get(p) });
  }

  test('include / exclude: the longest path decides, an include below an exclude is backed up', async () => {
    const data = path.join(root, 'paths');
    make(data, { 'a/f': 'f', 'ben/keep/k': 'k', 'ben/keep/tmp/t': 't', 'ben/other/o': 'o', 'ben/b': 'b', 'bena/x': 'x', z: 'z' });
    const file = conf('paths', [data, `${data}/ben/keep`], [`exclude = ${data}/ben`, `exclude = ${data}/ben/keep/tmp`]);
    await backup(file);
    await expectRestored(file, data, ['a', 'a/f', 'ben', 'ben/keep', 'ben/keep/k', 'bena', 'bena/x', 'z']);
  });

  test('include_ext, exclude_ext, exclude_regex: case-insensitive extensions, directories kept for what they hold', async () => {
    const data = path.join(root, 'ext');
    make(data, {
      'docs/a.PDF': 'a',
      'docs/b.txt': 'b',
      'docs/old/c.pdf': 'c',
      'docs/deep/er/d.pdf': 'd',
      'empty/': 0,
      'x.pdf.iso': 'x',
      'img.ISO/e.pdf': 'e',
      'notes/n.txt': 'n',
    });
    fs.symlinkSync('docs/a.PDF', path.join(data, 'link.pdf'));
    fs.symlinkSync('docs/a.PDF', path.join(data, 'link'));
    const file = conf('ext', [data], ['include_ext = pdf', 'exclude_ext = iso', 'exclude_regex = /old/']);
    await backup(file);
    await expectRestored(file, data, ['docs', 'docs/a.PDF', 'docs/deep', 'docs/deep/er', 'docs/deep/er/d.pdf', 'link.pdf']);
  });

  test('nobackup, min_file_size, max_file_size (Burp size syntax)', async () => {
    const data = path.join(root, 'nobackup');
    make(data, {
      'cache/.nobackup': '',
      'cache/big': 5000,
      'cache/sub/x': 5000,
      'tmp/.exclude/': 0,
      'tmp/y': 5000,
      'keep/small': 1000,
      'keep/mid': 5000,
      'keep/edge': 10 * 1024,
      'keep/huge': 10 * 1024 + 1,
      'keep/sub/mid2': 2000,
    });
    fs.symlinkSync('small', path.join(data, 'keep/l'));
    const file = conf('nobackup', [data], ['nobackup = .nobackup', 'nobackup = .exclude', 'min_file_size = 1Kb', 'max_file_size = 10 KB']);
    await backup(file);
    await expectRestored(file, data, ['cache', 'tmp', 'keep', 'keep/mid', 'keep/edge', 'keep/l', 'keep/sub', 'keep/sub/mid2']);
  });

  test('include_regex: every path below the include must match, directories too', async () => {
    const data = path.join(root, 'regex');
    make(data, { 'a.txt': 'a', 'b.log': 'b', 'sub/c.txt': 'c', 'sub.txt/d.txt': 'd', 'sub.txt/e.log': 'e' });
    const file = conf('regex', [data], ['include_regex = \\.txt$']);
    await backup(file);
    await expectRestored(file, data, ['a.txt', 'sub.txt', 'sub.txt/d.txt']);
  });

  test('exclude_regex is POSIX extended, as Burp compiles it: a pattern that backtracks for ever elsewhere backs up, [[:digit:]] is a digit', async () => {
    const data = path.join(root, 'posix');
    const as = 'a'.repeat(34);
    make(data, {
      [`D/${as}!`]: 'kept: the pattern does not match it',
      [`D/${as}`]: 'matched',
      'app1.log': '1',
      'app.log': 'a',
      'd].log': 'd',
      'notes.txt': 'n',
    });
    // A backtracking engine spends 2^34 steps on D/aaa...a! before it says no; RE2 answers in one pass.
    const file = conf('posix', [data], [`exclude_regex = ^${data}/D/(a+)+$`, 'exclude_regex = [[:digit:]]\\.log$']);
    await backup(file);
    await expectRestored(file, data, ['D', `D/${as}!`, 'app.log', 'd].log', 'notes.txt']);
  });

  test("include_glob: a match that is exactly an exclude stays excluded (with a warning); a pattern ending in '/' matches directories only", async () => {
    const data = path.join(root, 'globx');
    make(data, { 'home/ann/Documents/a': 'a', 'home/bob/Documents/b': 'b', 'home/bob/c': 'c', 'home/notes.txt': 'n', 'srv/x/y': 'y', 'srv/file': 'f' });
    const file = conf('globx', [], [`include_glob = ${data}/home/*/Documents`, `exclude = ${data}/home/bob/Documents`, `include_glob = ${data}/srv/*/`]);
    const e = await runCli(['-c', file, '-e', '--json']);
    expect({ code: e.code, stderr: e.stderr }).toEqual({ code: 5, stderr: '' }); // done, with warnings
    expect(e.stdout).toContain(
      JSON.stringify(
        `include_glob = ${data}/home/*/Documents matches ${data}/home/bob/Documents, which exclude = ${data}/home/bob/Documents leaves out: it is not backed up (remove one of the two lines to silence this)`,
      ),
    );
    await expectRestored(file, data, ['home', 'home/ann', 'home/ann/Documents', 'home/ann/Documents/a', 'srv', 'srv/x', 'srv/x/y']);
  });

  test('include_glob is expanded at each backup: a directory made since the last one is backed up by the next', async () => {
    const data = path.join(root, 'glob');
    make(data, { 'home/u1/Documents/f': 'f', 'home/u2/Other/g': 'g', 'home/.hidden/Documents/h': 'h', 'home/u2/Documents.old/i': 'i' });
    const file = conf('glob', [], [`include_glob = ${data}/home/*/Documents`]);
    await backup(file);
    await expectRestored(file, data, ['home', 'home/u1', 'home/u1/Documents', 'home/u1/Documents/f']);
    make(data, { 'home/u3/Documents/n': 'n' });
    await backup(file);
    await expectRestored(file, data, ['home', 'home/u1', 'home/u1/Documents', 'home/u1/Documents/f', 'home/u3', 'home/u3/Documents', 'home/u3/Documents/n']);
  });

  test('exclude_comp: those files are stored uncompressed, restored whole, and still deduplicate', async () => {
    const data = path.join(root, 'comp');
    const rnd = new SeededRandom('comp');
    // Text: zstd makes it a fraction of its size, so what is stored tells compressed from not.
    const gz = rnd.text(600_000);
    const txt = rnd.text(600_000);
    make(data, { 'x.GZ': gz.toString('latin1'), 'y.txt': txt.toString('latin1') });
    const file = conf('comp', [data], ['exclude_comp = gz', 'exclude_comp = bz2']);
    const first = JSON.parse((await backup(file)).stdout).backup as { newBytes: number; storedBytes: number };
    expect(first.newBytes).toBeGreaterThanOrEqual(gz.length + txt.length);
    // x.GZ as it is (600 kB), y.txt compressed (well under its 600 kB).
    expect(first.storedBytes).toBeGreaterThanOrEqual(gz.length);
    expect(first.storedBytes).toBeLessThan(gz.length + txt.length / 2);
    // The same content in a file that is compressed: its chunks are the ones stored already.
    make(data, { 'copy.bin': gz.toString('latin1') });
    const second = JSON.parse((await backup(file)).stdout).backup as { newBytes: number; storedBytes: number };
    expect(second.newBytes).toBeLessThan(10_000);
    await expectRestored(file, data, ['x.GZ', 'y.txt', 'copy.bin']);
  });

  test('the dump directory is selected by include and exclude only: the selection keys never leave a dump out', async () => {
    const data = path.join(root, 'dumpsel');
    const dumps = path.join(root, 'dumpsel-dumps');
    const source = path.join(root, 'dumpsel-source');
    make(data, { 'a.pdf': 'a', 'b.txt': 'b', 'marked/.nobackup': '', 'marked/c.pdf': 'c' });
    const content = new SeededRandom('dump').bytes(50_000);
    fs.writeFileSync(source, content);
    const storage = path.join(root, 'dumpsel-storage.conf');
    // A job named to fail every key below: no .pdf, not matching the regex, over the size cap, a nobackup name beside it.
    fs.writeFileSync(storage, [`dump_directory = ${dumps}`, `dump = db: cat ${source} > {fifo}`].join('\n') + '\n');
    fs.mkdirSync(dumps, { recursive: true });
    fs.writeFileSync(path.join(dumps, '.nobackup'), '');
    const file = conf(
      'dumpsel',
      [data],
      ['include_ext = pdf', 'include_regex = \\.pdf$', 'max_file_size = 1Kb', 'nobackup = .nobackup', 'exclude_ext = dump', `storage_conf = ${storage}`],
    );
    await backup(file);
    await expectRestored(file, data, ['a.pdf']); // marked: not a .pdf, include_regex does not enter it
    const target = path.join(root, `restore-${restores - 1}`);
    expect(fs.readFileSync(path.join(target, dumps, 'db.dump')).equals(content)).toBe(true);
  });

  test('what Burp refuses, or would back up nothing, is a configuration error before any backup', async () => {
    const data = path.join(root, 'refused');
    make(data, { f: 'f' });
    const cases: Array<[string[], RegExp]> = [
      [[`include = ${data}`, `exclude = ${data}/`], /exclude: .* is both included and excluded: remove one of the two lines/],
      [[`include = ${data}`, 'include_ext = .txt'], /include_ext: expected an extension without its dot, e\.g\. include_ext = txt, got "\.txt"/],
      [
        [`include = ${data}`, 'exclude_ext = tar.gz'],
        /exclude_ext: "tar\.gz" would match no file: an extension is what follows the last dot of a name .*: write exclude_ext = gz/,
      ],
      [
        [`include = ${data}`, 'exclude_regex = (?<=/)tmp$'],
        /exclude_regex: "\(\?<=\/\)tmp\$" is not a regular expression cpsbackup can run \(POSIX extended.*lookbehind/,
      ],
      [[`include = ${data}`, 'include_regex ='], /include_regex: expected a regular expression, got nothing/],
      [[`include = ${data}`, 'exclude = tmp'], /exclude: expected an absolute path \(one that starts with \/\), got "tmp"/],
      [['include_regex = x'], /include_regex selects below an include: add at least one include or include_glob/],
      [[`include = ${data}`, 'min_file_size = 2M', 'max_file_size = 1M'], /min_file_size \(2097152 bytes\) is above max_file_size \(1048576 bytes\)/],
      [[`include = ${data}`, 'nobackup = a/b'], /nobackup takes a file name, e\.g\. \.nobackup, not a path/],
      [['include_glob = home/*'], /include_glob: expected an absolute pattern/],
      [[`include = ${data}`, 'max_file_size = 10 parsecs'], /max_file_size.*expected a size/],
    ];
    for (const [lines, message] of cases) {
      const r = await runCli(['-c', conf('refused', [], lines), '-e']);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(message) });
    }
  });
});
