/**
 * What the catalog file keeps besides its rows: a new catalog gives the
 * pages a backup's references filled back to the filesystem at commit,
 * and those of the rows GC deletes (auto_vacuum INCREMENTAL); a catalog
 * made before that (auto_vacuum NONE, as every store written by an
 * earlier release) keeps its free pages for reuse and backs up, reads
 * back and verifies as before.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { SeededRandom, tempDir } from '@cpsbackup/testkit';
import { backupDirectoryTree, readTree } from '@cpsbackup/testkit/store-trees';
import { Store } from './store';

/** Many one-chunk files: one reference row each while the backup is written, a few thousand rows' worth of pages. */
function smallFiles(seed: string, count: number): Map<string, Buffer> {
  const rnd = new SeededRandom(seed);
  const t = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) t.set(`/srv/d${String(i % 40).padStart(2, '0')}/f${i}`, rnd.bytes(48 + (i % 50)));
  return t;
}

function catalogPages(dir: string): { autoVacuum: number; free: number; pages: number } {
  const db = new Database(path.join(dir, 'catalog.db'), { readonly: true });
  try {
    return {
      autoVacuum: db.pragma('auto_vacuum', { simple: true }) as number,
      free: db.pragma('freelist_count', { simple: true }) as number,
      pages: db.pragma('page_count', { simple: true }) as number,
    };
  } finally {
    db.close();
  }
}

function expectTree(actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
  const files = [...actual].filter(([, c]) => c.length > 0);
  expect(files.length).toBe(expected.size);
  for (const [p, c] of files) expect(c.equals(expected.get(p)!)).toBe(true);
}

describe('the catalog file', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('catalog-space');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a new catalog gives the pages a backup freed at its commit back to the filesystem', async () => {
    const files = smallFiles('space', 12000);
    const store = await Store.open(dir);
    try {
      const b = await backupDirectoryTree(store, 'node1', files);
      expectTree(await readTree(store, b.id), files);
    } finally {
      await store.close();
    }
    const after = catalogPages(dir);
    expect(after.autoVacuum).toBe(2); // INCREMENTAL
    // The backup's 12,000 reference rows filled over 100 pages (the test below); what stays free is under 64.
    expect(after.free).toBeLessThan(64);
  });

  test("GC gives back the pages of the chunks' rows it deletes", async () => {
    const store = await Store.open(dir);
    try {
      await backupDirectoryTree(store, 'node1', smallFiles('gc', 12000));
    } finally {
      await store.close();
    }
    const before = catalogPages(dir);
    const again = await Store.open(dir);
    try {
      await again.deleteBackup(again.listBackups('node1')[0]!.id);
      await again.gc();
    } finally {
      await again.close();
    }
    const after = catalogPages(dir);
    expect(after.free).toBeLessThan(64);
    // 12,000 chunk rows, their index entries and claims gone: well over 100 pages fewer.
    expect(after.pages).toBeLessThan(before.pages - 100);
  });

  test('the catalog file itself shrinks when GC gives pages back, while the store stays open (not only at a later checkpoint)', async () => {
    const file = path.join(dir, 'catalog.db');
    const first = await Store.open(dir);
    try {
      await backupDirectoryTree(first, 'node1', smallFiles('shrink', 12000));
    } finally {
      await first.close(); // checkpointed: the file holds every page
    }
    const before = fs.statSync(file).size;
    const store = await Store.open(dir);
    try {
      await store.deleteBackup(store.listBackups('node1')[0]!.id);
      await store.gc();
      // Still open, no checkpoint of its own: 12,000 chunk rows, their index entries and claims are off the file.
      expect(fs.statSync(file).size).toBeLessThan(before - 100 * 4096);
    } finally {
      await store.close();
    }
  });

  test('a catalog made before (auto_vacuum NONE) keeps its free pages, backs up, reads back and verifies as before', async () => {
    // A store as an earlier release left it: the same schema, without auto_vacuum.
    await (await Store.open(dir)).close();
    const raw = new Database(path.join(dir, 'catalog.db'));
    raw.pragma('auto_vacuum = NONE');
    raw.exec('VACUUM');
    raw.close();
    expect(catalogPages(dir).autoVacuum).toBe(0);

    const first = smallFiles('old-1', 12000);
    const second = smallFiles('old-2', 300);
    let store = await Store.open(dir);
    const b1 = await backupDirectoryTree(store, 'node1', first);
    await store.close();
    // The freed reference pages stay in the file, for the next backup's rows.
    expect(catalogPages(dir)).toMatchObject({ autoVacuum: 0, free: expect.any(Number) });
    expect(catalogPages(dir).free).toBeGreaterThanOrEqual(100);
    store = await Store.open(dir);
    try {
      const b2 = await backupDirectoryTree(store, 'node1', second, b1.id);
      expectTree(await readTree(store, b1.id), first);
      expectTree(await readTree(store, b2.id), second);
      expect(await store.verify()).toMatchObject({ ok: true, catalogProblems: [], badChunks: [] });
    } finally {
      await store.close();
    }
    expect(catalogPages(dir).autoVacuum).toBe(0);
  });
});
