import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom, tempDir } from '@cpsbackup/testkit';
import { backupTree } from '@cpsbackup/testkit/store-trees';
import { Store } from './store';

/** Every path under `dir` with a permission bit for group or others, with its mode (symlinks aside). */
function loose(dir: string): string[] {
  const out: string[] = [];
  const visit = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return;
    if (st.mode & 0o077) out.push(`${path.relative(dir, p) || '.'} ${(st.mode & 0o7777).toString(8)}`);
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
  return out;
}

describe('the store is private to its user', () => {
  let root: string;
  let umask: number;
  beforeEach(() => {
    root = tempDir('private');
    umask = process.umask(0o022); // as a shell leaves it: the store must not rely on the daemon's own umask
  });
  afterEach(() => {
    process.umask(umask);
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('under umask 022 it makes every directory 0700 and every file 0600: catalog and its -wal and -shm, packs, records, reserves, lock', async () => {
    const dir = path.join(root, 'store');
    const store = await Store.open(dir, { packTargetSize: 64 * 1024 });
    try {
      const rnd = new SeededRandom('private');
      const tree = new Map<string, Buffer>();
      for (let i = 0; i < 8; i++) tree.set(`/data/f${i}`, rnd.bytes(40_000));
      const b = await backupTree(store, 'node1', tree);
      await store.deleteBackup(b.id);
      await backupTree(store, 'node1', tree);
      await store.gc(Date.now() + 365 * 24 * 3600_000);
      const names = fs.readdirSync(dir);
      for (const n of ['catalog.db', 'catalog.db-wal', 'catalog.db-shm', 'lock', 'reserve', 'reserve-open', 'packs', 'records']) expect(names).toContain(n);
      expect(loose(dir)).toEqual([]);
      expect(store.tightened).toEqual([]);
    } finally {
      await store.close();
    }
    expect(loose(dir)).toEqual([]);
  });

  test('a store with loose modes is made private at open, saying what changed; a symlink in it is not followed', async () => {
    const dir = path.join(root, 'store');
    const store = await Store.open(dir);
    await backupTree(store, 'node1', new Map([['/data/a', Buffer.from('plain content')]]));
    await store.close();
    const outside = path.join(root, 'outside');
    fs.writeFileSync(outside, 'not the store');
    fs.chmodSync(outside, 0o644);
    fs.symlinkSync(outside, path.join(dir, 'link'));
    const all: string[] = [];
    const loosen = (p: string) => {
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink()) return;
      fs.chmodSync(p, st.isDirectory() ? 0o755 : 0o644);
      all.push(p);
      if (st.isDirectory()) for (const name of fs.readdirSync(p)) loosen(path.join(p, name));
    };
    loosen(dir);
    fs.chmodSync(path.join(dir, 'catalog.db'), 0o664);

    const again = await Store.open(dir);
    try {
      expect(loose(dir)).toEqual([]);
      expect(again.tightened).toHaveLength(all.length);
      expect(again.tightened).toContain(`${dir} 755 -> 700`);
      expect(again.tightened).toContain(`${path.join(dir, 'catalog.db')} 664 -> 600`);
      expect(fs.statSync(outside).mode & 0o777).toBe(0o644);
      expect(again.listBackups('node1').map((b) => b.status)).toEqual(['available']);
    } finally {
      await again.close();
    }
  });
});
