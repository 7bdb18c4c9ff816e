/**
 * Encrypted nodes' backups as the store keeps them: chunks it cannot read,
 * under ids it derives (format's sealed.ts); trees it walks by the
 * references their records carry, for the commit check, GC and verify.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { tempDir, toArray } from '@cpsbackup/testkit';
import { CHUNK_ID_BYTES, chunkIdOf, compressChunk, encodeEntryRecords, EntryType, ManifestFormat, sealedStoreId } from '@cpsbackup/format';
import { fileEntry } from '@cpsbackup/testkit';
import { putChunk, putEncodedChunk } from '@cpsbackup/testkit/store-trees';
import { type BackupWriter } from './backup-writer';
import { isStoreError } from './errors';
import { repairCatalog } from './repair';
import { Store } from './store';

const KEY = randomBytes(32);
/** A chunk id as a node names it (the store cannot check an encrypted node's ids). */
const wireId = () => randomBytes(CHUNK_ID_BYTES);

/** An encrypted tree as an agent would send it: two directories of files, one shared, ciphertexts random. */
function sealedTree(w: BackupWriter, dataWire: Buffer[]): Buffer[] {
  const seals = dataWire.map(() => randomBytes(300));
  const lacking = new Set(w.missing(dataWire).map((id) => id.toString('hex')));
  dataWire.forEach((id, i) => lacking.has(id.toString('hex')) && w.putSealedChunk(id, seals[i]!));
  const sub = wireId();
  if (w.missing([sub]).length) w.putSealedListing(sub, randomBytes(200), [], dataWire.slice(0, 2));
  const root = wireId();
  w.putSealedListing(root, randomBytes(200), [sub], dataWire.slice(2));
  return [root];
}

