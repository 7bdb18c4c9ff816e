/**
 * The storage's lease on a real S3-compatible server process (s3rver, or
 * Ceph RGW under CPSBACKUP_S3=rgw; through the fault proxy): whether the
 * server honours conditional writes (s3rver does not: the read-back path
 * is what runs; RGW does), two takers at once, and an owner whose renewals
 * fail stops acknowledging and deleting before another may take the
 * storage, then learns it lost it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom, tempDir } from '@cpsbackup/testkit';
import { backupTree, readTree } from '@cpsbackup/testkit/store-trees';
import { s3Kind, useS3 } from '@cpsbackup/testkit/s3';
import { repairCatalog } from './repair';
import { defaultRecordsKeyFile } from './options';
import { S3Backend } from './s3-backend';
import { readLeaseState, StorageLease, TAKEOVER_SLACK_MS } from './storage-owner';
import { Store } from './store';

const server = useS3('s3-lease');
let prefixes = 0;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function dir(): string {
  const d = tempDir('s3-lease');
  dirs.push(d);
  return d;
}

const opened: S3Backend[] = [];
afterAll(() => Promise.all(opened.map((b) => b.close())));

function onBucket(prefix: string) {
  return (d: string) => {
    const b = new S3Backend(d, server.s3.settings(prefix, { maxAttempts: 4, requestTimeoutMs: 30_000 }));
    opened.push(b);
    return b;
  };
}

/** The bucket reached straight at the server, past the proxy and its faults. */
function direct(prefix: string) {
  return (d: string) => {
    const b = new S3Backend(d, {
      ...server.s3.settings(prefix, { maxAttempts: 4, requestTimeoutMs: 30_000 }),
      endpoint: `http://127.0.0.1:${server.s3.serverPort}`,
    });
    opened.push(b);
    return b;
  };
}

function tree(seed: string): Map<string, Buffer> {
  const rnd = new SeededRandom(seed);
  return new Map(Array.from({ length: 6 }, (_, i) => [`/${seed}/f${i}`, rnd.bytes(20_000 + i * 999)] as const));
}

/** What the object store answers a create-only PUT of an object that exists, and an If-Match PUT of a tag it never had. */
async function conditionalAnswers(): Promise<number[]> {
  const what = `/${server.s3.bucket}/probe${++prefixes}`;
  expect((await server.s3.direct(what, { method: 'PUT', body: 'one', headers: { 'if-none-match': '*' } })).status).toBe(200);
  const again = (await server.s3.direct(what, { method: 'PUT', body: 'two', headers: { 'if-none-match': '*' } })).status;
  const wrongTag = (await server.s3.direct(what, { method: 'PUT', body: 'three', headers: { 'if-match': '"00000000000000000000000000000000"' } })).status;
  return [again, wrongTag];
}

/** The lease's first write on a fresh prefix: which path it took, and that the probe left nothing behind. */
async function firstLeaseWrite(): Promise<string> {
  const backend = onBucket(`l${++prefixes}/`)(dir());
  try {
    expect(backend.leaseWrites).toBe('unknown');
    expect(await backend.writeLease(Buffer.from('x'), undefined)).toBeDefined();
    expect(await backend.listObjects('')).toEqual([]); // the probe's object is gone
    return backend.leaseWrites;
  } finally {
    await backend.close();
  }
}

// Each server's own behaviour: s3rver's under `make test`, RGW's under `make test-rgw`.
(s3Kind() === 's3rver' ? test : test.skip)(
  's3rver takes a PUT whose If-None-Match or If-Match fails: the lease runs on the read-back path there, and says so',
  async () => {
    expect(await conditionalAnswers()).toEqual([200, 200]);
    expect(await firstLeaseWrite()).toBe('checked');
  },
);

(s3Kind() === 'rgw' ? test : test.skip)(
  'Ceph RGW refuses a PUT whose If-None-Match or If-Match fails (412): the lease is written with conditions there',
  async () => {
    expect(await conditionalAnswers()).toEqual([412, 412]);
    expect(await firstLeaseWrite()).toBe('atomic');
  },
);

