/**
 * What verify, GC and rebuild-catalog cost in requests when the packs are
 * not in the local cache (a real s3rver behind the counting proxy): each
 * reads the packs it needs in pack order, a pack (or the span of its
 * wanted chunks) in one streamed GET, never a ranged GET per chunk. The
 * packs and the read-ahead are scaled down together (1 MiB packs, 128 KiB
 * read-ahead: the production 32 MiB packs and 4 MiB windows, over 32).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SeededRandom, tempDir } from '@cpsbackup/testkit';
import { backupTree, readTree } from '@cpsbackup/testkit/store-trees';
import { useS3 } from '@cpsbackup/testkit/s3';
import { ChunkKind, PACK_MAGIC, RECORD_HEADER_BYTES } from './pack-format';
import { repairCatalog } from './repair';
import { S3Backend } from './s3-backend';
import { Store } from './store';

const OPTIONS = { packTargetSize: 1024 * 1024, flushThreshold: 512 * 1024, gracePeriodMs: 0 };
const READ_AHEAD = 128 * 1024;

const server = useS3('s3-pack-reads');

function onBucket(prefix: string) {
  return (dir: string) =>
    new S3Backend(dir, server.s3.settings(prefix, { cacheBytes: 1, readAheadBytes: READ_AHEAD, maxAttempts: 3, requestTimeoutMs: 30_000 }));
}

/** Files spread over many directories: a tree backup's listings are many chunks, scattered among the data. */
function tree(seed: string, files: number): Map<string, Buffer> {
  const rnd = new SeededRandom(seed);
  const t = new Map<string, Buffer>();
  for (let i = 0; i < files; i++) t.set(`/${seed}/d${i % 23}/s${i % 3}/f${i}`, rnd.bytes(2_000 + ((i * 7919) % 60_000)));
  return t;
}

/** The packs in the bucket and their bytes, listed on the S3 server's own port (not in the proxy's counts; under 1,000). */
async function storedPacks(prefix: string): Promise<Map<string, number>> {
  const res = await server.s3.direct(`/${server.s3.bucket}?list-type=2&prefix=${encodeURIComponent(prefix + 'packs/')}`);
  const body = await res.text();
  const out = new Map<string, number>();
  for (const m of body.matchAll(/<Key>([^<]+)<\/Key>.*?<Size>(\d+)<\/Size>/gs)) out.set(path.basename(m[1]!, '.pack'), Number(m[2]));
  return out;
}

/** What the proxy answered since its counts were reset: GETs of packs (all, and per pack) and their bytes; every request. */
function reads(): { packGets: number; packBytes: number; perPack: Map<string, { gets: number; bytes: number }>; requests: number } {
  const perPack = new Map<string, { gets: number; bytes: number }>();
  let packGets = 0;
  let packBytes = 0;
  for (const a of server.s3.proxy.answered) {
    if (a.kind !== 'Get' || !a.path.includes('/packs/')) continue;
    packGets++;
    packBytes += a.bytes;
    const name = path.basename(a.path, '.pack');
    const p = perPack.get(name) ?? { gets: 0, bytes: 0 };
    p.gets++;
    p.bytes += a.bytes;
    perPack.set(name, p);
  }
  return { packGets, packBytes, perPack, requests: server.s3.proxy.answered.length };
}

/** One line for the report: requests and bytes read per GB stored. */
function figures(what: string, r: ReturnType<typeof reads>, stored: number): string {
  const perGb = (n: number) => ((n * 1e9) / stored).toFixed(0);
  const line = `${what}: ${r.packGets} pack GETs (${r.requests} requests in all) and ${r.packBytes} bytes read for ${stored} bytes stored = ${perGb(r.packGets)} GETs and ${(r.packBytes / stored).toFixed(2)} GB read per GB stored`;
  fs.appendFileSync(process.env.PACK_READS_FIGURES ?? '/dev/null', line + '\n');
  return line;
}

/** Forgets the local cache: every pack read from now on goes to the bucket. */
async function reopenUncached(dir: string, prefix: string): Promise<Store> {
  fs.rmSync(path.join(dir, 's3', 'cache'), { recursive: true, force: true });
  const store = await Store.open(dir, OPTIONS, onBucket(prefix));
  server.s3.proxy.resetCounts();
  return store;
}

/** Three clients' backups over more packs than the read windows kept in memory (32 MiB) hold; the packs' names and sizes. */
async function fill(dir: string, prefix: string, trees: Record<string, Map<string, Buffer>>): Promise<Map<string, number>> {
  const store = await Store.open(dir, OPTIONS, onBucket(prefix));
  try {
    for (const [client, t] of Object.entries(trees)) await backupTree(store, client, t);
  } finally {
    await store.close();
  }
  return storedPacks(prefix);
}

function expectSame(got: Map<string, Buffer>, want: Map<string, Buffer>): void {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [p, c] of want) expect(got.get(p)!.equals(c)).toBe(true);
}