describe('encrypted backups in the store', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = tempDir('sealed');
    store = await Store.open(dir, { packTargetSize: 256 * 1024, gracePeriodMs: 0 });
  });
  afterEach(async () => {
    await store.close();
  });

  async function backUp(client: string, data: Buffer[], keyId = KEY) {
    const w = store.beginBackup({ client, keyId });
    const root = sealedTree(w, data);
    w.claimTotals(10, 12345);
    return w.commitTree(root, await w.checkTree(root));
  }

  it('stores chunks under ids of their key, keeps them while a backup names them, verifies them, and frees them with it', async () => {
    const data = [wireId(), wireId(), wireId()];
    const b = await backUp('n1', data);
    expect(b.manifestFormat).toBe(ManifestFormat.Sealed);
    expect(b.fileCount).toBe(10);
    expect(b.logicalBytes).toBe(12345);
    for (const w of data) {
      expect(store.catalog.chunkExists(sealedStoreId(KEY, w))).toBe(true);
      expect(store.catalog.chunkExists(w)).toBe(false); // never under the id the node chose
    }
    const chunks = new Set((await toArray(store.chunksOf(b.id))).map((id) => id.toString('hex')));
    expect(chunks.size).toBe(5); // two listings, three data chunks
    expect((await store.gc()).deadChunks).toBe(0);
    expect((await store.verify()).ok).toBe(true);
    await expect(toArray(store.walkManifest(b.id))).rejects.toThrow(/encrypted/);

    // The second backup sends nothing new: its group has every chunk.
    const w = store.beginBackup({ client: 'n1', keyId: KEY });
    expect(w.missing(data)).toEqual([]);
    w.abort('test');

    await store.deleteBackup(b.id);
    // A minute on: the aborted backup's references are past their grace (0 here), whatever the clock's resolution.
    expect((await store.gc(Date.now() + 60_000)).deadChunks).toBe(5);
  });

  it('finds a damaged sealed chunk on verify', async () => {
    const data = [wireId(), wireId(), wireId()];
    const b = await backUp('n1', data);
    store.flush();
    const loc = store.catalog.chunk(sealedStoreId(KEY, data[2]!))!;
    await store.close();
    const file = path.join(dir, 'packs', loc.pack.slice(0, 2), `${loc.pack}.pack`);
    const bytes = fs.readFileSync(file);
    bytes[loc.offset + 44 + 100]! ^= 0x01; // a bit of its ciphertext
    fs.writeFileSync(file, bytes);
    store = await Store.open(dir, { packTargetSize: 256 * 1024, gracePeriodMs: 0 });
    const report = await store.verify();
    expect(report.ok).toBe(false);
    expect(report.badChunks.map((c) => c.chunk)).toEqual([sealedStoreId(KEY, data[2]!).toString('hex')]);
    expect(report.damagedBackups).toEqual([
      expect.objectContaining({
        number: b.number,
        manifestDamaged: false,
        files: [expect.objectContaining({ chunks: [sealedStoreId(KEY, data[2]!).toString('hex')] })],
      }),
    ]);
  });

  it('refuses what an encrypted node cannot show it has, and another key in the group', async () => {
    const w = store.beginBackup({ client: 'n1', keyId: KEY });
    expect(() => w.putSealedListing(wireId(), randomBytes(50), [], [wireId()])).toThrow(/never sent/);
    await expect(putEncodedChunk(w, wireId(), 0, randomBytes(10), 10)).rejects.toThrow(/encrypted/);
    w.abort('test');
    await backUp('n1', [wireId(), wireId(), wireId()]);
    let err: unknown;
    try {
      store.beginBackup({ client: 'n1', keyId: randomBytes(32) });
    } catch (e) {
      err = e;
    }
    expect(isStoreError(err, 'KEY_MISMATCH')).toBe(true);
    expect((err as Error).message).toMatch(/is not the one its backups were made with: 1 backup \(\d+\) was made with key/);
    // Another group may use another key.
    await backUp('n2', [wireId(), wireId(), wireId()], randomBytes(32));
  });

  it("keeps encrypted and plain trees apart: neither may name the other's listings", async () => {
    const b = await backUp('n1', [wireId(), wireId(), wireId()]);
    const [, sealedRoot] = store.manifestIds(b.id);
    // A plain backup of the same group naming the encrypted root listing (its node can compute the stored id).
    const plain = store.beginBackup({ client: 'n1' });
    await expect(plain.checkTree([sealedRoot!])).rejects.toThrow(/encrypted node's/);
    plain.abort('test');
    // An encrypted tree naming a plain listing.
    const content = randomBytes(100);
    const p = store.beginBackup({ client: 'n2' });
    await putChunk(p, chunkIdOf(content), content);
    const listing = encodeEntryRecords([{ ...fileEntry('/f', [chunkIdOf(content)], 100), type: EntryType.File }]);
    const { codec, payload } = compressChunk(listing);
    p.putListingChunk(chunkIdOf(listing), codec, payload, listing.length);
    await p.commitTree([chunkIdOf(listing)], await p.checkTree([chunkIdOf(listing)]));
    const s = store.beginBackup({ client: 'n2', keyId: KEY });
    // Its stored id for any wire id is never the plain listing's; naming one it lacks is refused.
    await expect(s.checkTree([wireId()])).rejects.toThrow(/never sent/);
    s.abort('test');
  });

  it('come back whole from a catalog rebuilt from storage alone, wrapped key included', async () => {
    const data = [wireId(), wireId(), wireId()];
    const b = await backUp('n1', data);
    const registered = randomBytes(32);
    await store.registerKey('n1', registered, Buffer.from('wrapped'));
    const before = new Set((await toArray(store.chunksOf(b.id))).map((id) => id.toString('hex')));
    await store.close();
    fs.rmSync(path.join(dir, 'catalog.db'));
    await repairCatalog(dir, 'storage');
    store = await Store.open(dir, { packTargetSize: 256 * 1024, gracePeriodMs: 0 });
    const again = store.listBackups('n1')[0]!;
    expect(again).toMatchObject({ status: 'available', manifestFormat: ManifestFormat.Sealed, fileCount: 10 });
    expect(new Set((await toArray(store.chunksOf(again.id))).map((id) => id.toString('hex')))).toEqual(before);
    expect((await store.gc()).deadChunks).toBe(0);
    expect((await store.verify()).ok).toBe(true);
    expect(store.clientKey('n1')?.wrapped?.toString()).toBe('wrapped');
    expect(store.clientKey('n1')?.keyId).toEqual(registered);
    // The group still knows its chunks (rebuilt from the records' references): nothing is sent again.
    await store.registerKey('n1', KEY, undefined);
    const w = store.beginBackup({ client: 'n1', keyId: KEY });
    expect(w.missing(data)).toEqual([]);
    w.abort('test');
  });

  function refusal(client: string, keyId: Buffer, dedupGroup?: string): string {
    try {
      store.beginBackup({ client, keyId, dedupGroup }).abort('test');
    } catch (err) {
      expect(isStoreError(err, 'KEY_MISMATCH')).toBe(true);
      return (err as Error).message;
    }
    return '';
  }

  it('binds a client to its registered key; backups it made with other keys, kept through a key change, bind nothing', async () => {
    const old = randomBytes(32);
    const next = randomBytes(32);
    await backUp('n1', [wireId()], old);
    await backUp('n1', [wireId()], old);
    // Nothing registered: every backup it has binds it.
    expect(refusal('n1', next)).toMatch(
      new RegExp(
        `its backups were made with: 2 backups \\(1 to 2\\) were made with key ${old.toString('hex').slice(0, 16)}.*cpsbackup --init-key.*cpsbackup --change-key`,
      ),
    );
    await store.registerKey('n1', next, undefined);
    // The old key's backups were kept by the change: the new key may back up, the old one no longer.
    const made = await backUp('n1', [wireId()], next);
    expect(refusal('n1', old)).toMatch(
      new RegExp(
        `this node's key \\(${old.toString('hex').slice(0, 16)}\\) is not the key registered for n1 \\(${next.toString('hex').slice(0, 16)}.*1 backup \\(${made.number}\\) was made with key`,
      ),
    );
    expect(store.sealedBackupKeys('n1').map((k) => [k.keyId, k.count, k.oldest, k.newest])).toEqual([
      [old, 2, 1, 2],
      [next, 1, made.number, made.number],
    ]);
    // A refused backup leaves no row behind (none 'creating' until the next open).
    expect(store.listBackups('n1').map((b) => b.status)).toEqual(['available', 'available', 'available']);
    // A registered key with no backup yet: the refusal says another may be registered.
    await store.registerKey('n3', randomBytes(32), undefined);
    expect(refusal('n3', randomBytes(32))).toMatch(/no backup was made with that one: run cpsbackup --init-key to register the key this node holds/);
  });

  it("refuses a key other than the one the group's other clients are bound to, until they changed theirs", async () => {
    await store.close();
    store = await Store.open(dir, { packTargetSize: 256 * 1024, gracePeriodMs: 0 });
    const a = randomBytes(32);
    const b = randomBytes(32);
    const w = store.beginBackup({ client: 'g1', dedupGroup: 'g', keyId: a });
    const root = sealedTree(w, [wireId()]);
    w.claimTotals(1, 1);
    await w.commitTree(root, await w.checkTree(root));
    await store.registerKey('g2', b, undefined);
    expect(refusal('g2', b, 'g')).toMatch(/dedup group g holds backups encrypted with another key/);
    // g1 moves to b, keeping its backups made with a: they bind nobody now.
    await store.registerKey('g1', b, undefined);
    store.beginBackup({ client: 'g2', dedupGroup: 'g', keyId: b }).abort('test');
  });

  it('keeps key records across a reopen, and reads a record of the first form (a wrapped key alone) as naming no key', async () => {
    const key = randomBytes(32);
    await store.registerKey('n1', key, Buffer.from('wrapped one'));
    await store.registerKey('n2', randomBytes(32), undefined);
    await store.close();
    fs.writeFileSync(path.join(dir, 'records', 'keys', 'old'), 'a wrapped key kept before keys were registered');
    store = await Store.open(dir, { packTargetSize: 256 * 1024, gracePeriodMs: 0 });
    expect(store.clientKey('n1')).toEqual({ keyId: key, wrapped: Buffer.from('wrapped one') });
    expect(store.clientKey('n2')?.wrapped).toBeUndefined();
    expect(store.clientKey('old')).toEqual({ wrapped: Buffer.from('a wrapped key kept before keys were registered') });
    expect(store.clientKey('nobody')).toBeUndefined();
  });
});
