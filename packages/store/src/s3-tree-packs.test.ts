/**
 * Tree packs on S3-compatible storage (a real s3rver process; the proxy in
 * front of it sees every request): with a pack cache far smaller than one
 * backup's new data, what a commit's check and GC read (the trees) comes
 * from local disk, never from the bucket; the tree packs kept survive a
 * restart, and a new machine after rebuild-catalog fetches each one whole,
 * once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '@cpsbackup/testkit';
import { backupDirectoryTree as backupTree, directoryTree, pathsBesideDirectories, readTree } from '@cpsbackup/testkit/store-trees';
import { useS3 } from '@cpsbackup/testkit/s3';
import { randomBytes } from 'node:crypto';
import { PACK_MAGIC } from './pack-format';
import { repairCatalog } from './repair';
import { S3Backend } from './s3-backend';
import { Store } from './store';

const OPTIONS = { packTargetSize: 256 * 1024, flushThreshold: 128 * 1024, gracePeriodMs: 0 };
/** The pack cache: a tenth of one pack, a hundredth of one backup's new data. */
const CACHE_BYTES = 24 * 1024;

const server = useS3('s3-tree-packs');

let prefixes = 0;
function onBucket(prefix: string) {
  return (dir: string) => new S3Backend(dir, server.s3.settings(prefix, { cacheBytes: CACHE_BYTES, maxAttempts: 3, requestTimeoutMs: 30_000 }));
}

/** Every file read back bit-exact; nothing else but the directories above them. */
function expectSame(got: Map<string, Buffer>, want: Map<string, Buffer>): void {
  expect(pathsBesideDirectories(got, want)).toEqual([...want.keys()].sort());
  for (const [p, c] of want) expect(got.get(p)!.equals(c)).toBe(true);
}

/** 40 directories of 12 files each, `changed` of them with new content. */
function tree(seed: string, changed?: ReadonlySet<number>): Map<string, Buffer> {
  return directoryTree(seed, 40, 12, changed);
}

/** A pack's name from its key's path (`/<bucket>/<prefix>packs/<xx>/<name>.pack`). */
function packOf(p: string): string | undefined {
  return /\/packs\/[^/]+\/([^/]+)\.pack$/.exec(p)?.[1];
}

/** The GETs of packs since the proxy's counts were reset: how many, their bytes, and how many per pack. */
function packReads(requests = server.s3.proxy.answered): { gets: number; bytes: number; perPack: Map<string, number> } {
  const perPack = new Map<string, number>();
  let gets = 0;
  let bytes = 0;
  for (const r of requests) {
    const pack = packOf(r.path);
    if (r.kind !== 'Get' || pack === undefined) continue;
    gets++;
    bytes += r.bytes;
    perPack.set(pack, (perPack.get(pack) ?? 0) + 1);
  }
  return { gets, bytes, perPack };
}

const NONE = { gets: 0, bytes: 0, perPack: new Map() };

/** Tree packs (named t…) kept in the server's directory. */
function localTreePacks(dir: string): string[] {
  const root = path.join(dir, 's3', 'trees', 'packs');
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .flatMap((sub) => fs.readdirSync(path.join(root, sub)))
    .filter((f) => f.endsWith('.pack'))
    .map((f) => f.slice(0, -'.pack'.length))
    .sort();
}

