/**
 * What every StorageBackend must do, as one suite each implementation runs
 * (local-backend.test.ts; an object-store backend runs the same): packs
 * written once and read by range, short reads refused, listing, deletion
 * that may repeat, and the small named objects the catalog rebuild reads.
 * Test-only (jest globals): excluded from the package's build.
 */
import { type StorageBackend } from '../backend';

/** A fresh, empty backend, and how to throw it away. */
export interface BackendUnderTest {
  backend: StorageBackend;
  cleanup(): Promise<void> | void;
}

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return b;
}

const PACK_A = '0123456789abcdef0123456789abcdef';
const PACK_B = 'fedcba9876543210fedcba9876543210';

export function describeBackendConformance(name: string, make: () => BackendUnderTest | Promise<BackendUnderTest>): void {
  describe(`${name}: StorageBackend conformance`, () => {
    let t: BackendUnderTest;
    beforeEach(async () => {
      t = await make();
    });
    afterEach(async () => {
      await t.cleanup();
    });

    /** A pack written, synced and published, as the store makes them. */
    async function pack(name: string, ...parts: Buffer[]): Promise<Buffer> {
      const w = t.backend.createPack(name);
      if (parts.length > 0) w.append(parts[0]!);
      if (parts.length > 1) w.appendAll(parts.slice(1));
      w.sync();
      await w.syncInBackground();
      w.close();
      await t.backend.publishPack(name);
      return Buffer.concat(parts);
    }

    test('a pack is appended to, synced, published, then read back by any range', async () => {
      const all = await pack(PACK_A, bytes(1000, 1), bytes(70_000, 2), bytes(1, 3));
      expect(await t.backend.packSize(PACK_A)).toBe(all.length);
      expect((await t.backend.readPack(PACK_A, 0, all.length)).equals(all)).toBe(true);
      expect((await t.backend.readPack(PACK_A, 999, 2)).equals(all.subarray(999, 1001))).toBe(true);
      expect((await t.backend.readPack(PACK_A, all.length - 1, 1)).equals(all.subarray(-1))).toBe(true);
      expect((await t.backend.readPack(PACK_A, 5, 0)).length).toBe(0);
      expect(t.backend.unpublishedPacks()).toEqual([]);
    });

    test('a pack being assembled reads back before it is published, and is listed as unpublished', async () => {
      const w = t.backend.createPack(PACK_A);
      w.append(bytes(5000, 9));
      w.sync();
      w.close();
      expect((await t.backend.readPack(PACK_A, 100, 50)).equals(bytes(5000, 9).subarray(100, 150))).toBe(true);
      if (t.backend.publishesPacks) expect(t.backend.unpublishedPacks()).toEqual([PACK_A]);
      await t.backend.publishPack(PACK_A);
      await t.backend.publishPack(PACK_A); // publishing again (recovery after a crash) is harmless
      expect(t.backend.unpublishedPacks()).toEqual([]);
      expect(await t.backend.listPacks()).toEqual([PACK_A]);
      expect((await t.backend.readPack(PACK_A, 4990, 10)).equals(bytes(5000, 9).subarray(4990))).toBe(true);
    });

    test('a pack discarded before it was published is gone', async () => {
      const w = t.backend.createPack(PACK_A);
      w.append(bytes(100, 8));
      w.sync();
      w.close();
      t.backend.discardPack(PACK_A);
      t.backend.discardPack(PACK_A);
      expect(t.backend.unpublishedPacks()).toEqual([]);
      expect(await t.backend.listPacks()).toEqual([]);
      await expect(t.backend.readPack(PACK_A, 0, 1)).rejects.toThrow(new RegExp(PACK_A));
    });

    test('packs are write-once: creating an existing pack fails and leaves it as it was', async () => {
      await pack(PACK_A, bytes(100, 4));
      expect(() => t.backend.createPack(PACK_A)).toThrow();
      expect((await t.backend.readPack(PACK_A, 0, 100)).equals(bytes(100, 4))).toBe(true);
    });

    test('a read past the end of a pack is an error naming the pack, never short data', async () => {
      await pack(PACK_A, bytes(100, 5));
      await expect(t.backend.readPack(PACK_A, 90, 20)).rejects.toThrow(new RegExp(PACK_A));
      await expect(t.backend.readPack(PACK_A, 200, 1)).rejects.toThrow(new RegExp(PACK_A));
    });

    test('a missing pack: reading fails naming it (PACK_MISSING), deleting is not an error (GC may repeat itself)', async () => {
      await expect(t.backend.readPack(PACK_B, 0, 1)).rejects.toMatchObject({ code: 'PACK_MISSING', message: expect.stringContaining(PACK_B) });
      await expect(t.backend.packSize(PACK_B)).rejects.toMatchObject({ code: 'PACK_MISSING' });
      await expect(t.backend.deletePack(PACK_B)).resolves.toBeUndefined();
    });

    test('a range of a pack streams back in order; it ends where the pack does; a missing pack fails naming it; an abort stops it', async () => {
      const all = await pack(PACK_A, bytes(3 * 1024 * 1024 + 17, 4));
      const drain = async (stream: AsyncIterable<Buffer>) => {
        const parts: Buffer[] = [];
        for await (const p of stream) parts.push(p);
        return Buffer.concat(parts);
      };
      expect((await drain(t.backend.streamPack(PACK_A, 0, all.length))).equals(all)).toBe(true);
      expect((await drain(t.backend.streamPack(PACK_A, 1000, 2_500_000))).equals(all.subarray(1000, 2_500_000))).toBe(true);
      expect((await drain(t.backend.streamPack(PACK_A, all.length - 10, all.length + 50))).equals(all.subarray(-10))).toBe(true);
      expect((await drain(t.backend.streamPack(PACK_A, 7, 7))).length).toBe(0);
      await expect(drain(t.backend.streamPack(PACK_B, 0, 100))).rejects.toMatchObject({ code: 'PACK_MISSING', message: expect.stringContaining(PACK_B) });
      const stop = new AbortController();
      const why = new Error('the requester went away');
      let pieces = 0;
      await expect(
        (async () => {
          for await (const _ of t.backend.streamPack(PACK_A, 0, all.length, stop.signal)) if (++pieces === 1) stop.abort(why);
        })(),
      ).rejects.toBe(why);
      expect(pieces).toBeLessThan(all.length / 1024);
    });

    test('listing names every pack present, and none deleted', async () => {
      expect(await t.backend.listPacks()).toEqual([]);
      for (const p of [PACK_A, PACK_B]) await pack(p, bytes(10, 6));
      expect((await t.backend.listPacks()).sort()).toEqual([PACK_A, PACK_B].sort());
      await t.backend.deletePack(PACK_A);
      await t.backend.deletePack(PACK_A);
      expect(await t.backend.listPacks()).toEqual([PACK_B]);
      await expect(t.backend.readPack(PACK_A, 0, 1)).rejects.toThrow();
    });

    test('pack names that could escape the backend are refused', () => {
      for (const bad of ['../x', 'a/b', '', 'ZZ', '..']) expect(() => t.backend.createPack(bad)).toThrow(/invalid pack name/);
    });

    test('objects are written whole, replaced, listed by prefix, deleted; a missing one reads as undefined', async () => {
      const b = t.backend;
      expect(await b.readObject('clients/a')).toBeUndefined();
      await b.writeObject('clients/a', Buffer.from('one'));
      await b.writeObject('clients/b%2Fc', Buffer.from('two'));
      await b.writeObject('backups/a/0000001', Buffer.from('three'));
      await b.writeObject('clients/a', Buffer.from('four'));
      expect((await b.readObject('clients/a'))?.toString()).toBe('four');
      expect(await b.listObjects('clients/')).toEqual(['clients/a', 'clients/b%2Fc']);
      expect(await b.listObjects('backups/a/')).toEqual(['backups/a/0000001']);
      expect(await b.listObjects('')).toEqual(['backups/a/0000001', 'clients/a', 'clients/b%2Fc']);
      await b.deleteObject('clients/a');
      await b.deleteObject('clients/a');
      expect(await b.readObject('clients/a')).toBeUndefined();
      expect(await b.listObjects('clients/')).toEqual(['clients/b%2Fc']);
      // Objects and packs do not see each other.
      expect(await b.listPacks()).toEqual([]);
    });

    test('the lease: written only over the version the writer read; of two writers from one version exactly one gets it; its age counts from its last write', async () => {
      const b = t.backend;
      expect(await b.readLease()).toBeUndefined();
      const first = await b.writeLease(Buffer.from('one'), undefined);
      expect(first).toBeDefined();
      expect(b.leaseWrites).not.toBe('unknown');
      expect(await b.writeLease(Buffer.from('not over one'), undefined)).toBeUndefined(); // it exists now
      const read = await b.readLease();
      expect(read?.data.toString()).toBe('one');
      expect(read?.tag).toBe(first);
      expect(read?.ageMs).toBeGreaterThanOrEqual(0);
      expect(read?.ageMs).toBeLessThan(60_000);
      const second = await b.writeLease(Buffer.from('two'), first);
      expect(second).toBeDefined();
      expect(second).not.toBe(first);
      expect(await b.writeLease(Buffer.from('stale'), first)).toBeUndefined(); // over a version that is gone
      expect((await b.readLease())?.data.toString()).toBe('two');
      // The lease is neither a pack nor a record.
      expect(await b.listPacks()).toEqual([]);
      expect(await b.listObjects('')).toEqual([]);
      // Two writers that read the same version, in one race: one wins, the other is told (a store that ignores conditions leaves this to the lease's read-back: s3-lease.test.ts).
      if (b.leaseWrites !== 'atomic') return;
      const [x, y] = await Promise.all([b.writeLease(Buffer.from('x'), second), b.writeLease(Buffer.from('y'), second)]);
      const won = [x, y].filter((tag) => tag !== undefined);
      expect(won).toHaveLength(1);
      const now = await b.readLease();
      expect(now?.tag).toBe(won[0]);
      expect(now?.data.toString()).toBe(x !== undefined ? 'x' : 'y');
    });

    test('object names that could escape the backend are refused', async () => {
      for (const bad of ['../x', 'a/../../x', '/abs', 'a//b', 'a/', '', 'sp ace', 'a/./b']) {
        await expect(t.backend.writeObject(bad, Buffer.from('x'))).rejects.toThrow(/invalid object name/);
      }
    });
  });
}