test('on a store that ignores conditions, of servers taking the storage at the same moment exactly one gets it', async () => {
  for (let round = 0; round < 4; round++) {
    const prefix = `race${++prefixes}/`;
    const takers = [dir(), dir(), dir()].map((d) => ({ d, backend: onBucket(prefix)(d) }));
    const results = await Promise.allSettled(takers.map((t) => StorageLease.acquire(t.d, t.backend, 'rebuild-catalog', { durationMs: 9000 })));
    const won = results.filter((r): r is PromiseFulfilledResult<StorageLease> => r.status === 'fulfilled');
    // The others were told another holds it, nothing else (what they were told is in the failure).
    const refusals = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    expect({ won: won.length, other: refusals.filter((m) => !/is in use by another cpsbackupd|changed the lease/.test(m)) }).toEqual({ won: 1, other: [] });
    await won[0]!.value.close(false);
    for (const t of takers) await t.backend.close();
  }
}, 240_000);

test("a read of the lease the storage never answers is tried again within the lease request's window, not given up on", async () => {
  const prefix = `lost-read${++prefixes}/`;
  const d = dir();
  // The first GET of the lease is held past the window (10 s): without a second attempt, taking the storage fails.
  server.s3.proxy.inject({
    action: { kind: 'delay', ms: 60_000 },
    times: 1,
    match: (req) => req.method === 'GET' && new URL(req.url ?? '/', 'http://x').pathname.endsWith(`/${prefix}lease`),
  });
  const lease = await StorageLease.acquire(d, onBucket(prefix)(d), 'rebuild-catalog', { durationMs: 9000 });
  await lease.close(false);
}, 120_000);

