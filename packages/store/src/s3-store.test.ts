/**
 * The whole store on S3-compatible storage (a real s3rver process, or Ceph
 * RGW under CPSBACKUP_S3=rgw, with the fault proxy in front): backups, restores, GC and verify; a disaster
 * where the server's directory is lost and the catalog is rebuilt from the
 * bucket alone; faults while a backup commits.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chunkIdOf } from '@cpsbackup/format';
import { SeededRandom, tempDir } from '@cpsbackup/testkit';
import { backupTree, putChunk, readTree } from '@cpsbackup/testkit/store-trees';
import { useS3 } from '@cpsbackup/testkit/s3';
import { type BackupInfo } from './catalog';
import { repairCatalog } from './repair';
import { S3Backend } from './s3-backend';
import { Store } from './store';

const OPTIONS = { packTargetSize: 256 * 1024, flushThreshold: 128 * 1024, gracePeriodMs: 0 };

const server = useS3('s3-store');

let prefixes = 0;
/** Opens stores on one prefix of the bucket (a fresh one per test). */
function onBucket(prefix: string, cacheBytes = 64 * 1024 * 1024) {
  return (dir: string) => new S3Backend(dir, server.s3.settings(prefix, { cacheBytes, maxAttempts: 3, requestTimeoutMs: 30_000 }));
}

function tree(seed: string, files: number): Map<string, Buffer> {
  const rnd = new SeededRandom(seed);
  const t = new Map<string, Buffer>();
  for (let i = 0; i < files; i++) t.set(`/${seed}/f${i}`, rnd.bytes(3_000 + i * 1999));
  return t;
}

function expectSame(got: Map<string, Buffer>, want: Map<string, Buffer>): void {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [p, c] of want) expect(got.get(p)!.equals(c)).toBe(true);
}

function listed(b: BackupInfo): Record<string, unknown> {
  const { id: _id, parentId: _parent, ...rest } = b as BackupInfo & { id: number; parentId: unknown };
  return rest;
}

