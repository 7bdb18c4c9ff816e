/**
 * rebuild-catalog on S3-compatible storage (a real s3rver process) over
 * damage it must not make worse: a tree pack missing from the bucket
 * leaves the backups it held failed in the catalog, but their signed
 * records where they are, so GC deletes nothing of them and a rebuild once
 * the pack is back brings them back whole; a rebuild refused for want of
 * the records key writes nothing to the storage (not even the lease).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '@cpsbackup/testkit';
import { backupDirectoryTree as backupTree, directoryTree, pathsBesideDirectories, readTree } from '@cpsbackup/testkit/store-trees';
import { useS3 } from '@cpsbackup/testkit/s3';
import { repairCatalog } from './repair';
import { S3Backend } from './s3-backend';
import { Store } from './store';

const OPTIONS = { packTargetSize: 256 * 1024, flushThreshold: 128 * 1024, gracePeriodMs: 0 };

const server = useS3('s3-rebuild-damage');

let prefixes = 0;
function onBucket(prefix: string) {
  return (dir: string) => new S3Backend(dir, server.s3.settings(prefix, { maxAttempts: 3, requestTimeoutMs: 30_000 }));
}

/** Every file read back bit-exact; nothing else but the directories above them. */
function expectSame(got: Map<string, Buffer>, want: Map<string, Buffer>): void {
  expect(pathsBesideDirectories(got, want)).toEqual([...want.keys()].sort());
  for (const [p, c] of want) expect(got.get(p)!.equals(c)).toBe(true);
}

/** 20 directories of 8 files each, `changed` of them with new content. */
function tree(seed: string, changed?: ReadonlySet<number>): Map<string, Buffer> {
  return directoryTree(seed, 20, 8, changed);
}

/** Every object under a key prefix with its ETag and size, listed on the S3 server's own port (not through the proxy; under 1,000). */
async function listing(keyPrefix: string): Promise<Map<string, string>> {
  const res = await server.s3.direct(`/${server.s3.bucket}?list-type=2&prefix=${encodeURIComponent(keyPrefix)}`);
  const body = await res.text();
  expect(body).not.toMatch(/<IsTruncated>true</);
  const out = new Map<string, string>();
  for (const m of body.matchAll(/<Contents>(.*?)<\/Contents>/gs)) {
    const c = m[1]!;
    out.set(/<Key>([^<]+)<\/Key>/.exec(c)![1]!, `${/<ETag>([^<]+)<\/ETag>/.exec(c)![1]!} ${/<Size>(\d+)<\/Size>/.exec(c)![1]!}`);
  }
  return out;
}

async function getObject(key: string): Promise<Buffer> {
  const res = await server.s3.direct(`/${server.s3.bucket}/${key}`);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

describe('rebuild-catalog over damage in the bucket', () => {
  let dir: string;
  let prefix: string;
  beforeEach(() => {
    dir = tempDir('s3-rebuild-damage');
    prefix = `damage${++prefixes}/`;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("a missing tree pack: the backups it held keep their records and their client's listing, GC deletes none of their data, and once the pack is back a rebuild restores them bit-exact", async () => {
    const t1 = tree('one');
    const t2 = tree('one', new Set([3, 11]));
    let store = await Store.open(dir, OPTIONS, onBucket(prefix));
    let treePacks: string[] | undefined;
    try {
      const b1 = await backupTree(store, 'alice', t1);
      treePacks = [...(await listing(`${prefix}packs/`)).keys()].filter((k) => path.basename(k).startsWith('t'));
      await backupTree(store, 'alice', t2, b1.id);
    } finally {
      await store.close();
    }
    const records = await listing(`${prefix}records/`);
    const recordKeys = [...records.keys()].sort();
    expect(recordKeys.filter((k) => k.includes('/records/backups/'))).toHaveLength(2);
    const clientKey = recordKeys.find((k) => k.includes('/records/clients/'))!;
    expect((await getObject(clientKey)).toString()).toContain('"live":[1,2]');

    // Backup 1's tree pack (its file lists, most of which backup 2 shares) is lost from the bucket.
    expect(treePacks).toHaveLength(1);
    const treePack = treePacks![0]!;
    const treeBytes = await getObject(treePack);
    expect((await server.s3.direct(`/${server.s3.bucket}/${treePack}`, { method: 'DELETE' })).status).toBe(204);

    const first = await repairCatalog(dir, 'storage', onBucket(prefix));
    expect(first.backups).toEqual({ available: 0, error: 2 });
    // Nothing that vouches for them was rewritten or set aside.
    expect(first.recordsRejected).toBe(0);
    const after = await listing(`${prefix}records/`);
    expect([...after.keys()].filter((k) => k.includes('/rejected/'))).toEqual([]);
    for (const k of recordKeys.filter((k) => k.includes('/records/backups/'))) expect(after.get(k)).toBe(records.get(k));
    expect((await getObject(clientKey)).toString()).toContain('"live":[1,2]');
    // What could not be read is said, with what to do.
    expect(first.unreadableBackups).toHaveLength(2);
    for (const u of first.unreadableBackups) {
      expect(u).toMatch(/^alice backup [12]: manifest chunk [0-9a-f]+ is in no pack \(failed in this catalog; its record is kept where it is/);
      expect(u).toMatch(/put the missing pack back in s3:\/\/.*, then run rebuild-catalog again\)$/);
    }

    // GC (its grace passed) deletes no pack while their records vouch for them.
    const packsBefore = await listing(`${prefix}packs/`);
    store = await Store.open(dir, OPTIONS, onBucket(prefix));
    try {
      await expect(store.gc()).rejects.toThrow(/GC stopped before deleting anything/);
    } finally {
      await store.close();
    }
    expect(await listing(`${prefix}packs/`)).toEqual(packsBefore);

    // The pack is put back: a second rebuild brings both backups back, available and whole.
    expect((await server.s3.direct(`/${server.s3.bucket}/${treePack}`, { method: 'PUT', body: treeBytes })).status).toBe(200);
    const second = await repairCatalog(dir, 'storage', onBucket(prefix));
    expect(second).toMatchObject({ backups: { available: 2, error: 0 }, unreadableBackups: [], refusedRecords: [], recordsRejected: 0 });
    store = await Store.open(dir, OPTIONS, onBucket(prefix));
    try {
      const backups = store.listBackups('alice');
      expect(backups.map((b) => [b.number, b.status])).toEqual([
        [1, 'available'],
        [2, 'available'],
      ]);
      expectSame(await readTree(store, backups[0]!.id), t1);
      expectSame(await readTree(store, backups[1]!.id), t2);
      expect((await store.gc()).deletedPacks).toBe(0);
    } finally {
      await store.close();
    }
  });

  test('a rebuild refused because the records key is missing writes nothing to the storage, not even the lease', async () => {
    const store = await Store.open(dir, OPTIONS, onBucket(prefix));
    try {
      await backupTree(store, 'alice', tree('two'));
    } finally {
      await store.close();
    }
    const before = await listing(prefix);
    expect(before.size).toBeGreaterThan(0);
    const missingKey = path.join(dir, 'elsewhere', 'records.key');
    const refused = await repairCatalog(dir, 'storage', onBucket(prefix), missingKey).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(await listing(prefix)).toEqual(before);
    expect(refused).toMatchObject({
      code: 'RECORDS_KEY_MISSING',
      message: expect.stringMatching(
        /are signed, but the key that signs them is not at .*records\.key: restore it .*then run this again .*; nothing was changed$/,
      ),
    });
    expect(fs.existsSync(missingKey)).toBe(false);
  });
});