test('an owner that cannot renew stops committing and deleting before its lease may be taken; once taken, it knows it lost it', async () => {
  const prefix = `lapse${++prefixes}/`;
  const aDir = dir();
  const lost: string[] = [];
  const a = await Store.open(aDir, { packTargetSize: 64 * 1024, flushThreshold: 64 * 1024, gracePeriodMs: 0, leaseMs: 8000 }, onBucket(prefix));
  a.onOwnershipLost((m) => lost.push(m));
  try {
    const kept = await backupTree(a, 'alpha', tree('kept'));
    const doomed = await backupTree(a, 'alpha', tree('doomed'));
    await a.deleteBackup(doomed.id);
    // Its renewals fail from now on (the object store refuses the lease's writes).
    server.s3.proxy.inject({
      action: { kind: 'error' },
      times: 100_000,
      match: (req) => req.method === 'PUT' && new URL(req.url ?? '/', 'http://x').pathname.endsWith(`/${prefix}lease`),
    });
    while (!lost.some((m) => /lapsed/.test(m))) await new Promise((r) => setTimeout(r, 100));
    const lapsedAt = Date.now();
    // The owner stopped while the lease was still live by the storage's clock, so nobody else could have
    // taken it yet. Judged from the lease's age as the storage tells it (less the time this read took to
    // come back), not from how soon the read ran: on a busy machine it may come after the expiry.
    const state = await readLeaseState(onBucket(prefix)(dir()));
    const ageAtLapse = state!.ageMs! - (Date.now() - lapsedAt);
    expect(ageAtLapse).toBeLessThan(state!.durationMs + TAKEOVER_SLACK_MS);
    await expect(backupTree(a, 'alpha', tree('refused'))).rejects.toThrow(
      /committing a backup refused: this server no longer owns s3:.*lease could not be renewed/,
    );
    // Lapsed, not lost: what the server tells the node (wire-errors.ts) says it comes back by itself.
    await expect(backupTree(a, 'alpha', tree('refused-again'))).rejects.toMatchObject({ code: 'STORE_LOCKED', context: { lease: 'lapsed' } });
    const packsBefore = await onBucket(prefix)(dir()).listPacks();
    await expect(a.gc()).rejects.toThrow(/GC sweep refused: this server no longer owns/);
    await expect(a.deleteBackup(kept.id)).rejects.toThrow(/deleting backup 1 of alpha refused/);
    expect((await onBucket(prefix)(dir()).listPacks()).sort()).toEqual(packsBefore.sort());

    // Another server takes it once expired, by the storage's clock; the lease's writes go through again.
    const probe = onBucket(prefix)(dir());
    while ((await readLeaseState(probe))?.live) await new Promise((r) => setTimeout(r, 200));
    const bDir = dir();
    // B reaches the store past the proxy, so A's renewals keep failing until B holds the lease (else A, which
    // nobody replaced yet, may renew it first, which is its right); then A's writes go through again.
    // B was given A's records key with server.conf (docs/OPERATIONS.md, "Backup records").
    await repairCatalog(bDir, 'storage', direct(prefix), defaultRecordsKeyFile(aDir), { leaseMs: 8000 });
    server.s3.proxy.clearFaults();
    while (!lost.some((m) => /another server took the lease/.test(m))) await new Promise((r) => setTimeout(r, 100));
    await expect(a.gc()).rejects.toThrow(/no longer owns .*another server took the lease \(store directory .*s3-lease/);
    await expect(a.gc()).rejects.toMatchObject({ code: 'STORE_LOCKED', context: { lease: undefined } }); // lost: its operator must act
    const b = await Store.open(bDir, { leaseMs: 8000, recordsKey: defaultRecordsKeyFile(aDir) }, direct(prefix));
    try {
      expect(b.listBackups().map((x) => x.number)).toEqual([1]);
      expect([...(await readTree(b, kept.id)).keys()].length).toBe(6);
    } finally {
      await b.close();
    }
  } finally {
    server.s3.proxy.clearFaults();
    await a.close();
  }
}, 120_000);

test("the owner's own renewal applied late (given up on while a full cluster held it) leaves the lease its own: renewed from the tag it finds, not lost", async () => {
  const prefix = `late${++prefixes}/`;
  const d = dir();
  const lost: string[] = [];
  const lease = await StorageLease.acquire(d, onBucket(prefix)(d), 'rebuild-catalog', { durationMs: 6000, onLost: (m) => lost.push(m) });
  try {
    // Straight to the store, signed (RGW answers only signed requests), not through the proxy.
    const key = `/${server.s3.bucket}/${prefix}lease`;
    // What a renewal of ours carries, landing now, long after we stopped waiting for it: our token, a new tag.
    const ours = JSON.parse(await (await server.s3.direct(key)).text()) as { writtenAt: string };
    const late = JSON.stringify({ ...ours, writtenAt: new Date(Date.now() + 1).toISOString() + ' late' }) + '\n';
    expect((await server.s3.direct(key, { method: 'PUT', body: late })).status).toBe(200);
    const lateTag = (await server.s3.direct(key, { method: 'HEAD' })).headers.get('etag');
    // The next renewals: one finds the late write and adopts its tag, one renews from it.
    for (;;) {
      if (lost.length) throw new Error(`the lease was given up: ${lost.join('; ')}`);
      const text = await (await server.s3.direct(key)).text();
      if ((await server.s3.direct(key, { method: 'HEAD' })).headers.get('etag') !== lateTag && !text.includes(' late')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // Held: not lost, and usable once a renewal has come through (on a busy machine one may have come late, and
    // the lease is lapsed until the next: that is what lapsing is for, not what this test is about).
    for (;;) {
      if (lost.length) throw new Error(`the lease was given up: ${lost.join('; ')}`);
      try {
        lease.assertHeld('committing a backup');
        break;
      } catch (err) {
        expect(err).toMatchObject({ code: 'STORE_LOCKED', context: { lease: 'lapsed' } });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await lease.close(false);
  }
});

test('a clean stop releases the lease: the same directory starts again at once, another directory is told to rebuild, not to wait', async () => {
  const prefix = `release${++prefixes}/`;
  const aDir = dir();
  let a = await Store.open(aDir, { leaseMs: 60_000 }, onBucket(prefix));
  await a.close();
  a = await Store.open(aDir, { leaseMs: 60_000 }, onBucket(prefix));
  await expect(Store.open(dir(), {}, onBucket(prefix))).rejects.toThrow(/is in use by another cpsbackupd .*expires in \d+ s unless that server renews it/);
  await a.close();
  await expect(Store.open(dir(), {}, onBucket(prefix))).rejects.toThrow(/which released it at a clean stop: .*rebuild-catalog/);
  expect(path.isAbsolute(aDir)).toBe(true);
});