describe('the store on S3-compatible storage', () => {
  let dir: string;
  let prefix: string;
  beforeEach(() => {
    dir = tempDir('s3-store');
    prefix = `store${++prefixes}/`;
    server.s3.proxy.clearFaults();
  });
  afterEach(() => {
    server.s3.proxy.clearFaults();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('backups restore bit-exact with a cache too small for them; GC deletes objects; verify reads every chunk back', async () => {
    const store = await Store.open(dir, OPTIONS, onBucket(prefix, 300 * 1024));
    try {
      const t1 = tree('one', 40);
      const t2 = new Map([...tree('one', 30), ...tree('two', 20)]);
      const b1 = await backupTree(store, 'alpha', t1);
      const b2 = await backupTree(store, 'alpha', t2, b1.id);
      const c1 = await backupTree(store, 'gamma', tree('three', 10));
      expect(fs.readdirSync(path.join(dir)).sort()).toEqual(expect.arrayContaining(['catalog.db', 's3']));
      expect(fs.existsSync(path.join(dir, 'packs'))).toBe(false); // no pack lives in the directory
      expectSame(await readTree(store, b1.id), t1);
      expectSame(await readTree(store, b2.id), t2);
      const objectsBefore = await countObjects(prefix + 'packs/');
      await store.deleteBackup(b1.id);
      const report = await store.gc();
      expect(report.deadChunks).toBeGreaterThan(0);
      expect(await countObjects(prefix + 'packs/')).toBeLessThan(objectsBefore + report.rewrittenPacks + 1);
      expectSame(await readTree(store, b2.id), t2);
      expectSame(await readTree(store, c1.id), tree('three', 10));
      const v = await store.verify();
      expect(v).toMatchObject({ ok: true, badChunks: [], damagedBackups: [] });
      expect(v.chunksChecked).toBeGreaterThan(30);
    } finally {
      await store.close();
    }
  });

  test("disaster: the server's directory is lost; rebuild-catalog from the bucket alone brings every backup back bit-exact", async () => {
    const trees = { a1: tree('a1', 25), a2: tree('a2', 10), b1: tree('b1', 15) };
    let store = await Store.open(dir, OPTIONS, onBucket(prefix));
    const a1 = await backupTree(store, 'alpha', trees.a1);
    await backupTree(store, 'alpha', trees.a2, a1.id);
    await backupTree(store, 'beta', trees.b1);
    await store.setBackupLabel(a1.id, 'first', 'before the disaster');
    const before = store.listBackups().map(listed);
    await store.close();

    fs.rmSync(dir, { recursive: true, force: true }); // catalog, staging, cache: all gone
    const r = await repairCatalog(dir, 'storage', onBucket(prefix));
    expect(r).toMatchObject({ from: 'storage', savedAs: null, clients: 2, backups: { available: 3, error: 0 }, badRecords: 0 });
    store = await Store.open(dir, OPTIONS, onBucket(prefix));
    try {
      expect(store.listBackups().map(listed)).toEqual(before);
      expectSame(await readTree(store, store.getBackupByNumber('alpha', 1).id), trees.a1);
      expectSame(await readTree(store, store.getBackupByNumber('alpha', 2).id), trees.a2);
      expectSame(await readTree(store, store.getBackupByNumber('beta', 1).id), trees.b1);
      expect((await store.verify()).ok).toBe(true);
      const next = await backupTree(store, 'beta', trees.b1);
      expect(next.number).toBe(2);
      expect(next.newChunks).toBe(0); // deduplicated against what the rebuild indexed
    } finally {
      await store.close();
    }
  });

  test("the server's directory put back from an older copy: the start deletes nothing and says to rebuild; the rebuild brings every acknowledged backup back", async () => {
    const trees = { a1: tree('old1', 12), a2: tree('new2', 9), b1: tree('newb', 5) };
    let store = await Store.open(dir, OPTIONS, onBucket(prefix));
    await backupTree(store, 'alpha', trees.a1);
    await store.close();
    const copy = tempDir('s3-store-copy');
    fs.cpSync(dir, copy, { recursive: true }); // a snapshot of the server's directory (its catalog, its store-id)
    store = await Store.open(dir, OPTIONS, onBucket(prefix));
    await backupTree(store, 'alpha', trees.a2); // acknowledged after the snapshot: packs and records in the bucket
    await backupTree(store, 'beta', trees.b1); // a client the old catalog never heard of
    await store.close();
    const probeDir = tempDir('s3-probe');
    const listPacks = async () => (await onBucket(prefix)(probeDir).listPacks()).sort();
    const packs = await listPacks();

    fs.rmSync(dir, { recursive: true, force: true });
    fs.cpSync(copy, dir, { recursive: true });
    fs.rmSync(copy, { recursive: true, force: true });
    await expect(Store.open(dir, OPTIONS, onBucket(prefix))).rejects.toThrow(
      /was not opened and nothing was deleted: client alpha's signed record lists backup 2, which the catalog has no row for: the catalog is older than the storage .*rebuild-catalog/,
    );
    expect(await listPacks()).toEqual(packs);
    fs.rmSync(probeDir, { recursive: true, force: true });

    // What the message says: rebuild from the bucket (the stale catalog is kept aside).
    const r = await repairCatalog(dir, 'storage', onBucket(prefix));
    expect(r.backups).toEqual({ available: 3, error: 0 });
    store = await Store.open(dir, OPTIONS, onBucket(prefix));
    try {
      expectSame(await readTree(store, store.getBackupByNumber('alpha', 1).id), trees.a1);
      expectSame(await readTree(store, store.getBackupByNumber('alpha', 2).id), trees.a2);
      expectSame(await readTree(store, store.getBackupByNumber('beta', 1).id), trees.b1);
      expect((await store.verify()).ok).toBe(true);
    } finally {
      await store.close();
    }
  });

  test('an object store that refuses the upload: the commit fails saying so, nothing is acknowledged; once it is back, the next backup commits and the packs left behind are published', async () => {
    const store = await Store.open(dir, OPTIONS, onBucket(prefix));
    try {
      const t = tree('refused', 20);
      server.s3.proxy.inject({ action: { kind: 'error' }, times: 1000, match: (req) => req.method === 'PUT' || req.method === 'POST' });
      await expect(backupTree(store, 'alpha', t)).rejects.toThrow(
        /storage did not take a pack .*upload of pack t?[0-9a-f]+ in s3:\/\/.* failed after 3 attempts: InternalError.*nothing was committed/,
      );
      expect(store.listBackups('alpha').map((b) => b.status)).not.toContain('available');
      server.s3.proxy.clearFaults();
      const b = await backupTree(store, 'alpha', t);
      expect(b.status).toBe('available');
      expectSame(await readTree(store, b.id), t);
      expect(await countObjects(prefix + 'packs/')).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  test("two servers on one prefix: the second is refused before it can take the first one's packs for garbage", async () => {
    const first = await Store.open(dir, OPTIONS, onBucket(prefix));
    const t = tree('owned', 8);
    const b = await backupTree(first, 'alpha', t);
    await first.close();
    const otherDir = tempDir('s3-store-other');
    try {
      // A new directory over a used prefix: its empty catalog would make recovery delete every pack.
      await expect(Store.open(otherDir, OPTIONS, onBucket(prefix))).rejects.toMatchObject({
        code: 'STORE_LOCKED',
        message: expect.stringMatching(/belongs to another cpsbackupd \(store directory .*s3-store-.* on .*\), which released it at a clean stop/),
      });
      // Another server with a catalog of its own (it was given the same prefix by mistake).
      const own = await Store.open(otherDir, OPTIONS, onBucket(`${prefix}elsewhere/`));
      await own.close();
      await expect(Store.open(otherDir, OPTIONS, onBucket(prefix))).rejects.toThrow(
        /belongs to another cpsbackupd \(store directory .*s3-store-.* on .*\), which released it at a clean stop: this server's catalog does not describe it/,
      );
      // The first server is untouched and opens as before.
      const again = await Store.open(dir, OPTIONS, onBucket(prefix));
      try {
        expectSame(await readTree(again, b.id), t);
      } finally {
        await again.close();
      }
    } finally {
      fs.rmSync(otherDir, { recursive: true, force: true });
    }
  });

  test('packs sealed but not published when the server stopped are published at the next start', async () => {
    let store = await Store.open(dir, OPTIONS, onBucket(prefix));
    const t = tree('late', 15);
    const b = await backupTree(store, 'alpha', t);
    // More chunks written and sealed, then the object store goes away before they are published.
    server.s3.proxy.inject({ action: { kind: 'error' }, times: 1000, match: (req) => req.method === 'PUT' || req.method === 'POST' });
    const w = store.beginBackup({ client: 'beta' });
    const data = new SeededRandom('unpublished').bytes(400 * 1024);
    const id = chunkIdOf(data);
    await putChunk(w, id, data);
    await store.close(); // the backup is aborted; its pack is sealed, but the upload fails
    expect(fs.readdirSync(path.join(dir, 's3', 'staging', 'packs')).length).toBeGreaterThan(0);
    server.s3.proxy.clearFaults();
    store = await Store.open(dir, OPTIONS, onBucket(prefix));
    try {
      expect(fs.readdirSync(path.join(dir, 's3', 'staging', 'packs')).flatMap((d) => fs.readdirSync(path.join(dir, 's3', 'staging', 'packs', d)))).toEqual([]);
      expectSame(await readTree(store, b.id), t);
      expect((await store.verify()).ok).toBe(true);
    } finally {
      await store.close();
    }
  });
  test('a file list the bucket does not return: that backup is reported unreadable for now (no repair advised), not the whole answer; all of it once the bucket answers', async () => {
    const first = await Store.open(dir, OPTIONS, onBucket(prefix));
    try {
      await backupTree(first, 'alpha', tree('usage', 10));
    } finally {
      await first.close();
    }
    // Every read of a pack now goes to the bucket (as on a new machine, whose tree packs are fetched at their first read).
    fs.rmSync(path.join(dir, 's3', 'cache'), { recursive: true, force: true });
    fs.rmSync(path.join(dir, 's3', 'trees'), { recursive: true, force: true });
    const store = await Store.open(dir, OPTIONS, onBucket(prefix));
    try {
      server.s3.proxy.inject({ action: { kind: 'error' }, times: 1000, match: (req) => req.method === 'GET' && (req.url ?? '').includes('/packs/') });
      const during = await store.clientUsage('alpha');
      expect(during.backups).toBe(1);
      expect(during.damaged).toEqual([
        {
          number: 1,
          status: 'damaged',
          reason: expect.stringMatching(
            /^backup 1 of alpha cannot be read now: its file list could not be fetched \(read of pack t[0-9a-f]+ in s3:\/\/.* failed after 3 attempts: InternalError.*\): try again once the storage answers$/,
          ),
        },
      ]);
      server.s3.proxy.clearFaults();
      const after = await store.clientUsage('alpha');
      expect(after.damaged).toEqual([]);
      expect(after.storedBytes).toBeGreaterThan(during.storedBytes);
    } finally {
      await store.close();
    }
  });
});

/** Objects under a key prefix, counted on the S3 server's own port (no faults, not in the proxy's counts). */
async function countObjects(keyPrefix: string): Promise<number> {
  const res = await server.s3.direct(`/${server.s3.bucket}?list-type=2&prefix=${encodeURIComponent(keyPrefix)}`);
  const body = await res.text();
  return (body.match(/<Key>/g) ?? []).length;
}
