import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EntryType, FileEntry } from '@cpsbackup/store/dist/shared';
import { ensureParents, pathUnder } from './safe-path';
import { TreeWriter } from './tree-writer';

function entry(p: Buffer | string, type: FileEntry['type'] = EntryType.File): FileEntry {
  return {
    path: Buffer.isBuffer(p) ? p : Buffer.from(p),
    type,
    mode: 0o644,
    uid: 0,
    gid: 0,
    user: '',
    group: '',
    size: 5,
    mtimeNs: 1_600_000_000_000_000_000n,
    ctimeNs: 0n,
    inode: 0n,
    dev: 0n,
    rdev: 0n,
    linkTarget: Buffer.alloc(0),
    hardlinkGroup: 0,
    chunks: [],
  };
}

async function* content(...parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p);
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
    expect(() => ensureParents(target, pathUnder(target, Buffer.from('/evil/file')))).toThrow(/evil: it is a symlink/);
    const w = new TreeWriter(target, { overwrite: true, fifoAsFile: false });
    await expect(w.write(entry('/evil/file'), content('pwned'))).rejects.toThrow(/symlink/);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  test('a manifest that plants a symlink and then writes through it cannot escape', async () => {
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(outside);
    const w = new TreeWriter(target, { overwrite: true, fifoAsFile: false });
    const link = entry('/sub', EntryType.Symlink);
    link.linkTarget = Buffer.from(outside);
    await w.write(link, content());
    await expect(w.write(entry('/sub/passwd'), content('pwned'))).rejects.toThrow(/symlink/);
    // Overwriting the symlink itself replaces the link, never the file it points to.
    fs.writeFileSync(path.join(outside, 'victim'), 'safe');
    fs.symlinkSync(path.join(outside, 'victim'), path.join(target, 'victim'));
    await w.write(entry('/victim'), content('replaced'));
    await w.finish();
    expect(fs.readFileSync(path.join(outside, 'victim'), 'utf8')).toBe('safe');
    expect(fs.lstatSync(path.join(target, 'victim')).isFile()).toBe(true);
  });

  test('existing files are kept unless overwrite is asked', async () => {
    fs.writeFileSync(path.join(target, 'f'), 'mine');
    const keep = new TreeWriter(target, { overwrite: false, fifoAsFile: false });
    expect(await keep.write(entry('/f'), content('theirs'))).toBe('skipped');
    expect(keep.warnings[0]).toMatch(/exists/);
    expect(fs.readFileSync(path.join(target, 'f'), 'utf8')).toBe('mine');
    const over = new TreeWriter(target, { overwrite: true, fifoAsFile: false });
    expect(await over.write(entry('/f'), content('the', 'irs'))).toBe('written');
    await over.finish();
    expect(fs.readFileSync(path.join(target, 'f'), 'utf8')).toBe('theirs');
  });
});
