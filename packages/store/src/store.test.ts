import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { fileEntry, SeededRandom, tempDir, toArray } from '@cpsbackup/testkit';
import { chunkIdOf, compressChunk, decodeChunk, encodedChunkMatches } from '@cpsbackup/format';
import { backupTree, backupTreeYielding, putChunk, putEncodedChunk, readTree } from '@cpsbackup/testkit/store-trees';
import { isStoreError } from './errors';
import { LocalDirectoryBackend } from './local-backend';
import { Store } from './store';
import { type EncodedChunkCheck } from './backup-writer';

const HOUR = 3600_000;

function makeTree(seed: string, files: number, size: number): Map<string, Buffer> {
  const rnd = new SeededRandom(seed);
  const tree = new Map<string, Buffer>();
  for (let i = 0; i < files; i++) tree.set(`/data/${seed}/file-${i}.bin`, i % 2 ? rnd.text(size + i * 37) : rnd.bytes(size + i * 53));
  return tree;
}

function expectSameTree(actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [p, content] of expected) expect(actual.get(p)!.equals(content)).toBe(true);
}

describe('Store', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = tempDir('store');
    store = await Store.open(dir, { packTargetSize: 256 * 1024, flushThreshold: 128 * 1024 });
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('files round-trip bit-exact, with metadata', async () => {
    const tree = makeTree('a', 20, 30_000);
    tree.set('/data/empty', Buffer.alloc(0));
    const b = await backupTree(store, 'node1', tree);
    expect(b.status).toBe('available');
    expect(b.number).toBe(1);
    expect(b.fileCount).toBe(21);
    expectSameTree(await readTree(store, b.id), tree);
    const first = (await store.walkManifest(b.id).next()).value!;
    expect(first.mtimeNs).toBe(1_700_000_000_123_456_789n);
    expect(first.user).toBe('alice');
  });

  test('a second backup of the same data stores almost nothing new; numbers count up per client', async () => {
    const tree = makeTree('b', 10, 50_000);
    const b1 = await backupTree(store, 'node1', tree);
    const b2 = await backupTree(store, 'node1', tree, b1.id);
    expect(b2.number).toBe(2);
    expect(b2.parentId).toBe(b1.id);
    expect(b1.newRawBytes).toBeGreaterThan(500_000);
    expect(b2.newChunks).toBe(0); // identical manifest too
    expect(b2.newRawBytes).toBe(0);
  });

  test('the missing-chunks answer is per dedup group: no client can probe another', async () => {
    const tree = makeTree('c', 3, 40_000);
    await backupTree(store, 'alice', tree);
    const content = tree.values().next().value!;
    const id = chunkIdOf(content.subarray(0, 100));
    const w = store.beginBackup({ client: 'alice' });
    const someStored = (await store.walkManifest(1).next()).value!.chunks[0]!;
    expect(w.missing([someStored])).toEqual([]);
    w.abort('test');
    const bob = store.beginBackup({ client: 'bob' });
    // Bob must send the chunk although the store holds it; it is then stored once.
    expect(bob.missing([someStored, id]).length).toBe(2);
    expect(() => bob.addEntry(fileEntry('/x', [someStored], 1))).toThrow(/never sent/);
    bob.abort('test');
  });

  test('a chunk that does not hash to its id is refused, plain or encoded', async () => {
    const w = store.beginBackup({ client: 'liar' });
    const data = Buffer.from('honest bytes');
    const wrongId = chunkIdOf(Buffer.from('other bytes'));
    await expect(putChunk(w, wrongId, data)).rejects.toThrow(/does not hash to its claimed id/);
    const { codec, payload } = compressChunk(Buffer.alloc(5000, 7));
    await expect(putEncodedChunk(w, wrongId, codec, payload, 5000)).rejects.toThrow(/does not hash/);
    // A zstd frame that decodes to more than it claims is refused without allocating for it.
    await expect(putEncodedChunk(w, chunkIdOf(Buffer.alloc(5000, 7)), codec, payload, 100)).rejects.toThrow(/could not decode|expected 100/);
    const refused = await putChunk(w, wrongId, data).catch((err: unknown) => err);
    expect(isStoreError(refused, 'CHUNK_HASH_MISMATCH')).toBe(true);
    w.abort('poisoning attempt');
    expect((await store.stats()).chunks).toBe(0);
  });

  test('chunks checked on other threads are stored in the order they came, once each check passed; a failed check fails at once', async () => {
    // The checks are the real one, released by hand in any order (as worker threads answer).
    const release: Array<() => void> = [];
    const check: EncodedChunkCheck = (id, codec, payload, rawLength) =>
      new Promise((resolve, reject) =>
        release.push(() => {
          try {
            resolve(encodedChunkMatches(id, codec, payload, rawLength));
          } catch (err) {
            reject(err as Error);
          }
        }),
      );
    const w = store.beginBackup({ client: 'async' });
    const rnd = new SeededRandom('async');
    const chunks = Array.from({ length: 5 }, () => rnd.bytes(20_000));
    const queued = chunks.map((c) => {
      const { codec, payload } = compressChunk(c);
      return w.queueEncodedChunk(chunkIdOf(c), codec, payload, c.length, check);
    });
    await Promise.all(queued); // few enough to be held, not waited for
    expect(() => w.missing([chunkIdOf(chunks[0]!)])).toThrow(/still being checked \(settle first\)/);
    const settled = w.settle();
    for (const r of [...release].reverse()) r(); // answers in reverse order: storing keeps arrival order
    await settled;
    expect(w.missing(chunks.map((c) => chunkIdOf(c)))).toEqual([]);
    w.addEntry(
      fileEntry(
        '/f',
        chunks.map((c) => chunkIdOf(c)),
        100_000,
      ),
    );
    const info = await w.commit();
    expect((await readTree(store, info.id)).get('/f')!.equals(Buffer.concat(chunks))).toBe(true);

    // A lie is reported as soon as its check answers, before the peer sends anything else.
    const liar = store.beginBackup({ client: 'liar' });
    const { codec, payload } = compressChunk(Buffer.from('honest bytes'));
    await liar.queueEncodedChunk(chunkIdOf(Buffer.from('other bytes')), codec, payload, 12, check);
    const told = new Promise<Error>((resolve) => (liar.onCheckFailure = resolve));
    release.at(-1)!();
    expect((await told).message).toMatch(/does not hash to its claimed id/);
    await expect(liar.settle()).rejects.toThrow(/does not hash to its claimed id/);
    liar.abort('lied');
    // A payload that does not decode to its length fails the same way, naming why.
    const broken = store.beginBackup({ client: 'broken' });
    await broken.queueEncodedChunk(chunkIdOf(chunks[0]!), codec, payload, 99, check);
    release.at(-1)!();
    await expect(broken.settle()).rejects.toThrow(/expected 99/);
    broken.abort('broken');
  });

  test('delete one of three backups, GC: the store shrinks and the others read back exactly', async () => {
    const t1 = makeTree('g1', 8, 60_000);
    const t2 = new Map(t1);
    t2.set('/data/g1/file-3.bin', new SeededRandom('edit').bytes(200_000));
    const t3 = makeTree('g3', 8, 60_000);
    const b1 = await backupTree(store, 'n', t1);
    const b2 = await backupTree(store, 'n', t2, b1.id);
    const b3 = await backupTree(store, 'n', t3, b2.id);
    const before = (await store.stats()).storedBytes;
    await store.deleteBackup(b3.id);
    const report = await store.gc(Date.now() + 48 * HOUR);
    expect(report.deadChunks).toBeGreaterThan(0);
    expect(report.bytesAfter).toBeLessThan(before);
    // Most of what only b3 held is gone (a pack still over 60 % live keeps its garbage until later).
    expect(before - (await store.stats()).storedBytes).toBeGreaterThan(b3.newStoredBytes * 0.6);
    expectSameTree(await readTree(store, b1.id), t1);
    expectSameTree(await readTree(store, b2.id), t2);
    expect((await store.verify()).ok).toBe(true);
    // GC again after deleting the oldest: shared chunks stay for b2.
    await store.deleteBackup(b1.id);
    await store.gc(Date.now() + 48 * HOUR);
    expectSameTree(await readTree(store, b2.id), t2);
    expect((await store.verify()).ok).toBe(true);
  });

  test('GC runs alone: backups cannot write while it runs; a read in flight when GC moves its chunk is read again where it went', async () => {
    await store.close();
    /** Local packs whose next read waits until released (a slow object store, as seen by one read). */
    class HeldRead extends LocalDirectoryBackend {
      private held: { gate: Promise<void>; started: () => void } | undefined;
      /** Holds the next read; resolves `started` once it began, and lets it go on `release()`. */
      holdNext(): { started: Promise<void>; release: () => void } {
        let release!: () => void;
        let started!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        const began = new Promise<void>((r) => (started = r));
        this.held = { gate, started };
        return { started: began, release };
      }
      override async readPack(name: string, offset: number, length: number): Promise<Buffer> {
        const h = this.held;
        this.held = undefined;
        if (h) {
          h.started();
          await h.gate;
        }
        return super.readPack(name, offset, length);
      }
    }
    let backend!: HeldRead;
    store = await Store.open(dir, { packTargetSize: 256 * 1024, flushThreshold: 128 * 1024, gcLiveThreshold: 0.9 }, (d) => (backend = new HeldRead(d)));
    const keep = makeTree('kept', 6, 60_000);
    const b1 = await backupTree(store, 'n', new Map([...keep, ...makeTree('dropped', 6, 60_000)]));
    const b2 = await backupTree(store, 'n', keep, b1.id); // the same chunks, deduplicated: they share b1's packs
    await store.deleteBackup(b1.id);
    const entry = (await toArray(store.walkManifest(b2.id))).find((e) => e.path.toString() === '/data/kept/file-0.bin')!;
    const id = entry.chunks[0]!;
    const before = store.catalog.chunk(id)!;

    const held = backend.holdNext();
    const reading = store.readChunk(id); // its location is looked up now; its bytes are read once released
    await held.started;
    const gc = store.gc(Date.now() + 48 * HOUR);
    expect(() => store.beginBackup({ client: 'other' })).toThrow(
      expect.objectContaining({ code: 'STORE_BUSY', message: expect.stringMatching(/garbage collection is running/) }),
    );
    const report = await gc;
    expect(report.movedChunks).toBeGreaterThan(0);
    expect(store.catalog.chunk(id)!.pack).not.toBe(before.pack); // moved, and its old pack deleted
    expect(fs.existsSync(backend.packFile(before.pack))).toBe(false);
    // Released: the read of the old place fails, and the chunk is read again where GC put it.
    held.release();
    const chunk = await reading;
    expect(chunk.equals(keep.get('/data/kept/file-0.bin')!.subarray(0, chunk.length))).toBe(true);
    expectSameTree(await readTree(store, b2.id), keep);
    store.beginBackup({ client: 'other' }).abort('after GC, backups write again');
  });

  test('chunks located together are read where located; one not stored has no place; a place GC emptied since is read again where the chunk went', async () => {
    await store.close();
    store = await Store.open(dir, { packTargetSize: 256 * 1024, flushThreshold: 128 * 1024, gcLiveThreshold: 0.9 });
    const keep = makeTree('kept', 6, 60_000);
    const b1 = await backupTree(store, 'n', new Map([...keep, ...makeTree('dropped', 6, 60_000)]));
    const b2 = await backupTree(store, 'n', keep, b1.id);
    const entries = await toArray(store.walkManifest(b2.id));
    const ids = entries.flatMap((e) => e.chunks);
    const absent = Buffer.alloc(32, 7);
    const places = store.locateChunks([...ids, absent]);
    expect(places).toHaveLength(ids.length + 1);
    expect(places[ids.length]).toBeUndefined();
    for (const [i, id] of ids.entries()) {
      expect(places[i]).toEqual(store.catalog.chunk(id));
      const c = await store.readEncodedChunk(id, places[i]);
      expect(decodeChunk(c.codec, c.payload, c.rawLength).equals(await store.readChunk(id))).toBe(true);
    }
    await expect(store.readEncodedChunk(absent, places[ids.length])).rejects.toMatchObject({ code: 'CHUNK_MISSING' });
    // GC moves the kept chunks out of the packs they shared with the deleted backup's, and deletes those packs.
    await store.deleteBackup(b1.id);
    expect((await store.gc(Date.now() + 48 * HOUR)).movedChunks).toBeGreaterThan(0);
    const moved = ids.findIndex((id) => store.catalog.chunk(id)!.pack !== places[ids.indexOf(id)]!.pack);
    expect(moved).toBeGreaterThanOrEqual(0);
    const c = await store.readEncodedChunk(ids[moved]!, places[moved]);
    expect(decodeChunk(c.codec, c.payload, c.rawLength).equals(await store.readChunk(ids[moved]!))).toBe(true);
  });

  test('verify names the damaged chunk, backup and file after one flipped bit in a pack', async () => {
    const tree = makeTree('v', 6, 40_000);
    const b = await backupTree(store, 'n', tree);
    const victim = (await toArray(store.walkManifest(b.id)))[2]!;
    const loc = store.catalog.chunk(victim.chunks[0]!)!;
    await store.close();
    const file = path.join(dir, 'packs', loc.pack.slice(0, 2), `${loc.pack}.pack`);
    const bytes = fs.readFileSync(file);
    bytes[loc.offset + 44 + 10]! ^= 0x04; // inside the payload
    fs.writeFileSync(file, bytes);
    store = await Store.open(dir);
    const report = await store.verify();
    expect(report.ok).toBe(false);
    expect(report.badChunks.map((c) => c.chunk)).toEqual([victim.chunks[0]!.toString('hex')]);
    expect(report.damagedBackups).toHaveLength(1);
    expect(report.damagedBackups[0]!.number).toBe(b.number);
    expect(report.damagedBackups[0]!.files.map((f) => f.path)).toEqual([victim.path.toString()]);
    await expect(readTree(store, b.id)).rejects.toThrow(/does not match its hash|could not decode/);
  });

  test('an aborted backup is error with its reason, and its chunks serve the retry', async () => {
    const tree = makeTree('r', 4, 40_000);
    const w = store.beginBackup({ client: 'n' });
    const content = tree.get('/data/r/file-0.bin')!;
    const id = chunkIdOf(content);
    await putChunk(w, id, content);
    w.abort('connection lost');
    const failed = store.getBackupByNumber('n', 1);
    expect(failed.status).toBe('error');
    expect(failed.reason).toBe('connection lost');
    const retry = store.beginBackup({ client: 'n' });
    expect(retry.missing([id])).toEqual([]);
    retry.addEntry(fileEntry('/data/r/file-0.bin', [id], content.length));
    const done = await retry.commit();
    expect(done.number).toBe(2);
    expect(done.newRawBytes).toBeLessThan(content.length); // only the manifest was new
    expect(store.latestAvailable('n')!.id).toBe(done.id);
  });

  test('GC keeps the chunks of a failed backup for the grace period, then reclaims them', async () => {
    const w = store.beginBackup({ client: 'n' });
    const data = new SeededRandom('grace').bytes(20_000);
    await putChunk(w, chunkIdOf(data), data);
    w.abort('agent died');
    expect((await store.gc(Date.now())).deadChunks).toBe(0);
    expect((await store.gc(Date.now() + 48 * HOUR)).deadChunks).toBeGreaterThan(0);
    expect((await store.stats()).chunks).toBe(0);
  });

  test('a backup deleted just after it was made frees its space at the next GC: the grace period is for failed backups only', async () => {
    const keep = makeTree('kept', 4, 50_000);
    const gone = makeTree('gone', 4, 50_000);
    const b1 = await backupTree(store, 'n', keep);
    const b2 = await backupTree(store, 'n', gone, b1.id);
    const before = await store.stats();
    await store.deleteBackup(b2.id);
    // Deleted, not yet collected: listed as deleting, never restorable.
    expect(store.listBackups('n').map((b) => [b.number, b.status])).toEqual([
      [1, 'available'],
      [2, 'deleting'],
    ]);
    await expect(toArray(store.walkManifest(b2.id))).rejects.toThrow();
    expect(store.latestAvailable('n')!.id).toBe(b1.id);
    const report = await store.gc(Date.now()); // well within gc_grace of b2's chunks
    expect(store.listBackups('n').map((b) => b.number)).toEqual([1]);
    expect(report.deadChunks).toBeGreaterThanOrEqual(4);
    expect((await store.stats()).chunks).toBe(before.chunks - report.deadChunks);
    expect(before.storedBytes - (await store.stats()).storedBytes).toBeGreaterThan(b2.newStoredBytes * 0.6);
    expectSameTree(await readTree(store, b1.id), keep);
    expect((await store.verify()).ok).toBe(true);
  });

  test('GC never takes a chunk that a running backup was told it need not send', async () => {
    const tree = makeTree('race', 1, 30_000);
    const b1 = await backupTree(store, 'n', tree);
    const ids = (await toArray(store.walkManifest(b1.id)))[0]!.chunks;
    const w = store.beginBackup({ client: 'n' });
    expect(w.missing(ids)).toEqual([]);
    await store.deleteBackup(b1.id);
    await store.gc(Date.now());
    w.addEntry(fileEntry('/again', ids, 30_000));
    const b2 = await w.commit();
    expect((await readTree(store, b2.id)).get('/again')!.equals(tree.values().next().value!)).toBe(true);
  });

  test('background flush rounds: chunks are recorded once their packs are synced, dedup against a round in flight, and read back', async () => {
    // Past the 128 KiB threshold a round starts; it is recorded when its fsyncs end, with no synchronous flush.
    const rnd = new SeededRandom('rounds');
    const w = store.beginBackup({ client: 'n' });
    const pieces = Array.from({ length: 6 }, () => rnd.bytes(30_000));
    const ids = pieces.map((p) => chunkIdOf(p));
    for (const [i, p] of pieces.entries()) await putChunk(w, ids[i]!, p);
    expect(store.catalog.chunk(ids[0]!)).toBeUndefined(); // in flight: not named yet
    // Sent again while the round is in flight (same dedup group): not stored twice.
    const other = store.beginBackup({ client: 'n2', dedupGroup: 'n' });
    expect(await putChunk(other, ids[0]!, pieces[0]!)).toBe(0);
    // Recorded once the round's fsyncs end, however slow the disk (a hang fails by the test's timeout).
    while (!store.catalog.chunk(ids[0]!)) await new Promise((r) => setTimeout(r, 5));
    w.addEntry(fileEntry('/six', ids, 180_000));
    const b = await w.commit();
    expect((await readTree(store, b.id)).get('/six')!.equals(Buffer.concat(pieces))).toBe(true);
    other.abort('test');

    // Many rounds, completing between files, then a reopen: everything reads back and verifies.
    const tree = makeTree('yield', 40, 20_000);
    const b2 = await backupTreeYielding(store, 'y', tree);
    await store.close();
    store = await Store.open(dir, { packTargetSize: 256 * 1024, flushThreshold: 128 * 1024 });
    expectSameTree(await readTree(store, b2.id), tree);
    const v = await store.verify();
    expect(v.ok).toBe(true);
    expect(v.badChunks).toEqual([]);
    expect(v.chunksChecked).toBeGreaterThan(40);
    expect(store.catalog.packNames('open').length).toBeLessThanOrEqual(1);
  });

  test("a client is told nothing of other groups' chunks: one another group stored counts as new, and is stored once", async () => {
    const secret = new SeededRandom('pin').bytes(20_000);
    const id = chunkIdOf(secret);
    const victim = store.beginBackup({ client: 'victim' });
    await putChunk(victim, id, secret);
    victim.addEntry(fileEntry('/pin', [id], secret.length));
    await victim.commit();
    const packBytes = async () => (await store.stats()).storedBytes;
    const before = await packBytes();

    const prober = store.beginBackup({ client: 'prober' });
    expect(prober.missing([id])).toEqual([id]); // its group never sent it
    const guess = new SeededRandom('pin').bytes(20_000);
    const fresh = new SeededRandom('other').bytes(20_000);
    const counted = await putChunk(prober, id, guess);
    expect(await putChunk(prober, chunkIdOf(fresh), fresh)).toBe(counted); // a right guess looks exactly like new data
    prober.addEntry(fileEntry('/guess', [id, chunkIdOf(fresh)], 40_000));
    const b = await prober.commit();
    // The same summary as a client whose two chunks were both unknown to the store.
    const control = store.beginBackup({ client: 'control' });
    const c1 = new SeededRandom('c1').bytes(20_000);
    const c2 = new SeededRandom('c2').bytes(20_000);
    await putChunk(control, chunkIdOf(c1), c1);
    await putChunk(control, chunkIdOf(c2), c2);
    control.addEntry(fileEntry('/guess', [chunkIdOf(c1), chunkIdOf(c2)], 40_000));
    const c = await control.commit();
    expect([b.newChunks, b.newRawBytes]).toEqual([c.newChunks, c.newRawBytes]);
    expect(b.newChunks).toBe(3); // two data chunks and the manifest
    expect(Math.abs(b.newStoredBytes - c.newStoredBytes)).toBeLessThan(64); // only the manifests' compression differs
    store.flush();
    // Stored once all the same: the prober's guess added no pack bytes, the control's two chunks did.
    expect((await packBytes()) - before).toBeLessThan(3 * 20_000 + 4096);
  });

  test('a catalog of a newer schema than this build reads is refused, saying so', async () => {
    await store.close();
    const raw = new Database(path.join(dir, 'catalog.db'));
    raw.pragma('user_version = 99');
    raw.close();
    await expect(Store.open(dir)).rejects.toThrow(/catalog schema version 99 is not supported \(this build reads up to 4\); use a newer cpsbackupd/);
    const fixed = new Database(path.join(dir, 'catalog.db'));
    fixed.pragma('user_version = 4');
    fixed.close();
    store = await Store.open(dir, {}); // (afterEach closes it)
  });

  test('one backup per client at a time; a second store on the same directory is refused', async () => {
    const w = store.beginBackup({ client: 'n' });
    expect(() => store.beginBackup({ client: 'n' })).toThrow(/already has backup 1 running/);
    w.abort('x');
    await expect(Store.open(dir)).rejects.toThrow(/in use by process/);
  });

  test('reopening after an unclean stop marks creating backups as error', async () => {
    const w = store.beginBackup({ client: 'n' });
    const data = Buffer.alloc(10_000, 1);
    await putChunk(w, chunkIdOf(data), data);
    store.flush();
    // Simulate a crash: drop the handles without any close-time bookkeeping.
    store.catalog.close();
    fs.rmSync(path.join(dir, 'lock'));
    store = await Store.open(dir);
    expect(store.recovery.interruptedBackups).toHaveLength(1);
    const b = store.getBackupByNumber('n', 1);
    expect(b.status).toBe('error');
    expect(b.reason).toMatch(/interrupted/);
    expect((await store.verify()).ok).toBe(true);
  });

  test('stats report dedup and compression', async () => {
    const tree = makeTree('s', 6, 50_000);
    await backupTree(store, 'n', tree);
    await backupTree(store, 'n', tree);
    const s = await store.stats();
    expect(s.backups.available).toBe(2);
    expect(s.dedupRatio).toBeGreaterThan(1.8);
    expect(s.compressionRatio).toBeGreaterThan(1.2);
  });
});