describe('tree packs on S3-compatible storage, with a pack cache smaller than a backup', () => {
  let dir: string;
  let prefix: string;
  const probes: string[] = [];
  /** The packs in the bucket, listed by a backend of its own. */
  const bucketPacks = async (): Promise<string[]> => {
    const probe = tempDir('s3-tree-probe');
    probes.push(probe);
    const backend = onBucket(prefix)(probe);
    try {
      return (await backend.listPacks()).sort();
    } finally {
      await backend.close();
    }
  };
  beforeEach(() => {
    dir = tempDir('s3-tree-packs');
    prefix = `trees${++prefixes}/`;
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const p of probes.splice(0)) fs.rmSync(p, { recursive: true, force: true });
  });

  test("a backup's commit and a GC that deletes nothing read no pack back from the bucket; so after a restart, from the tree packs kept locally", async () => {
    const t1 = tree('one');
    const t2 = tree('one', new Set([3, 17, 31]));
    let store = await Store.open(dir, OPTIONS, onBucket(prefix));
    let b1, b2;
    try {
      server.s3.proxy.resetCounts();
      b1 = await backupTree(store, 'alpha', t1);
      expect(b1.newStoredBytes).toBeGreaterThan(50 * CACHE_BYTES); // the cache holds a fiftieth of it
      expect(packReads()).toEqual(NONE);
      server.s3.proxy.resetCounts();
      b2 = await backupTree(store, 'alpha', t2, b1.id);
      expect(packReads()).toEqual(NONE);
      server.s3.proxy.resetCounts();
      const gc = await store.gc();
      expect(gc).toMatchObject({ deadChunks: 0, deletedPacks: 0, rewrittenPacks: 0 });
      expect(packReads()).toEqual(NONE);
    } finally {
      await store.close();
    }
    // Every tree pack in the bucket is on local disk, outside the cache, and nothing else is.
    const trees = (await bucketPacks()).filter((p) => p.startsWith('t'));
    expect(trees.length).toBeGreaterThan(0);
    expect(localTreePacks(dir)).toEqual(trees);

    store = await Store.open(dir, OPTIONS, onBucket(prefix));
    try {
      server.s3.proxy.resetCounts();
      const gc = await store.gc();
      expect(gc).toMatchObject({ deadChunks: 0, deletedPacks: 0 });
      const b3 = await backupTree(store, 'alpha', tree('one', new Set([5])), b2.id);
      expect(packReads()).toEqual(NONE);
      // The data itself is read back from the bucket, bit-exact.
      expectSame(await readTree(store, b1.id), t1);
      expectSame(await readTree(store, b2.id), t2);
      expectSame(await readTree(store, b3.id), tree('one', new Set([5])));
      expect(packReads().gets).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  test('deleting backups: GC rewrites tree packs into tree packs and removes their local copies with them', async () => {
    const store = await Store.open(dir, { ...OPTIONS, gcLiveThreshold: 0.95 }, onBucket(prefix));
    try {
      const b1 = await backupTree(store, 'alpha', tree('del'));
      const b2 = await backupTree(store, 'alpha', tree('del', new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])), b1.id);
      const before = localTreePacks(dir);
      await store.deleteBackup(b1.id);
      server.s3.proxy.resetCounts();
      const gc = await store.gc();
      expect(gc.deadChunks).toBeGreaterThan(0);
      // Only the rewrites of data packs read from the bucket: no tree pack is fetched.
      expect([...packReads().perPack.keys()].filter((p) => p.startsWith('t'))).toEqual([]);
      const after = localTreePacks(dir);
      expect(after).toEqual((await bucketPacks()).filter((p) => p.startsWith('t')));
      expect(before.filter((p) => !after.includes(p)).length).toBeGreaterThan(0); // emptied ones went, locally too
      expect(after.filter((p) => !before.includes(p)).length).toBeGreaterThan(0); // their live listings went to new tree packs
      expectSame(await readTree(store, b2.id), tree('del', new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])));
      expect((await store.verify()).ok).toBe(true);
    } finally {
      await store.close();
    }
  });

  test('a new machine after rebuild-catalog: each tree pack is fetched whole once and kept; then commits and GC read no pack', async () => {
    const t1 = tree('lost');
    const t2 = tree('lost', new Set([0, 20]));
    let store = await Store.open(dir, OPTIONS, onBucket(prefix));
    const b1 = await backupTree(store, 'alpha', t1);
    await backupTree(store, 'alpha', t2, b1.id);
    await store.close();
    const trees = (await bucketPacks()).filter((p) => p.startsWith('t'));
    expect(trees.length).toBeGreaterThan(0);

    fs.rmSync(dir, { recursive: true, force: true }); // catalog, staging, cache, tree packs: all gone
    server.s3.proxy.resetCounts();
    const r = await repairCatalog(dir, 'storage', onBucket(prefix));
    expect(r.backups).toEqual({ available: 2, error: 0 });
    store = await Store.open(dir, OPTIONS, onBucket(prefix));
    try {
      const rebuilt = [...server.s3.proxy.answered];
      server.s3.proxy.resetCounts();
      const gc = await store.gc();
      expect(gc).toMatchObject({ deadChunks: 0, deletedPacks: 0 });
      const b3 = await backupTree(store, 'alpha', tree('lost', new Set([7])), store.getBackupByNumber('alpha', 2).id);
      const later = [...server.s3.proxy.answered];
      // Over the rebuild, the start, a GC and a commit, a tree pack was fetched at most once; after the rebuild, no data pack.
      for (const [pack, n] of packReads([...rebuilt, ...later]).perPack) if (pack.startsWith('t')) expect([pack, n]).toEqual([pack, 1]);
      expect([...packReads(later).perPack.keys()].filter((p) => !p.startsWith('t'))).toEqual([]);
      expect(localTreePacks(dir)).toEqual((await bucketPacks()).filter((p) => p.startsWith('t')));
      expectSame(await readTree(store, store.getBackupByNumber('alpha', 1).id), t1);
      expectSame(await readTree(store, store.getBackupByNumber('alpha', 2).id), t2);
      expectSame(await readTree(store, b3.id), tree('lost', new Set([7])));
    } finally {
      await store.close();
    }
  });
});

