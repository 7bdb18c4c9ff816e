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
  cleanup(): void;
}

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return b;
}

const PACK_A = '0123456789abcdef0123456789abcdef';
const PACK_B = 'fedcba9876543210fedcba9876543210';

export function describeBackendConformance(name: string, make: () => BackendUnderTest): void {
  describe(`${name}: StorageBackend conformance`, () => {
    let t: BackendUnderTest;
    beforeEach(() => (t = make()));
    afterEach(() => t.cleanup());

    test('a pack is appended to, synced, then read back by any range', async () => {
      const parts = [bytes(1000, 1), bytes(70_000, 2), bytes(1, 3)];
      const w = t.backend.createPack(PACK_A);
      w.append(parts[0]!);
      w.appendAll([parts[1]!, parts[2]!]);
      w.sync();
      await w.syncInBackground();
      w.close();
      const all = Buffer.concat(parts);
      expect(t.backend.packSize(PACK_A)).toBe(all.length);
      expect(t.backend.readPack(PACK_A, 0, all.length).equals(all)).toBe(true);
      expect(t.backend.readPack(PACK_A, 999, 2).equals(all.subarray(999, 1001))).toBe(true);
      expect(t.backend.readPack(PACK_A, all.length - 1, 1).equals(all.subarray(-1))).toBe(true);
      expect(t.backend.readPack(PACK_A, 5, 0).length).toBe(0);
    });

    test('packs are write-once: creating an existing pack fails and leaves it as it was', () => {
      const w = t.backend.createPack(PACK_A);
      w.append(bytes(100, 4));
      w.sync();
      w.close();
      expect(() => t.backend.createPack(PACK_A)).toThrow();
      expect(t.backend.readPack(PACK_A, 0, 100).equals(bytes(100, 4))).toBe(true);
    });

    test('a read past the end of a pack is an error naming the pack, never short data', () => {
      const w = t.backend.createPack(PACK_A);
      w.append(bytes(100, 5));
      w.sync();
      w.close();
      expect(() => t.backend.readPack(PACK_A, 90, 20)).toThrow(new RegExp(PACK_A));
      expect(() => t.backend.readPack(PACK_A, 200, 1)).toThrow(new RegExp(PACK_A));
    });

    test('a missing pack: reading fails, deleting is not an error (GC may repeat itself)', () => {
      expect(() => t.backend.readPack(PACK_B, 0, 1)).toThrow();
      expect(() => t.backend.packSize(PACK_B)).toThrow();
      expect(() => t.backend.deletePack(PACK_B)).not.toThrow();
    });

    test('listing names every pack present, and none deleted', () => {
      expect(t.backend.listPacks()).toEqual([]);
      for (const p of [PACK_A, PACK_B]) {
        const w = t.backend.createPack(p);
        w.append(bytes(10, 6));
        w.sync();
        w.close();
      }
      expect(t.backend.listPacks().sort()).toEqual([PACK_A, PACK_B].sort());
      t.backend.deletePack(PACK_A);
      t.backend.deletePack(PACK_A);
      expect(t.backend.listPacks()).toEqual([PACK_B]);
      expect(() => t.backend.readPack(PACK_A, 0, 1)).toThrow();
    });

    test('pack names that could escape the backend are refused', () => {
      for (const bad of ['../x', 'a/b', '', 'ZZ', '..']) expect(() => t.backend.createPack(bad)).toThrow(/invalid pack name/);
    });

    test('objects are written whole, replaced, listed by prefix, deleted; a missing one reads as undefined', () => {
      expect(t.backend.readObject('clients/a')).toBeUndefined();
      t.backend.writeObject('clients/a', Buffer.from('one'));
      t.backend.writeObject('clients/b%2Fc', Buffer.from('two'));
      t.backend.writeObject('backups/a/0000001', Buffer.from('three'));
      t.backend.writeObject('clients/a', Buffer.from('four'));
      expect(t.backend.readObject('clients/a')?.toString()).toBe('four');
      expect(t.backend.listObjects('clients/')).toEqual(['clients/a', 'clients/b%2Fc']);
      expect(t.backend.listObjects('backups/a/')).toEqual(['backups/a/0000001']);
      expect(t.backend.listObjects('')).toEqual(['backups/a/0000001', 'clients/a', 'clients/b%2Fc']);
      t.backend.deleteObject('clients/a');
      t.backend.deleteObject('clients/a');
      expect(t.backend.readObject('clients/a')).toBeUndefined();
      expect(t.backend.listObjects('clients/')).toEqual(['clients/b%2Fc']);
      // Objects and packs do not see each other.
      expect(t.backend.listPacks()).toEqual([]);
    });

    test('object names that could escape the backend are refused', () => {
      for (const bad of ['../x', 'a/../../x', '/abs', 'a//b', 'a/', '', 'sp ace', 'a/./b']) {
        expect(() => t.backend.writeObject(bad, Buffer.from('x'))).toThrow(/invalid object name/);
      }
    });
  });
}
