/**
 * A store made by an earlier release (test/fixtures/store-v1, see its
 * README: catalog schema 1) opens with this code: it is migrated at open,
 * every backup lists and reads back bit-exact, it verifies clean, and new
 * backups, deletes and GC work on it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { SeededRandom, tempDir } from '@cpsbackup/testkit';
import { backupTree, readTree } from '@cpsbackup/testkit/store-trees';
import { ChunkKind, isTreePack } from './pack-format';
import { Store } from './store';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/store-v1');

/** The tree the fixture's backups were made of (the same generator as its README's script). */
function tree(gen: number): Map<string, Buffer> {
  const rnd = new SeededRandom('store-v1');
  const t = new Map<string, Buffer>();
  for (let i = 0; i < 6; i++) t.set(`/srv/app/file-${i}.bin`, rnd.bytes(20000 + i * 777));
  t.set('/srv/app/notes.txt', Buffer.from(`generation ${gen}\n`.repeat(100)));
  return t;
}

function expectTree(actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [p, c] of expected) expect(actual.get(p)!.equals(c)).toBe(true);
}

describe('a store made by the release before schema 2', () => {
  let dir: string;
  beforeEach(async () => {
    dir = tempDir('compat');
    fs.cpSync(FIXTURE, dir, { recursive: true });
    fs.rmSync(path.join(dir, 'README.md'));
  });
  afterEach(async () => fs.rmSync(dir, { recursive: true, force: true }));

  test('opens, lists its backups as they were, reads every one back bit-exact and verifies clean', async () => {
    const store = await Store.open(dir);
    try {
      const old = store.listBackups('oldnode');
      expect(old.map((b) => [b.number, b.status, b.partial])).toEqual([
        [1, 'available', null],
        [2, 'available', null],
        [3, 'error', null],
      ]);
      expect(old[2]!.reason).toBe('aborted by the agent: a dump failed');
      expectTree(await readTree(store, old[0]!.id), tree(1));
      expectTree(await readTree(store, old[1]!.id), tree(2));
      expectTree(await readTree(store, store.getBackupByNumber('othernode', 1).id), tree(3));
      expect(old.map((b) => b.manifestFormat)).toEqual([1, 1, 1]); // flat manifests stay as they are
      expect(await store.verify()).toMatchObject({ ok: true, catalogProblems: [], badChunks: [] });
    } finally {
      await store.close();
    }
    // Migrated to the current schema: the version in user_version, the partial and manifest_format columns, no index of references by chunk.
    const raw = new Database(path.join(dir, 'catalog.db'), { readonly: true });
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(4);
      const columns = (raw.prepare(`PRAGMA table_info(backups)`).all() as Array<{ name: string }>).map((c) => c.name);
      expect(columns).toEqual(expect.arrayContaining(['partial', 'manifest_format']));
      expect(raw.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'backup_chunks'`).pluck().all()).toEqual([]);
      // Chunk rows name their pack by number; the groups' claims have no index by chunk.
      expect((raw.prepare(`PRAGMA table_info(chunks)`).all() as Array<{ name: string; type: string }>).find((c) => c.name === 'pack')!.type).toBe('INTEGER');
      expect(raw.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'group_chunks'`).pluck().all()).toEqual([]);
    } finally {
      raw.close();
    }
  });

  test('takes new backups (dedup against the old ones), deletes and GC, and reopens the same', async () => {
    let store = await Store.open(dir, { gracePeriodMs: 0 });
    try {
      const b = await backupTree(store, 'oldnode', tree(4));
      expect(b.number).toBe(4);
      expect(b.manifestFormat).toBe(2); // new backups are trees
      expect(b.newChunks).toBe(2); // the changed notes and the file list's one listing: the rest was stored by the old release
      const p = await store.beginBackup({ client: 'oldnode' }).commit('include /mnt could not be read (ENOENT)');
      expect(store.getBackup(p.id).partial).toBe('include /mnt could not be read (ENOENT)');
      expect(store.latestComplete('oldnode')!.id).toBe(b.id);
      await store.deleteBackup(p.id);
      await store.deleteBackup(store.getBackupByNumber('oldnode', 1).id);
      await store.gc();
      expectTree(await readTree(store, store.getBackupByNumber('oldnode', 2).id), tree(2));
    } finally {
      await store.close();
    }
    store = await Store.open(dir);
    try {
      expectTree(await readTree(store, store.getBackupByNumber('oldnode', 4).id), tree(4));
      expect((await store.verify()).ok).toBe(true);
    } finally {
      await store.close();
    }
  });
  test("its packs hold data and file lists mixed: they keep working; new file lists go to tree packs, and GC's rewrite moves the old ones there", async () => {
    /** [pack is a tree pack, chunk kind] of every chunk row. */
    const placement = () => {
      const raw = new Database(path.join(dir, 'catalog.db'), { readonly: true });
      try {
        return (raw.prepare(`SELECT p.name, c.kind FROM chunks c JOIN packs p ON p.id = c.pack`).all() as Array<{ name: string; kind: number }>).map(
          (r) => [isTreePack(r.name), r.kind] as const,
        );
      } finally {
        raw.close();
      }
    };
    let store = await Store.open(dir, { gracePeriodMs: 0, gcLiveThreshold: 1 }); // every sealed pack is rewritten
    try {
      await backupTree(store, 'oldnode', tree(4));
      // The new backup's listing is in a tree pack; the old file lists stay where they are until GC.
      expect(placement()).toEqual(
        expect.arrayContaining([
          [true, ChunkKind.Manifest],
          [false, ChunkKind.Manifest],
        ]),
      );
      await store.deleteBackup(store.getBackupByNumber('oldnode', 1).id);
      const report = await store.gc();
      expect(report.rewrittenPacks).toBeGreaterThanOrEqual(2);
    } finally {
      await store.close();
    }
    const after = placement();
    expect(after).toContainEqual([true, ChunkKind.Manifest]);
    expect(after).toContainEqual([false, ChunkKind.Data]);
    expect(after.filter(([tree, kind]) => tree !== (kind === ChunkKind.Manifest))).toEqual([]);
    store = await Store.open(dir);
    try {
      expectTree(await readTree(store, store.getBackupByNumber('oldnode', 2).id), tree(2));
      expectTree(await readTree(store, store.getBackupByNumber('oldnode', 4).id), tree(4));
      expectTree(await readTree(store, store.getBackupByNumber('othernode', 1).id), tree(3));
      expect(await store.verify()).toMatchObject({ ok: true, badChunks: [] });
    } finally {
      await store.close();
    }
  });
  test('a GC that deletes nothing moves the file lists it reads out of the mixed packs into tree packs, once', async () => {
    let store = await Store.open(dir, { gracePeriodMs: 0 });
    try {
      const report = await store.gc();
      expect(report).toMatchObject({ deadChunks: 0, rewrittenPacks: 0, deletedPacks: 0, movedChunks: 3 }); // the three backups' flat manifests
      expect(await store.gc()).toMatchObject({ movedChunks: 0 });
    } finally {
      await store.close();
    }
    const raw = new Database(path.join(dir, 'catalog.db'), { readonly: true });
    try {
      const rows = raw.prepare(`SELECT p.name, c.kind FROM chunks c JOIN packs p ON p.id = c.pack`).all() as Array<{ name: string; kind: number }>;
      expect(rows.filter((r) => isTreePack(r.name) !== (r.kind === ChunkKind.Manifest))).toEqual([]);
    } finally {
      raw.close();
    }
    store = await Store.open(dir);
    try {
      expectTree(await readTree(store, store.getBackupByNumber('oldnode', 1).id), tree(1));
      expectTree(await readTree(store, store.getBackupByNumber('oldnode', 2).id), tree(2));
      expectTree(await readTree(store, store.getBackupByNumber('othernode', 1).id), tree(3));
      expect(await store.verify()).toMatchObject({ ok: true, badChunks: [] });
    } finally {
      await store.close();
    }
  });
});