describe('the S3 backend and tree packs', () => {
  let dir: string;
  let prefix: string;
  beforeEach(() => {
    dir = tempDir('s3-tree-backend');
    prefix = `treebackend${++prefixes}/`;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const open = () => new S3Backend(dir, server.s3.settings(prefix, { cacheBytes: 0, maxAttempts: 3, requestTimeoutMs: 30_000 }));
  const treeFile = (name: string) => path.join(dir, 's3', 'trees', 'packs', name.slice(0, 2), `${name}.pack`);

  test('a tree pack is kept whatever the cache size and reloaded at start; one missing is fetched whole once, however many reads wait; deleting it removes the local copy', async () => {
    const name = 't' + randomBytes(16).toString('hex');
    const bytes = Buffer.concat([PACK_MAGIC, Buffer.from('0123456789'.repeat(30_000))]);
    let backend = open();
    try {
      const out = backend.createPack(name);
      out.append(bytes);
      out.sync();
      out.close();
      await backend.publishPack(name);
      expect(fs.readFileSync(treeFile(name)).equals(bytes)).toBe(true); // a cache of 0 bytes: kept all the same
      expect(fs.readdirSync(path.join(dir, 's3', 'cache', 'packs'))).toEqual([]);
    } finally {
      await backend.close();
    }
    // Restarted: read from local disk, no request.
    backend = open();
    try {
      server.s3.proxy.resetCounts();
      expect((await backend.readPack(name, 100_000, 50)).equals(bytes.subarray(100_000, 100_050))).toBe(true);
      expect(await backend.packSize(name)).toBe(bytes.length);
      expect(server.s3.proxy.answered).toEqual([]);
    } finally {
      await backend.close();
    }
    // A new machine: not on local disk. Eight reads at once: one GET of the whole pack, kept.
    fs.rmSync(path.join(dir, 's3'), { recursive: true, force: true });
    backend = open();
    try {
      server.s3.proxy.resetCounts();
      const offsets = [8, 40_000, 90_000, 120_000, 150_000, 200_000, 250_000, 299_000];
      const got = await Promise.all(offsets.map((o) => backend.readPack(name, o, 1_000)));
      offsets.forEach((o, i) => expect(got[i]!.equals(bytes.subarray(o, o + 1_000))).toBe(true));
      expect(packReads()).toEqual({ gets: 1, bytes: bytes.length, perPack: new Map([[name, 1]]) });
      expect(fs.readFileSync(treeFile(name)).equals(bytes)).toBe(true);
      expect(fs.readdirSync(path.dirname(treeFile(name)))).toEqual([`${name}.pack`]); // no temporary file left beside it
      await backend.deletePack(name);
      expect(fs.existsSync(treeFile(name))).toBe(false);
      expect(await backend.listPacks()).toEqual([]);
    } finally {
      await backend.close();
    }
  });
});
