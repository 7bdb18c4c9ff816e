import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { SeededRandom, tempDir, toArray } from '@cpsbackup/testkit';
import { backupTree, readTree } from '@cpsbackup/testkit/store-trees';
import { isStoreError } from './errors';
import { repairCatalog } from './repair';
import { Store } from './store';

const HOUR = 3600_000;
const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/store-v1');
const OPTIONS = { packTargetSize: 256 * 1024, flushThreshold: 128 * 1024 };

function tree(seed: string, files: number): Map<string, Buffer> {
  const rnd = new SeededRandom(seed);
  const t = new Map<string, Buffer>();
  for (let i = 0; i < files; i++) t.set(`/${seed}/f${i}`, rnd.bytes(20_000 + i * 101));
  return t;
}

async function expectTree(store: Store, backupId: number, expected: Map<string, Buffer>): Promise<void> {
  const got = await readTree(store, backupId);
  expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [p, c] of expected) expect(got.get(p)!.equals(c)).toBe(true);
}

/** Pages (1-based numbers) of one table or index in a closed catalog, by SQLite's own account. */
function pagesOf(file: string, name: string, type: 'leaf' | 'internal'): number[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT pageno FROM dbstat WHERE name = ? AND pagetype = ?`).pluck().all(name, type) as number[];
  } finally {
    db.close();
  }
}

describe('a damaged catalog', () => {
  let dir: string;
  beforeEach(async () => (dir = tempDir('catalog-damage')));
  afterEach(async () => fs.rmSync(dir, { recursive: true, force: true }));

  test("a flipped bit in a flat (format 1) backup's reference table is reported by verify, and GC still keeps what its manifest names", async () => {
    // Only backups made before tree manifests have a reference table: the release before schema 2 made these.
    fs.cpSync(FIXTURE, dir, { recursive: true });
    fs.rmSync(path.join(dir, 'README.md'));
    let store = await Store.open(dir, OPTIONS);
    const victim = store.getBackupByNumber('oldnode', 2);
    const victimTree = await readTree(store, victim.id);
    // The chunk of the one file only this backup holds: its reference is the only thing keeping it.
    const notes = (await toArray(store.walkManifest(victim.id))).find((e) => e.path.toString() === '/srv/app/notes.txt')!;
    const someId = notes.chunks[0]!;
    await store.close();

    const file = path.join(dir, 'catalog.db');
    const bytes = fs.readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    let flipped = 0;
    for (const page of pagesOf(file, 'backup_chunks', 'leaf')) {
      const at = bytes.subarray((page - 1) * pageSize, page * pageSize).indexOf(someId);
      if (at < 0) continue;
      bytes[(page - 1) * pageSize + at + 31]! ^= 1;
      flipped++;
    }
    expect(flipped).toBe(1);
    fs.writeFileSync(file, bytes);

    store = await Store.open(dir, OPTIONS);
    try {
      const raw = new Database(file, { readonly: true });
      expect(raw.pragma('quick_check', { simple: true })).toBe('ok'); // SQLite sees nothing wrong
      raw.close();
      const v = await store.verify();
      expect(v.ok).toBe(false);
      expect(v.badChunks).toEqual([]);
      expect(v.catalogProblems).toContain(`backup 2 of oldnode: 1 chunk references its manifest makes are missing from the catalog's reference table`);

      // With the other backups gone, GC runs over the damaged table: the victim loses nothing.
      await store.deleteBackup(store.getBackupByNumber('oldnode', 1).id);
      await store.deleteBackup(store.getBackupByNumber('othernode', 1).id);
      const gc = await store.gc(Date.now() + 48 * HOUR);
      expect(gc.unindexedReferences).toBe(1);
      expect(gc.deadChunks).toBeGreaterThan(0); // the other backups' chunks did go
      await expectTree(store, victim.id, victimTree);
      expect((await store.verify({ client: 'oldnode' })).badChunks).toEqual([]);
    } finally {
      await store.close();
    }

    // The repair rebuilds the reference table from the manifests: verify is clean again.
    const r = await repairCatalog(dir);
    expect(r.backups).toEqual({ available: 1, error: 1 });
    store = await Store.open(dir, OPTIONS);
    try {
      const v = await store.verify();
      expect(v.catalogProblems).toEqual([]);
      expect(v.ok).toBe(true);
      await expectTree(store, victim.id, victimTree);
    } finally {
      await store.close();
    }
  });

  test('broken B-tree pages: verify reports them instead of crashing, requests fail with the repair named, and --repair-catalog brings every backup back', async () => {
    let store = await Store.open(dir, OPTIONS);
    const trees = [tree('a', 30), tree('b', 30), tree('c', 5)];
    const backups = [];
    for (const [i, t] of trees.entries()) backups.push(await backupTree(store, `client${i}`, t));
    await store.close();

    // Garbage over an inner page of the chunks table: lookups through it fail.
    const file = path.join(dir, 'catalog.db');
    const bytes = fs.readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    const inner = pagesOf(file, 'chunks', 'internal');
    expect(inner.length).toBeGreaterThan(0);
    bytes.fill(0xa5, (inner[0]! - 1) * pageSize + 12, inner[0]! * pageSize);
    fs.writeFileSync(file, bytes);

    store = await Store.open(dir, OPTIONS);
    try {
      const v = await store.verify();
      expect(v.ok).toBe(false);
      expect(v.catalogProblems.join('\n')).toMatch(/catalog (integrity|of .* is damaged)/);
      let failure: unknown;
      try {
        await readTree(store, backups[0]!.id);
      } catch (err) {
        failure = err;
      }
      expect(failure).toBeDefined();
    } finally {
      await store.close();
    }

    const r = await repairCatalog(dir);
    expect(fs.existsSync(r.savedAs!)).toBe(true);
    expect(r.backups).toEqual({ available: 3, error: 0 });
    expect(r.clients).toBe(3);
    store = await Store.open(dir, OPTIONS);
    try {
      expect((await store.verify()).ok).toBe(true);
      for (const [i, b] of backups.entries()) await expectTree(store, b.id, trees[i]!);
      // And the store goes on: a new backup dedups against what the repair indexed.
      const next = await backupTree(store, 'client0', trees[0]!);
      expect(next.newChunks).toBe(0); // the same files and manifest: nothing new
    } finally {
      await store.close();
    }
  });

  test('a backup deleted before the damage stays deleted after the repair; the one built on it loses only its parent link', async () => {
    let store = await Store.open(dir, OPTIONS);
    const t1 = tree('d1', 3);
    const t2 = tree('d2', 3);
    const b1 = await backupTree(store, 'x', t1);
    const b2 = await backupTree(store, 'x', t2, b1.id);
    await store.deleteBackup(b1.id); // `deleting` until a GC that never comes
    await store.close();
    await repairCatalog(dir);
    store = await Store.open(dir, OPTIONS);
    try {
      expect(store.listBackups('x').map((b) => [b.number, b.status, b.parentId])).toEqual([[2, 'available', null]]);
      await expectTree(store, b2.id, t2);
    } finally {
      await store.close();
    }
  });

  test('a file that is not a catalog at all: opening names the repair', async () => {
    const store = await Store.open(dir, OPTIONS);
    await backupTree(store, 'x', tree('x', 3));
    await store.close();
    fs.writeFileSync(path.join(dir, 'catalog.db'), Buffer.alloc(8192, 0x42));
    let failure: unknown;
    try {
      await (await Store.open(dir, OPTIONS)).close();
    } catch (err) {
      failure = err;
    }
    expect(isStoreError(failure, 'CATALOG_CORRUPT')).toBe(true);
    expect((failure as Error).message).toMatch(/is damaged .*--repair-catalog/);
  });
});