describe('verify and rebuild-catalog read uncached packs whole, in pack order', () => {
  const dir = tempDir('s3-pack-reads');
  const prefix = 'reads/';
  const trees = { alpha: tree('alpha', 500), beta: tree('beta', 400), gamma: tree('gamma', 350) };
  let packs: Map<string, number>;
  let stored: number;
  beforeAll(async () => {
    packs = await fill(dir, prefix, trees);
    stored = [...packs.values()].reduce((a, b) => a + b, 0);
    expect(stored).toBeGreaterThan(36 * 1024 * 1024);
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('an uncached verify reads each pack once, no more bytes than are stored, and still checks every chunk and file list', async () => {
    const store = await reopenUncached(dir, prefix);
    try {
      const chunks = (await store.stats()).chunks;
      server.s3.proxy.resetCounts();
      const v = await store.verify();
      const r = reads();
      process.stdout.write(figures('verify, uncached', r, stored) + '\n');
      expect(v).toMatchObject({ ok: true, badChunks: [], damagedBackups: [], backupsChecked: 3 });
      expect(v.chunksChecked).toBe(chunks);
      expect(r.packGets).toBeLessThanOrEqual(packs.size + 2);
      for (const [name, p] of r.perPack) expect({ name, gets: p.gets }).toEqual({ name, gets: 1 });
      expect(r.packBytes).toBeLessThanOrEqual(stored);
    } finally {
      await store.close();
    }
  }, 120_000);

  test('rebuild-catalog from the bucket alone reads each pack once, file lists included, no more bytes than are stored', async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    server.s3.proxy.resetCounts();
    const rep = await repairCatalog(dir, 'storage', onBucket(prefix));
    const r = reads();
    process.stdout.write(figures('rebuild-catalog', r, stored) + '\n');
    expect(rep).toMatchObject({ backups: { available: 3, error: 0 }, badRecords: 0, packs: packs.size });
    expect(r.packGets).toBeLessThanOrEqual(packs.size);
    for (const [name, p] of r.perPack) expect({ name, gets: p.gets }).toEqual({ name, gets: 1 });
    expect(r.packBytes).toBeLessThanOrEqual(stored);
    const store = await Store.open(dir, OPTIONS, onBucket(prefix));
    try {
      expectSame(await readTree(store, store.getBackupByNumber('beta', 1).id), trees.beta);
    } finally {
      await store.close();
    }
  }, 120_000);
});

describe('GC reads what it rewrites whole', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('s3-pack-reads-gc');
    server.s3.proxy.clearFaults();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('each pack it rewrites is read once, no more bytes than it holds, and what it moved restores bit-exact', async () => {
    const prefix = 'gc/';
    const first = tree('first', 200);
    // The second backup keeps every other file: half of every pack dies with the first.
    const second = new Map([...first].filter((_, i) => i % 2 === 0));
    let store = await Store.open(dir, OPTIONS, onBucket(prefix));
    try {
      const b1 = await backupTree(store, 'alpha', first);
      await backupTree(store, 'alpha', second, b1.id);
      await store.deleteBackup(b1.id);
    } finally {
      await store.close();
    }
    const packs = await storedPacks(prefix);
    store = await reopenUncached(dir, prefix);
    try {
      const g = await store.gc();
      const r = reads();
      const after = await storedPacks(prefix);
      const gone = [...packs.keys()].filter((p) => !after.has(p));
      const goneBytes = gone.reduce((n, p) => n + packs.get(p)!, 0);
      process.stdout.write(figures(`GC (${g.rewrittenPacks} of ${packs.size} packs rewritten, ${g.movedChunks} chunks moved)`, r, goneBytes) + '\n');
      expect(g.rewrittenPacks).toBeGreaterThanOrEqual(4);
      expect(g.corruptChunks).toEqual([]);
      // Each pack rewritten: one GET, at most its size; the mark reads the kept backup's file lists (a few listings) besides.
      for (const p of gone) {
        const got = r.perPack.get(p);
        if (!got) continue; // wholly dead: deleted unread
        expect({ pack: p, gets: got.gets }).toEqual({ pack: p, gets: 1 });
        expect(got.bytes).toBeLessThanOrEqual(packs.get(p)!);
      }
      expect(r.packGets).toBeLessThanOrEqual(g.rewrittenPacks + 4);
      expectSame(await readTree(store, store.getBackupByNumber('alpha', 2).id), second);
      expect((await store.verify()).ok).toBe(true);
    } finally {
      await store.close();
    }
  }, 120_000);
});

