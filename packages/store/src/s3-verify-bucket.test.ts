/**
 * Verify on S3-compatible storage checks the bucket, the copy that survives
 * the loss of the machine, not the local copies (s3/trees/, s3/cache/);
 * a damaged local copy of a tree pack is replaced from the bucket, not
 * trusted (a real s3rver; the damage done on its own port).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SeededRandom, tempDir } from '@cpsbackup/testkit';
import { backupDirectoryTree, readManifestStream, readTree } from '@cpsbackup/testkit/store-trees';
import { useS3 } from '@cpsbackup/testkit/s3';
import { packPathWithin } from './local-backend';
import { isTreePack, PACK_MAGIC, RECORD_HEADER_BYTES } from './pack-format';
import { S3Backend } from './s3-backend';
import { Store } from './store';

const OPTIONS = { packTargetSize: 256 * 1024, flushThreshold: 128 * 1024, gracePeriodMs: 0 };

const server = useS3('s3-verify-bucket');

let prefixes = 0;
/** A cache far larger than the store: every data pack stays in s3/cache/. */
function onBucket(prefix: string, warnings: string[]) {
  return (dir: string) =>
    new S3Backend(dir, server.s3.settings(prefix, { cacheBytes: 1024 * 1024 * 1024, maxAttempts: 3, requestTimeoutMs: 30_000, warn: (m) => warnings.push(m) }));
}

/** `dirs` directories of 10 files each (a listing chunk per directory). */
function tree(seed: string, dirs = 30): Map<string, Buffer> {
  const t = new Map<string, Buffer>();
  for (let d = 0; d < dirs; d++) {
    const rnd = new SeededRandom(`${seed}/${d}`);
    for (let f = 0; f < 10; f++) t.set(`/srv/dir${String(d).padStart(2, '0')}/file${f}`, rnd.bytes(3_000 + ((d * 10 + f) % 7) * 1_500));
  }
  return t;
}

/** The files read back (directories left out), to compare with what was backed up. */
function filesOf(got: Map<string, Buffer>, want: Map<string, Buffer>): Map<string, Buffer> {
  return new Map([...got].filter(([p]) => want.has(p)));
}

/** The bucket straight, on the server's own port. */
function bucket(): S3Client {
  return new S3Client({ endpoint: `http://127.0.0.1:${server.s3.serverPort}`, region: 'us-east-1', forcePathStyle: true, credentials: { ...server.s3.key } });
}

/** A pack's records: each chunk's id (hex) and where its payload starts and the record ends. */
function records(pack: Buffer): Array<{ id: string; payload: number; end: number }> {
  const out = [];
  for (let at = PACK_MAGIC.length; at + RECORD_HEADER_BYTES <= pack.length;) {
    const end = at + RECORD_HEADER_BYTES + pack.readUInt32BE(at + 40);
    out.push({ id: pack.subarray(at, at + 32).toString('hex'), payload: at + RECORD_HEADER_BYTES, end });
    at = end;
  }
  return out;
}

/** Every record's payload with a byte flipped (a copy). */
function flipped(pack: Buffer): Buffer {
  const out = Buffer.from(pack);
  for (const r of records(out)) out[r.payload + Math.floor((r.end - r.payload) / 2)]! ^= 0x5a;
  return out;
}

