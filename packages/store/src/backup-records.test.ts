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
  beforeEach(() => (dir = tempDir('records')));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('every backup that could be restored lists and restores the same; deleted and failed ones stay gone; numbering goes on', () => {
    let store = Store.open(dir, OPTIONS);
    const trees = new Map<string, Map<string, Buffer>>();
    const a1 = backupTree(store, 'alpha', (trees.set('a1', tree('a1', 12)), trees.get('a1')!));
    const a2 = backupTree(store, 'alpha', (trees.set('a2', new Map([...trees.get('a1')!, ...tree('a2', 5)])), trees.get('a2')!), a1.id);
    const gone = backupTree(store, 'alpha', tree('gone', 3), a2.id);
    backupTree(store, '.beta/β ü', (trees.set('b1', tree('b1', 8)), trees.get('b1')!));
    store.setBackupLabel(a2.id, 'before upgrade', 'kept: the upgrade failed');
    store.deleteBackup(gone.id);
    store.beginBackup({ client: '.beta/β ü' }).abort('the agent died');
    const before = store.listBackups().filter((b) => b.status === 'available');
    store.close();

    removeCatalog(dir); // the disaster: only packs and records are left
    const report = repairCatalog(dir, 'storage');
    expect(report).toMatchObject({ from: 'storage', savedAs: null, clients: 2, backups: { available: 3, error: 0 }, unreadableBackups: [], lostRows: 0 });

    store = Store.open(dir, OPTIONS);
    try {
      const after = store.listBackups();
      expect(after.map(listed)).toEqual(before.map(listed));
      expect(store.getBackup(store.getBackupByNumber('alpha', 2).id)).toMatchObject({ name: 'before upgrade', description: 'kept: the upgrade failed' });
      for (const [key, client, number] of [
        ['a1', 'alpha', 1],
        ['a2', 'alpha', 2],
        ['b1', '.beta/β ü', 1],
      ] as const) {
        const got = readTree(store, store.getBackupByNumber(client, number).id);
        const want = trees.get(key)!;
        expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
        for (const [p, c] of want) expect(got.get(p)!.equals(c)).toBe(true);
      }
      expect(store.verify().ok).toBe(true);
      // Numbers are not reused, not even the deleted backup's.
      expect(backupTree(store, 'alpha', tree('a4', 2)).number).toBe(4);
      // GC keeps everything the rebuilt backups need.
      store.gc(Date.now() + 48 * 3600_000);
      expect(readTree(store, store.getBackupByNumber('alpha', 2).id).size).toBe(trees.get('a2')!.size);
    } finally {
      store.close();
    }
  });

  test('records lost or stale (a store from before records, a crash between commit and record) are rewritten at open', () => {
    let store = Store.open(dir, OPTIONS);
    backupTree(store, 'alpha', tree('r1', 4));
    const b2 = backupTree(store, 'alpha', tree('r2', 4));
    store.close();
    const records = path.join(dir, 'records');
    fs.rmSync(path.join(records, 'backups', 'alpha', '0000001'));
    fs.writeFileSync(path.join(records, 'backups', 'alpha', '0000009'), '{"id": 99}'); // of no backup
    store = Store.open(dir, OPTIONS);
    store.setBackupLabel(b2.id, 'labelled', null);
    store.close();
    expect(fs.readdirSync(path.join(records, 'backups', 'alpha')).sort()).toEqual(['0000001', '0000002']);
    expect(JSON.parse(fs.readFileSync(path.join(records, 'backups', 'alpha', '0000002'), 'utf8'))).toMatchObject({ number: 2, name: 'labelled' });
  });

  test('refuses to rebuild from a storage without records rather than make an empty catalog over full packs', () => {
    const store = Store.open(dir, OPTIONS);
    backupTree(store, 'alpha', tree('n1', 3));
    store.close();
    fs.rmSync(path.join(dir, 'records'), { recursive: true });
    expect(() => repairCatalog(dir, 'storage')).toThrow(/no backup records in .*records.*--repair-catalog/);
    expect(fs.existsSync(path.join(dir, 'catalog.db'))).toBe(true); // untouched
  });

  test('a damaged record loses its backup only, and says so', () => {
    let store = Store.open(dir, OPTIONS);
    const t1 = tree('d1', 3);
    backupTree(store, 'alpha', t1);
    backupTree(store, 'alpha', tree('d2', 3));
    store.close();
    fs.writeFileSync(path.join(dir, 'records', 'backups', 'alpha', '0000002'), '{"id": 2, "cli');
    const report = repairCatalog(dir, 'storage');
    expect(report).toMatchObject({ lostRows: 1, backups: { available: 1 } });
    expect(report.savedAs).toMatch(/catalog\.db\.replaced-/);
    store = Store.open(dir, OPTIONS);
    try {
      expect(store.listBackups().map((b) => b.number)).toEqual([1]);
      expect(readTree(store, store.getBackupByNumber('alpha', 1).id).size).toBe(t1.size);
    } finally {
      store.close();
    }
  });
});