describe('verify reading packs whole finds every damage a read per chunk finds', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('s3-pack-reads-damage');
    server.s3.proxy.clearFaults();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The bucket straight, on the server's own port (the damage is not counted). */
  function bucket(): S3Client {
    return new S3Client({
      endpoint: `http://127.0.0.1:${server.s3.serverPort}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { ...server.s3.key },
    });
  }

  /** A pack's records: each chunk's id (hex), whether it is a file list's, where it starts and ends. */
  function records(pack: Buffer): Array<{ id: string; fileList: boolean; start: number; end: number }> {
    const out = [];
    for (let at = PACK_MAGIC.length; at + RECORD_HEADER_BYTES <= pack.length;) {
      const end = at + RECORD_HEADER_BYTES + pack.readUInt32BE(at + 40);
      out.push({ id: pack.subarray(at, at + 32).toString('hex'), fileList: pack[at + 33] === ChunkKind.Manifest, start: at, end });
      at = end;
    }
    return out;
  }

  test('a flipped byte, a pack cut short and a pack gone: exactly their chunks are bad, each with why, and each pack is read once', async () => {
    const prefix = 'damage/';
    const t = tree('damage', 150);
    let store = await Store.open(dir, OPTIONS, onBucket(prefix));
    try {
      await backupTree(store, 'alpha', t);
    } finally {
      await store.close();
    }
    const packs = [...(await storedPacks(prefix)).keys()].sort();
    expect(packs.length).toBeGreaterThanOrEqual(4);
    const s3 = bucket();
    const key = (p: string) => `${prefix}packs/${p.slice(0, 2)}/${p}.pack`;
    const get = async (p: string) =>
      Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: server.s3.bucket, Key: key(p) }))).Body!.transformToByteArray());
    const [flipped, cut, gone] = [packs[0]!, packs[1]!, packs[2]!];
    const expected = new Map<string, RegExp>();
    const fileLists = new Set<string>();
    // A byte flipped in the payload of a record in the middle of a pack.
    const f = await get(flipped);
    const victim = records(f)[Math.floor(records(f).length / 2)]!;
    f[victim.start + RECORD_HEADER_BYTES + 10]! ^= 0xff;
    expected.set(victim.id, /./);
    // A pack cut in the middle of a record: that record and all after it.
    const c = await get(cut);
    const cutAt = Math.floor(c.length / 2);
    for (const r of records(c)) if (r.end > cutAt) expected.set(r.id, new RegExp(`pack ${cut} ends at ${cutAt}`));
    // A pack gone: all its records.
    for (const r of records(await get(gone))) expected.set(r.id, new RegExp(`pack ${gone} is missing from s3://`));
    for (const p of [f, c, await get(gone)]) for (const r of records(p)) if (r.fileList) fileLists.add(r.id);
    await s3.send(new PutObjectCommand({ Bucket: server.s3.bucket, Key: key(flipped), Body: f }));
    await s3.send(new PutObjectCommand({ Bucket: server.s3.bucket, Key: key(cut), Body: c.subarray(0, cutAt) }));
    await s3.send(new DeleteObjectCommand({ Bucket: server.s3.bucket, Key: key(gone) }));
    s3.destroy();

    store = await reopenUncached(dir, prefix);
    try {
      const v = await store.verify();
      const r = reads();
      expect(v.ok).toBe(false);
      expect(v.badChunks.map((b) => b.chunk).sort()).toEqual([...expected.keys()].sort());
      for (const b of v.badChunks)
        expect({ chunk: b.chunk, reason: b.reason }).toEqual({ chunk: b.chunk, reason: expect.stringMatching(expected.get(b.chunk)!) });
      const lost = new Set(v.badChunks.map((b) => b.chunk));
      // The backup is damaged: its file list, if a listing of it was lost, else the files whose chunks were.
      expect(v.damagedBackups).toHaveLength(1);
      const d = v.damagedBackups[0]!;
      expect(d.manifestDamaged).toBe([...lost].some((id) => fileLists.has(id)));
      const named = d.files.flatMap((file) => file.chunks);
      if (!d.manifestDamaged) expect(named.length).toBeGreaterThan(0);
      for (const id of named) expect(lost.has(id)).toBe(true);
      // The pack gone is asked for once; the others are each read in one GET.
      expect(r.packGets).toBeLessThanOrEqual(packs.length + 2);
      for (const [name, p] of r.perPack) expect({ name, gets: p.gets }).toEqual({ name, gets: 1 });
    } finally {
      await store.close();
    }
  }, 120_000);
});

describe('verify with its storage not answering', () => {
  const dir = tempDir('s3-pack-reads-down');
  afterEach(() => server.s3.proxy.clearFaults());
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('stops with the storage failure and reports no chunk or backup damaged', async () => {
    const prefix = 'down/';
    let store = await Store.open(dir, OPTIONS, onBucket(prefix));
    try {
      await backupTree(store, 'alpha', tree('down', 120));
    } finally {
      await store.close();
    }
    store = await reopenUncached(dir, prefix);
    try {
      // Every read of a pack fails as a gateway in trouble answers (past the backend's attempts).
      server.s3.proxy.inject({ action: { kind: 'error' }, times: 1_000_000, match: (req) => req.method === 'GET' && (req.url ?? '').includes('/packs/') });
      await expect(store.verify()).rejects.toMatchObject({ code: 'STORE_REMOTE', message: expect.stringMatching(/read of pack .* failed/) });
      // Once the storage answers, the same store verifies sound.
      server.s3.proxy.clearFaults();
      expect(await store.verify()).toMatchObject({ ok: true, badChunks: [], damagedBackups: [] });
    } finally {
      await store.close();
    }
  }, 120_000);
});