describe('on S3, verify reads the bucket and a damaged local tree pack is replaced from it', () => {
  let dir: string;
  let prefix: string;
  let s3: S3Client;
  const warnings: string[] = [];
  const key = (p: string) => `${prefix}packs/${packPathWithin(p)}`;
  const get = async (p: string) =>
    Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: server.s3.bucket, Key: key(p) }))).Body!.transformToByteArray());
  const put = (p: string, body: Buffer) => s3.send(new PutObjectCommand({ Bucket: server.s3.bucket, Key: key(p), Body: body }));
  const del = (p: string) => s3.send(new DeleteObjectCommand({ Bucket: server.s3.bucket, Key: key(p) }));
  /** The local copy of a tree pack. */
  const localTree = (p: string) => path.join(dir, 's3', 'trees', 'packs', packPathWithin(p));
  /** A pack's chunks, by the catalog. */
  const chunksOf = (store: Store, p: string) =>
    store.catalog
      .chunksInPack(p)
      .map((l) => l.id.toString('hex'))
      .sort();

  beforeEach(() => {
    dir = tempDir('s3-verify-bucket');
    prefix = `verify${++prefixes}/`;
    s3 = bucket();
    warnings.length = 0;
  });
  afterEach(() => {
    s3.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Two backups of one client, the store open; its packs, tree and data, each present locally (kept or cached). */
  async function twoBackups(): Promise<{ store: Store; trees: string[]; data: string[] }> {
    const store = await Store.open(dir, OPTIONS, onBucket(prefix, warnings));
    await backupDirectoryTree(store, 'alpha', tree('one'));
    await backupDirectoryTree(store, 'beta', tree('two'));
    const packs = store.catalog.packNames().sort();
    const trees = packs.filter(isTreePack);
    const data = packs.filter((p) => !isTreePack(p));
    expect(trees.length).toBeGreaterThanOrEqual(1);
    expect(data.length).toBeGreaterThanOrEqual(2);
    for (const p of trees) expect(fs.existsSync(localTree(p))).toBe(true);
    for (const p of data) expect(fs.existsSync(path.join(dir, 's3', 'cache', 'packs', packPathWithin(p)))).toBe(true);
    expect((await store.verify()).ok).toBe(true);
    return { store, trees, data };
  }

  test('a tree pack and a data pack gone from the bucket (local copies intact): their chunks are PACK_MISSING and the backups damaged', async () => {
    const { store, trees, data } = await twoBackups();
    try {
      const [treeGone, dataGone] = [trees[0]!, data[0]!];
      const want = [...chunksOf(store, treeGone), ...chunksOf(store, dataGone)].sort();
      await del(treeGone);
      await del(dataGone);
      const v = await store.verify();
      expect(v.ok).toBe(false);
      expect(v.badChunks.map((b) => b.chunk).sort()).toEqual(want);
      for (const b of v.badChunks) expect(b.reason).toMatch(new RegExp(`pack ${b.pack} is missing from s3://`));
      // Each backup's listings are in the tree pack gone (or in another tree pack: then its data in the data pack gone names files).
      expect(v.damagedBackups.length).toBeGreaterThanOrEqual(1);
      for (const d of v.damagedBackups) expect(d.manifestDamaged || d.files.length > 0).toBe(true);
      const listingsGone = new Set(chunksOf(store, treeGone));
      for (const b of store.catalog.allBackups()) {
        const ids = store.catalog.manifestIds(b.id).map((id) => id.toString('hex'));
        if (ids.some((id) => listingsGone.has(id))) expect(v.damagedBackups.find((d) => d.backupId === b.id)?.manifestDamaged).toBe(true);
      }
      // The local copies were not what verify read: they are still there.
      expect(fs.existsSync(localTree(treeGone))).toBe(true);
    } finally {
      await store.close();
    }
  }, 120_000);

  test("a byte flipped in a tree pack in the bucket (the local copy intact): verify reports that pack's chunks bad and its backups damaged", async () => {
    const { store, trees } = await twoBackups();
    try {
      const victim = trees[0]!;
      await put(victim, flipped(await get(victim)));
      const v = await store.verify();
      expect(v.ok).toBe(false);
      expect(v.badChunks.map((b) => b.chunk).sort()).toEqual(chunksOf(store, victim));
      for (const b of v.badChunks) expect(b.reason).toMatch(/does not match its hash/);
      expect(v.damagedBackups.length).toBeGreaterThanOrEqual(1);
      for (const d of v.damagedBackups) expect(d.manifestDamaged).toBe(true);
    } finally {
      await store.close();
    }
  }, 120_000);

  test.each([
    ['bytes flipped in every record', (b: Buffer) => flipped(b)],
    ['cut short in its first record', (b: Buffer) => b.subarray(0, PACK_MAGIC.length + RECORD_HEADER_BYTES + 5)],
    [
      'a record header damaged',
      (b: Buffer) =>
        Buffer.concat([b.subarray(0, PACK_MAGIC.length), Buffer.alloc(RECORD_HEADER_BYTES, 0xee), b.subarray(PACK_MAGIC.length + RECORD_HEADER_BYTES)]),
    ],
  ])(
    'a local tree pack %s (the bucket intact): a read, a new backup and verify succeed, the copy replaced from the bucket',
    async (_what, damage) => {
      const t = tree('one', 6);
      const store = await Store.open(dir, OPTIONS, onBucket(prefix, warnings));
      try {
        const b1 = await backupDirectoryTree(store, 'alpha', t);
        const trees = store.catalog.packNames().filter(isTreePack);
        expect(trees).toHaveLength(1);
        const p = trees[0]!;
        const inBucket = await get(p);
        // The store has read the copy (an open reader on it): the damage is written in place, as a disk would.
        expect(filesOf(await readTree(store, b1.id), t)).toEqual(t);
        const spoil = () => {
          const bad = damage(fs.readFileSync(localTree(p)));
          const fd = fs.openSync(localTree(p), 'r+');
          fs.writeSync(fd, bad, 0, bad.length, 0);
          fs.ftruncateSync(fd, bad.length);
          fs.closeSync(fd);
          expect(fs.readFileSync(localTree(p)).equals(inBucket)).toBe(false);
        };

        spoil();
        expect(filesOf(await readTree(store, b1.id), t)).toEqual(t);
        expect(fs.readFileSync(localTree(p)).equals(inBucket)).toBe(true);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(new RegExp(`local copy of tree pack ${p} .* was damaged .*replaced by the copy in s3://`));

        // A new backup of the client, incremental as a node's is: the parent's file list read, then the same listings committed.
        spoil();
        let parentEntries = 0;
        for await (const chunk of readManifestStream(store, b1.id)) parentEntries += chunk.length;
        expect(parentEntries).toBeGreaterThan(0);
        const b2 = await backupDirectoryTree(store, 'alpha', t, b1.id);
        expect(b2.status).toBe('available');
        expect(fs.readFileSync(localTree(p)).equals(inBucket)).toBe(true);
        expect(filesOf(await readTree(store, b2.id), t)).toEqual(t);

        spoil();
        expect(await store.verify()).toMatchObject({ ok: true, badChunks: [], damagedBackups: [] });
        expect(await store.verify({ client: 'alpha' })).toMatchObject({ ok: true, badChunks: [], damagedBackups: [] });
        expect(fs.readFileSync(localTree(p)).equals(inBucket)).toBe(true);
      } finally {
        await store.close();
      }
    },
    120_000,
  );
});
