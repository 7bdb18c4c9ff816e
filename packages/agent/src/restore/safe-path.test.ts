import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EntryType, type FileEntry } from '@cpsbackup/format';
import { pathUnder, relativeOf } from './safe-path';
import { type FileContent, TreeWriter } from './tree-writer';

function entry(p: Buffer | string, type: FileEntry['type'] = EntryType.File, size = 0): FileEntry {
  return {
    path: Buffer.isBuffer(p) ? p : Buffer.from(p),
    type,
    mode: 0o644,
    uid: 0,
    gid: 0,
    user: '',
    group: '',
    size,
    mtimeNs: 1_600_000_000_000_000_000n,
    ctimeNs: 0n,
    inode: 0n,
    dev: 0n,
    rdev: 0n,
    linkTarget: Buffer.alloc(0),
    hardlinkGroup: 0,
    chunks: [],
    xattrs: [],
  };
}

function content(...parts: string[]): FileContent {
  const pieces = parts.map((p) => Buffer.from(p));
  return { next: () => pieces.shift() };
}

describe('restore never writes outside its target', () => {
  let dir: string;
  let target: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-safe-'));
    target = path.join(dir, 'target');
    fs.mkdirSync(target);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('stored paths as paths relative to the target', () => {
    expect(relativeOf(Buffer.from('/etc/passwd')).toString()).toBe('etc/passwd');
    expect(relativeOf(Buffer.from('//a///b/')).toString()).toBe('a/b');
    expect(relativeOf(Buffer.from('/')).toString()).toBe('');
  });

  test('absolute paths land under the target', () => {
    expect(pathUnder(target, Buffer.from('/etc/passwd')).toString()).toBe(`${target}/etc/passwd`);
    expect(pathUnder(target, Buffer.from('//a///b/')).toString()).toBe(`${target}/a/b`);
    expect(pathUnder('/', Buffer.from('/etc/x')).toString()).toBe('/etc/x');
  });

  test.each(['../escape', '/a/../../escape', 'a/./b', '/..', 'x/..'])('%s is refused', (p) => {
    expect(() => pathUnder(target, Buffer.from(p))).toThrow(/"\." or "\.\." components/);
  });

  test('NUL bytes and empty paths are refused', () => {
    expect(() => pathUnder(target, Buffer.from('a\0b'))).toThrow(/NUL/);
    expect(() => pathUnder(target, Buffer.alloc(0))).toThrow(/empty/);
  });

  test('a symlinked parent inside the target is refused, nothing is written through it', async () => {
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, path.join(target, 'evil'));
    const w = new TreeWriter(target, { overwrite: true, fifoAsFile: () => false });
    // That one entry is skipped with a warning; the rest of the restore goes on.
    expect(await w.write(entry('/evil/file', EntryType.File, 5), content('pwned'))).toBe('skipped');
    expect(await w.write(entry('/fine', EntryType.File, 2), content('ok'))).toBe('written');
    await w.finish();
    expect(w.warnings).toEqual([`/evil/file: not restored (refusing to restore through /evil: it is a symbolic link or not a directory)`]);
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(fs.readFileSync(path.join(target, 'fine'), 'utf8')).toBe('ok');
  });

  test('thousands of entries refused on their way by one directory are told in a few lines', async () => {
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, path.join(target, 'evil'));
    const w = new TreeWriter(target, { overwrite: true, fifoAsFile: () => false });
    for (let i = 0; i < 2000; i++) expect(await w.write(entry(`/evil/f${i}`, EntryType.File, 1), content('x'))).toBe('skipped');
    await w.finish();
    const why = 'refusing to restore through /evil: it is a symbolic link or not a directory';
    expect(w.warnings).toEqual([0, 1, 2, 3, 4].map((i) => `/evil/f${i}: not restored (${why})`).concat(`1995 more entries not restored (${why})`));
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  test('a directory swapped for a link before its metadata is applied is said to be replaced, nothing is changed through it', async () => {
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(outside, { mode: 0o755 });
    fs.chmodSync(outside, 0o755);
    const w = new TreeWriter(target, { overwrite: true, fifoAsFile: () => false });
    expect(await w.write({ ...entry('/d', EntryType.Directory), mode: 0o700 }, content())).toBe('written');
    fs.renameSync(path.join(target, 'd'), path.join(target, 'd-moved'));
    fs.symlinkSync(outside, path.join(target, 'd'));
    await w.finish();
    expect(w.warnings).toHaveLength(1);
    expect(w.warnings[0]).toMatch(/^\/d: replaced by a symbolic link or a file while it was being restored \((ELOOP|ENOTDIR)\)/);
    expect(fs.statSync(outside).mode & 0o7777).toBe(0o755);
  });

  test('paths with .. from a hostile server are skipped with a warning, never followed', async () => {
    const w = new TreeWriter(target, { overwrite: true, fifoAsFile: () => false });
    expect(await w.write(entry('/../escape'), content('pwned'))).toBe('skipped');
    await w.finish();
    expect(w.warnings[0]).toMatch(/^\/\.\.\/escape: not restored \(refusing stored path .* "\." or "\.\." components\)$/);
    expect(fs.existsSync(path.join(dir, 'escape'))).toBe(false);
  });

  test('a stored "/" leaves the directory restored into as it was', async () => {
    fs.chmodSync(target, 0o750);
    const w = new TreeWriter(target, { overwrite: true, fifoAsFile: () => false });
    const rootEntry = entry('/', EntryType.Directory);
    rootEntry.mode = 0o777;
    await w.write(rootEntry, content());
    await w.write(entry('/f', EntryType.File, 1), content('x'));
    await w.finish();
    expect(fs.statSync(target).mode & 0o777).toBe(0o750);
  });

  test('a directory and a symlink swapped between backup and restore: skipped with warnings, no stack trace', async () => {
    fs.mkdirSync(path.join(target, 'was-dir'));
    fs.symlinkSync('/nonexistent', path.join(target, 'was-link'));
    const w = new TreeWriter(target, { overwrite: false, fifoAsFile: () => false });
    const link = entry('/was-dir', EntryType.Symlink);
    link.linkTarget = Buffer.from('/etc');
    expect(await w.write(link, content())).toBe('skipped');
    expect(await w.write(entry('/was-link', EntryType.Directory), content())).toBe('skipped');
    expect(await w.write(entry('/was-link/inside'), content('x'))).toBe('skipped');
    // The same path twice in one manifest: the second is skipped.
    const twice = entry('/dup', EntryType.Symlink);
    twice.linkTarget = Buffer.from('a');
    expect(await w.write(entry('/dup', EntryType.Directory), content())).toBe('written');
    expect(await w.write(twice, content())).toBe('skipped');
    await w.finish();
    expect(w.warnings).toHaveLength(4);
    expect(fs.lstatSync(path.join(target, 'was-link')).isSymbolicLink()).toBe(true);
  });

  test('a manifest that plants a symlink and then writes through it cannot escape', async () => {
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(outside);
    const w = new TreeWriter(target, { overwrite: true, fifoAsFile: () => false });
    const link = entry('/sub', EntryType.Symlink);
    link.linkTarget = Buffer.from(outside);
    await w.write(link, content());
    expect(await w.write(entry('/sub/passwd', EntryType.File, 5), content('pwned'))).toBe('skipped');
    expect(fs.readdirSync(outside)).toEqual([]);
    // Overwriting the symlink itself replaces the link, never the file it points to.
    fs.writeFileSync(path.join(outside, 'victim'), 'safe');
    fs.symlinkSync(path.join(outside, 'victim'), path.join(target, 'victim'));
    await w.write(entry('/victim', EntryType.File, 8), content('replaced'));
    await w.finish();
    expect(fs.readFileSync(path.join(outside, 'victim'), 'utf8')).toBe('safe');
    expect(fs.lstatSync(path.join(target, 'victim')).isFile()).toBe(true);
  });

  test('a file whose content does not add up to its entry is not restored and is reported damaged', async () => {
    const w = new TreeWriter(target, { overwrite: false, fifoAsFile: () => false });
    // An entry claiming 10 GiB with no data (a forged or damaged backup), one claiming less than its chunks hold.
    expect(await w.write(entry('/claims-10g', EntryType.File, 10 * 1024 ** 3), content())).toBe('damaged');
    expect(await w.write(entry('/claims-less', EntryType.File, 3), content('four'))).toBe('damaged');
    expect(await w.write(entry('/exact', EntryType.File, 4), content('four'))).toBe('written');
    await w.finish();
    expect(w.damaged).toEqual([
      '/claims-10g: not restored: its entry says 10737418240 bytes, its 0 chunks hold 0 (the node that made the backup recorded it wrongly, or the backup is damaged: restore this file from another backup)',
      '/claims-less: not restored: its entry says 3 bytes, its 0 chunks hold 4 (the node that made the backup recorded it wrongly, or the backup is damaged: restore this file from another backup)',
    ]);
    expect(fs.readdirSync(target)).toEqual(['exact']);
  });

  test('extended attributes are set on files, directories and symlinks; one the kernel refuses is a warning naming the entry, which is kept', async () => {
    const w = new TreeWriter(target, { overwrite: false, fifoAsFile: () => false });
    const xattrs = [
      { name: Buffer.from('bogus.namespace'), value: Buffer.from('x') },
      { name: Buffer.from('user.kept'), value: Buffer.from([0, 1, 2, 255]) },
    ];
    const dir = { ...entry('/d', EntryType.Directory), xattrs };
    const file = { ...entry('/d/f', EntryType.File, 4), xattrs };
    const link = {
      ...entry('/d/l', EntryType.Symlink),
      linkTarget: Buffer.from('f'),
      xattrs: [{ name: Buffer.from('trusted.on-link'), value: Buffer.from('t') }],
    };
    expect(await w.write(dir, content())).toBe('written');
    expect(await w.write(file, content('four'))).toBe('written');
    expect(await w.write(link, content())).toBe('written');
    await w.finish();
    const get = (p: string, flags: string[] = []) =>
      spawnSync('getfattr', [...flags, '--absolute-names', '-d', '-m', '-', '-e', 'hex', p], { encoding: 'utf8' }).stdout;
    expect(get(path.join(target, 'd'))).toContain('user.kept=0x000102ff');
    expect(get(path.join(target, 'd/f'))).toContain('user.kept=0x000102ff');
    expect(get(path.join(target, 'd/l'), ['-h'])).toContain('trusted.on-link=0x74');
    expect(fs.readFileSync(path.join(target, 'd/f'), 'utf8')).toBe('four');
    expect(w.warnings).toEqual(['extended attribute bogus.namespace (ENOTSUP) not restored on 2 entries: /d/f, /d']);
  });

  test('existing files are kept unless overwrite is asked', async () => {
    fs.writeFileSync(path.join(target, 'f'), 'mine');
    const keep = new TreeWriter(target, { overwrite: false, fifoAsFile: () => false });
    expect(await keep.write(entry('/f', EntryType.File, 6), content('theirs'))).toBe('skipped');
    expect(keep.warnings[0]).toMatch(/exists/);
    expect(fs.readFileSync(path.join(target, 'f'), 'utf8')).toBe('mine');
    const over = new TreeWriter(target, { overwrite: true, fifoAsFile: () => false });
    expect(await over.write(entry('/f', EntryType.File, 6), content('the', 'irs'))).toBe('written');
    await over.finish();
    expect(fs.readFileSync(path.join(target, 'f'), 'utf8')).toBe('theirs');
  });

  test('--overwrite replaces a file only once its replacement is complete: a damaged one leaves the live file', async () => {
    fs.writeFileSync(path.join(target, 'live'), 'live data');
    const w = new TreeWriter(target, { overwrite: true, fifoAsFile: () => false });
    expect(await w.write(entry('/live', EntryType.File, 100), content('short'))).toBe('damaged');
    await w.finish();
    expect(fs.readFileSync(path.join(target, 'live'), 'utf8')).toBe('live data');
    // A symlink, FIFO or device replaces a file the same way: made aside, then renamed over it.
    const again = new TreeWriter(target, { overwrite: true, fifoAsFile: () => false });
    const link = { ...entry('/live', EntryType.Symlink), linkTarget: Buffer.from('elsewhere') };
    expect(await again.write(link, content())).toBe('written');
    await again.finish();
    expect(fs.readlinkSync(path.join(target, 'live'))).toBe('elsewhere');
    expect(fs.readdirSync(target)).toEqual(['live']);
  });

  test('the target is reached without following a symbolic link anywhere on its way, trailing slash or not; nothing is made through one', async () => {
    const elsewhere = path.join(dir, 'elsewhere');
    fs.mkdirSync(elsewhere);
    fs.symlinkSync(elsewhere, path.join(dir, 'link'));
    for (const to of [path.join(dir, 'link'), path.join(dir, 'link') + '/', path.join(dir, 'link', 'sub')]) {
      const w = new TreeWriter(to, { overwrite: false, fifoAsFile: () => false });
      await expect(w.write(entry('/f', EntryType.File, 1), content('x'))).rejects.toThrow(
        `cannot restore into ${to}: ${path.join(dir, 'link')} is a symbolic link, and a restore does not go through one (whoever can change it could send the restore anywhere): give the directory it leads to, --to ${elsewhere}${to.slice(path.join(dir, 'link').length).replace(/\/+$/, '')}`,
      );
      await w.abort();
    }
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });

  test('entries made in a directory with a default ACL do not keep the ACL they inherit, unless the backup had one', async () => {
    expect(spawnSync('setfacl', ['-d', '-m', 'u:65534:rwx', target]).status).toBe(0);
    const w = new TreeWriter(target, { overwrite: false, fifoAsFile: () => false });
    const acl = (p: string) => spawnSync('getfacl', ['--absolute-names', '--skip-base', p], { encoding: 'utf8' }).stdout;
    await w.write({ ...entry('/d', EntryType.Directory), mode: 0o750 }, content());
    await w.write({ ...entry('/d/f', EntryType.File, 3), mode: 0o640 }, content('abc'));
    await w.write({ ...entry('/fifo', EntryType.Fifo), mode: 0o600 }, content());
    await w.write({ ...entry('/plain', EntryType.File, 2), mode: 0o600 }, content('ab'));
    await w.finish();
    for (const p of ['d', 'd/f', 'fifo', 'plain']) expect(acl(path.join(target, p))).toBe('');
    expect([fs.statSync(path.join(target, 'plain')).mode & 0o777, fs.statSync(path.join(target, 'd')).mode & 0o777]).toEqual([0o600, 0o750]);
    expect(w.warnings).toEqual([]);
  });
});
