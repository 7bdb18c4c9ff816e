import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { ChunkKeys, MASTER_KEY_BYTES, newMasterKey, padme, paddedLength, PADDING_FLOOR, SEAL_OVERHEAD } from './chunk-keys';
import { isCryptoError } from './errors';
import { formatKeyFile, parseKeyFile } from './key-file';
import { unwrapMasterKey, wrapMasterKey } from './wrapped-key';

/** The lowest scrypt cost unwrap accepts: the tests check behaviour, not the cost. */
const CHEAP = { N: 2 ** 14, r: 8, p: 1 };
const key = fc.uint8Array({ minLength: MASTER_KEY_BYTES, maxLength: MASTER_KEY_BYTES }).map((a) => Buffer.from(a));
const payload = fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.from(a));

describe('chunk keys', () => {
  test('a sealed payload opens under its own id to exactly what was sealed (property)', () => {
    fc.assert(
      fc.property(key, payload, payload, (master, plain, compressed) => {
        const k = new ChunkKeys(master);
        const id = k.chunkId(plain);
        const sealed = k.seal(id, compressed);
        expect(sealed.length).toBe(compressed.length + SEAL_OVERHEAD);
        expect(k.open(id, sealed).equals(compressed)).toBe(true);
        // The same key made anew (another process, another day) opens it too.
        expect(new ChunkKeys(Buffer.from(master)).open(id, sealed).equals(compressed)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test('any flipped bit, another id, another key or a cut-short seal is refused, never opened to other bytes (property)', () => {
    fc.assert(
      fc.property(key, key, payload, fc.nat(), fc.nat(7), (master, other, plain, where, bit) => {
        fc.pre(!master.equals(other));
        const k = new ChunkKeys(master);
        const id = k.chunkId(plain);
        const sealed = k.seal(id, plain);
        const flipped = Buffer.from(sealed);
        flipped[where % flipped.length]! ^= 1 << bit;
        const refused = (f: () => unknown) => {
          try {
            f();
          } catch (err) {
            return isCryptoError(err, 'CHUNK_AUTH_FAILED') && /does not authenticate/.test((err as Error).message);
          }
          return false;
        };
        expect(refused(() => k.open(id, flipped))).toBe(true);
        const otherId = Buffer.from(id);
        otherId[0]! ^= 1;
        expect(refused(() => k.open(otherId, sealed))).toBe(true);
        expect(refused(() => new ChunkKeys(other).open(id, sealed))).toBe(true);
        expect(refused(() => k.open(id, sealed.subarray(0, sealed.length - 1)))).toBe(true);
        expect(refused(() => k.open(id, sealed.subarray(0, SEAL_OVERHEAD - 1)))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test('ids: equal plaintexts under one key share an id (they deduplicate); under two keys they do not, and no id is the plain SHA-256', () => {
    fc.assert(
      fc.property(key, key, payload, (a, b, plain) => {
        fc.pre(!a.equals(b));
        const ka = new ChunkKeys(a);
        expect(ka.chunkId(plain).equals(new ChunkKeys(Buffer.from(a)).chunkId(Buffer.from(plain)))).toBe(true);
        expect(ka.chunkId(plain).equals(new ChunkKeys(b).chunkId(plain))).toBe(false);
        expect(ka.chunkId(plain).equals(createHash('sha256').update(plain).digest())).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  test('sealing twice gives two different ciphertexts (random nonces): equal payloads are not told apart by their bytes', () => {
    const k = new ChunkKeys(newMasterKey());
    const p = Buffer.from('the same payload');
    const id = k.chunkId(p);
    expect(k.seal(id, p).equals(k.seal(id, p))).toBe(false);
  });

  test('a master key of the wrong length is refused', () => {
    expect(() => new ChunkKeys(Buffer.alloc(16))).toThrow(/a master key is 32 bytes, not 16/);
  });
});

/**
 * Padmé's buckets, said independently of how padme() computes them: a
 * padded length P (E = floor(log2 P), S = floor(log2 E) + 1) is a multiple
 * of 2^(E - S), so at most S + 1 of its bits are significant.
 */
function isPadmeBucket(p: number): boolean {
  if (p < 4) return true; // every length is its own bucket there
  const e = Math.floor(Math.log2(p));
  const s = Math.floor(Math.log2(e)) + 1;
  return p % 2 ** Math.max(0, e - s) === 0;
}

describe('padding (Padmé, with a floor)', () => {
  test('every length pads to a bucket at least as long, over by at most 1/2^S of it, and a bucket pads to itself (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), (n) => {
        const p = padme(n);
        expect(p).toBeGreaterThanOrEqual(n);
        expect(isPadmeBucket(p)).toBe(true);
        const e = Math.floor(Math.log2(n));
        expect(p - n).toBeLessThan(n >= 4 ? n / 2 ** (Math.floor(Math.log2(e)) + 1) + 1 : 2);
        expect(padme(p)).toBe(p);
      }),
      { numRuns: 5000 },
    );
  });

  test('lengths 1 to 1 MiB fall into few lengths: one below the floor, 16 per doubling up to 64 KiB, 32 above', () => {
    const seen = new Set<number>();
    for (let n = 1; n <= 1 << 20; n++) seen.add(paddedLength(n, 'padme'));
    // [1, 1024]: 1; (1 KiB, 64 KiB]: 6 doublings of 16; (64 KiB, 1 MiB]: 4 doublings of 32.
    expect(seen.size).toBe(1 + 6 * 16 + 4 * 32);
    expect(Math.min(...seen)).toBe(PADDING_FLOOR);
    for (const p of seen) expect(isPadmeBucket(p)).toBe(true);
  });

  test('none leaves a length as it is; a cap is never passed unless the length is over it already', () => {
    for (const n of [1, 1000, 1025, 70_001, 16 * 1024 * 1024]) expect(paddedLength(n, 'none')).toBe(n);
    const cap = 16 * 1024 * 1024 - 28;
    expect(paddedLength(cap - 5, 'padme', cap)).toBe(cap);
    expect(paddedLength(cap + 5, 'padme', cap)).toBe(cap + 5);
    expect(paddedLength(cap - 300_000, 'padme', cap)).toBe(16_515_072); // its bucket, below the cap
  });
});

describe('the master key wrapped by a passphrase', () => {
  test('unwraps with the passphrase to the same key; a new passphrase wraps the same key (nothing is encrypted anew)', () => {
    const master = newMasterKey();
    const wrapped = wrapMasterKey(master, 'correct horse battery staple', CHEAP);
    expect(unwrapMasterKey(wrapped, 'correct horse battery staple').equals(master)).toBe(true);
    const rewrapped = wrapMasterKey(unwrapMasterKey(wrapped, 'correct horse battery staple'), 'a new one', CHEAP);
    expect(unwrapMasterKey(rewrapped, 'a new one').equals(master)).toBe(true);
    expect(wrapped.toString()).not.toContain(master.toString('base64'));
    // Unicode passphrases: the same text typed in another normal form opens it too.
    const accented = wrapMasterKey(master, 'Caf\u00e9', CHEAP);
    expect(unwrapMasterKey(accented, 'Cafe\u0301').equals(master)).toBe(true);
  });

  test('a wrong passphrase, a damaged or forged document are refused clearly', () => {
    const wrapped = wrapMasterKey(newMasterKey(), 'right', CHEAP);
    expect(() => unwrapMasterKey(wrapped, 'wrong')).toThrow(
      expect.objectContaining({ code: 'WRONG_PASSPHRASE', message: expect.stringMatching(/does not open this key/) }),
    );
    const doc = JSON.parse(wrapped.toString());
    const sealed = Buffer.from(doc.sealed, 'base64');
    sealed[3]! ^= 4;
    expect(() => unwrapMasterKey(Buffer.from(JSON.stringify({ ...doc, sealed: sealed.toString('base64') })), 'right')).toThrow(/does not open this key/);
    expect(() => unwrapMasterKey(Buffer.from('not json'), 'right')).toThrow(/not a cpsbackup wrapped key/);
    // A forged cost that would make a node spend gigabytes on one try is refused before any work.
    expect(() => unwrapMasterKey(Buffer.from(JSON.stringify({ ...doc, N: 2 ** 30 })), 'right')).toThrow(/scrypt cost out of bounds/);
    expect(() => wrapMasterKey(newMasterKey(), '', CHEAP)).toThrow(/empty passphrase/);
  });
});

describe('the key file', () => {
  test('round-trips, and anything else is refused naming the file', () => {
    const master = newMasterKey();
    expect(parseKeyFile(formatKeyFile(master), '/etc/cpsbackup/master.key').equals(master)).toBe(true);
    for (const bad of [
      '',
      'cpsbackup-master-key-v1',
      `cpsbackup-master-key-v2 ${master.toString('base64')}`,
      `cpsbackup-master-key-v1 ${master.toString('base64').slice(1)}`,
    ]) {
      expect(() => parseKeyFile(bad, '/etc/cpsbackup/master.key')).toThrow(/\/etc\/cpsbackup\/master\.key is not a cpsbackup master key/);
    }
  });
});
