import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom, tempDir } from '@cpsbackup/testkit';
import { backupTree, readTree } from '@cpsbackup/testkit/store-trees';
import { type BackupInfo } from './catalog';
import { repairCatalog } from './repair';
import { Store } from './store';

const OPTIONS = { packTargetSize: 256 * 1024, flushThreshold: 128 * 1024 };

function tree(seed: string, files: number): Map<string, Buffer> {
  const rnd = new SeededRandom(seed);
  const t = new Map<string, Buffer>();
  for (let i = 0; i < files; i++) t.set(`/${seed}/f${i}`, rnd.bytes(5_000 + i * 997));
  return t;
}

/** What a listing shows of a backup, without what only the catalog's own numbering says. */
function listed(b: BackupInfo): Record<string, unknown> {
  const { id: _id, parentId: _parent, ...rest } = b as BackupInfo & { id: number; parentId: unknown };
  return rest;
}

function removeCatalog(dir: string): void {
  for (const f of fs.readdirSync(dir)) if (f.startsWith('catalog.db')) fs.rmSync(path.join(dir, f));
}

describe('a catalog rebuilt from the storage alone', () => {
  let dir: string;
  beforeEach(async () => (dir = tempDir('records')));
  afterEach(async () => fs.rmSync(dir, { recursive: true, force: true }));

  test('every backup that could be restored lists and restores the same; deleted and failed ones stay gone; numbering goes on', async () => {
    let store = await Store.open(dir, OPTIONS);
    const trees = new Map<string, Map<string, Buffer>>();
    const a1 = await backupTree(store, 'alpha', (trees.set('a1', tree('a1', 12)), trees.get('a1')!));
    const a2 = await backupTree(store, 'alpha', (trees.set('a2', new Map([...trees.get('a1')!, ...tree('a2', 5)])), trees.get('a2')!), a1.id);
    const gone = await backupTree(store, 'alpha', tree('gone', 3), a2.id);
    await backupTree(store, '.beta/β ü', (trees.set('b1', tree('b1', 8)), trees.get('b1')!));
    await store.setBackupLabel(a2.id, 'before upgrade', 'kept: the upgrade failed');
    await store.deleteBackup(gone.id);
    store.beginBackup({ client: '.beta/β ü' }).abort('the agent died');
    const before = store.listBackups().filter((b) => b.status === 'available');
    await store.close();

    removeCatalog(dir); // the disaster: only packs and records are left
    const report = await repairCatalog(dir, 'storage');
    expect(report).toMatchObject({ from: 'storage', savedAs: null, clients: 2, backups: { available: 3, error: 0 }, unreadableBackups: [], lostRows: 0 });

    store = await Store.open(dir, OPTIONS);
    try {
      const after = store.listBackups();
      expect(after.map(listed)).toEqual(before.map(listed));
      expect(store.getBackup(store.getBackupByNumber('alpha', 2).id)).toMatchObject({ name: 'before upgrade', description: 'kept: the upgrade failed' });
      for (const [key, client, number] of [
        ['a1', 'alpha', 1],
        ['a2', 'alpha', 2],
        ['b1', '.beta/β ü', 1],
      ] as const) {
        const got = await readTree(store, store.getBackupByNumber(client, number).id);
        const want = trees.get(key)!;
        expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
        for (const [p, c] of want) expect(got.get(p)!.equals(c)).toBe(true);
      }
      expect((await store.verify()).ok).toBe(true);
      // Numbers are not reused, not even the deleted backup's.
      expect((await backupTree(store, 'alpha', tree('a4', 2))).number).toBe(4);
      // GC keeps everything the rebuilt backups need.
      await store.gc(Date.now() + 48 * 3600_000);
      expect((await readTree(store, store.getBackupByNumber('alpha', 2).id)).size).toBe(trees.get('a2')!.size);
    } finally {
      await store.close();
    }
  });

  test('a lost record is written again at open; a record of no backup is reported, never trusted, and set aside by the repair', async () => {
    let store = await Store.open(dir, OPTIONS);
    await backupTree(store, 'alpha', tree('r1', 4));
    const b2 = await backupTree(store, 'alpha', tree('r2', 4));
    await store.close();
    const records = path.join(dir, 'records');
    fs.rmSync(path.join(records, 'backups', 'alpha', '0000001'));
    fs.writeFileSync(path.join(records, 'backups', 'alpha', '0000009'), '{"id": 99}'); // of no backup
    store = await Store.open(dir, OPTIONS);
    expect(store.recordProblems().map((p) => p.message)).toEqual([
      expect.stringMatching(/backup 9 of alpha is not signed: it is not trusted .*--repair-catalog/),
    ]);
    await store.setBackupLabel(b2.id, 'labelled', null);
    await store.close();
    expect(fs.readdirSync(path.join(records, 'backups', 'alpha')).sort()).toEqual(['0000001', '0000002', '0000009']);
    expect(JSON.parse(fs.readFileSync(path.join(records, 'backups', 'alpha', '0000002'), 'utf8'))).toMatchObject({ record: { number: 2, name: 'labelled' } });
    const r = await repairCatalog(dir);
    expect(r).toMatchObject({ recordsRejected: 1, backups: { available: 2, error: 0 } });
    expect(fs.readdirSync(path.join(records, 'backups', 'alpha')).sort()).toEqual(['0000001', '0000002']);
    store = await Store.open(dir, OPTIONS);
    try {
      expect(store.recordProblems()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  test('refuses to rebuild from a storage without records rather than make an empty catalog over full packs', async () => {
    const store = await Store.open(dir, OPTIONS);
    await backupTree(store, 'alpha', tree('n1', 3));
    await store.close();
    fs.rmSync(path.join(dir, 'records'), { recursive: true });
    await expect(repairCatalog(dir, 'storage')).rejects.toThrow(/no backup records in .*records.*--repair-catalog/);
    expect(fs.existsSync(path.join(dir, 'catalog.db'))).toBe(true); // untouched
  });

  test('a lost catalog over packs that remain: opening is refused before anything is deleted; rebuild-catalog, then open', async () => {
    let store = await Store.open(dir, OPTIONS);
    const t = tree('kept', 6);
    await backupTree(store, 'alpha', t);
    await store.close();
    const packsBefore = fs.readdirSync(path.join(dir, 'packs'), { recursive: true }).sort();
    removeCatalog(dir);
    await expect(Store.open(dir, OPTIONS)).rejects.toMatchObject({
      code: 'CATALOG_MISSING',
      message: expect.stringMatching(/catalog\.db is missing, but .*packs holds \d+ packs and the records of 1 clients: .*rebuild-catalog/),
    });
    expect(fs.existsSync(path.join(dir, 'catalog.db'))).toBe(false); // no empty catalog left to trip on
    expect(fs.readdirSync(path.join(dir, 'packs'), { recursive: true }).sort()).toEqual(packsBefore);
    await repairCatalog(dir, 'storage');
    store = await Store.open(dir, OPTIONS);
    try {
      const got = await readTree(store, store.getBackupByNumber('alpha', 1).id);
      for (const [p, c] of t) expect(got.get(p)!.equals(c)).toBe(true);
    } finally {
      await store.close();
    }
  });

  test('a damaged record loses its backup only, and says so', async () => {
    let store = await Store.open(dir, OPTIONS);
    const t1 = tree('d1', 3);
    await backupTree(store, 'alpha', t1);
    await backupTree(store, 'alpha', tree('d2', 3));
    await store.close();
    fs.writeFileSync(path.join(dir, 'records', 'backups', 'alpha', '0000002'), '{"id": 2, "cli');
    const report = await repairCatalog(dir, 'storage');
    expect(report).toMatchObject({ refusedRecords: [expect.stringMatching(/^backups\/alpha\/0000002: /)], backups: { available: 1 } });
    expect(report.savedAs).toMatch(/catalog\.db\.replaced-/);
    store = await Store.open(dir, OPTIONS);
    try {
      expect(store.listBackups().map((b) => b.number)).toEqual([1]);
      expect((await readTree(store, store.getBackupByNumber('alpha', 1).id)).size).toBe(t1.size);
    } finally {
      await store.close();
    }
  });
});

describe('a delete interrupted between its writes', () => {
  let dir: string;
  beforeEach(async () => (dir = tempDir('records-delete')));
  afterEach(async () => fs.rmSync(dir, { recursive: true, force: true }));

  /** The catalog files as they are now (the store closed): to put back later. */
  function keepCatalog(): Map<string, Buffer> {
    const files = new Map<string, Buffer>();
    for (const f of fs.readdirSync(dir)) if (f.startsWith('catalog.db')) files.set(f, fs.readFileSync(path.join(dir, f)));
    return files;
  }

  test('after the records were written and before the catalog: the next open finishes it, says so, and serves the rest', async () => {
    let store = await Store.open(dir, OPTIONS);
    const same = tree('same', 6);
    const kept = await backupTree(store, 'alpha', same);
    await backupTree(store, 'alpha', same, kept.id); // the same file list as the kept one: that alone makes it no other backup
    await backupTree(store, 'alpha', tree('other', 4), kept.id);
    await store.close();
    const before = keepCatalog();
    store = await Store.open(dir, OPTIONS);
    await store.deleteBackup(store.getBackupByNumber('alpha', 2).id);
    await store.deleteBackup(store.getBackupByNumber('alpha', 3).id);
    await store.close();
    // The catalog as if both deletes stopped right after their records: they list 2 and 3 as available still.
    removeCatalog(dir);
    for (const [f, bytes] of before) fs.writeFileSync(path.join(dir, f), bytes);

    store = await Store.open(dir, OPTIONS);
    try {
      expect(
        store
          .listBackups()
          .filter((b) => b.status === 'available')
          .map((b) => b.number),
      ).toEqual([1]);
      expect(store.recordProblems()).toEqual([]);
      expect(store.recordCorrections).toEqual([2, 3].map((n) => expect.stringContaining(`backup ${n} of alpha was still in the catalog`)));
      const got = await readTree(store, kept.id);
      expect([...got.keys()].sort()).toEqual([...same.keys()].sort());
      for (const [p, c] of same) expect(got.get(p)!.equals(c)).toBe(true);
      expect((await store.verify()).ok).toBe(true);
      expect((await backupTree(store, 'alpha', tree('next', 2))).number).toBe(4);
    } finally {
      await store.close();
    }
  });
});
