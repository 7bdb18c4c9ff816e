import fc from 'fast-check';
import { ChunkKeys, newMasterKey, PADDING_FLOOR, SEAL_OVERHEAD } from '@cpsbackup/crypto';
import { Codec, compressChunk } from '@cpsbackup/format';
import { randomBytes } from 'node:crypto';
import { AgentError } from '../errors';
import { openChunk, sealChunk } from './sealed-chunks';

const keys = new ChunkKeys(newMasterKey());

describe('sealed chunks on the agent', () => {
  it('open to the plaintext they were sealed from, compressed or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.boolean(), (bytes, repeat) => {
        const plain = Buffer.from(repeat ? Buffer.concat([bytes, bytes, bytes]) : bytes);
        const id = keys.chunkId(plain);
        const { codec, payload } = compressChunk(plain);
        const seal = Buffer.concat(sealChunk(keys, id, codec, plain.length, payload));
        expect(openChunk(keys, id, Codec.Sealed, seal, 'x').equals(plain)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('refuse a changed bit, another id, another key, or a plain codec, before any byte is used', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 2000 }), fc.nat(), (bytes, at) => {
        const plain = Buffer.from(bytes);
        const id = keys.chunkId(plain);
        const seal = Buffer.concat(sealChunk(keys, id, Codec.Raw, plain.length, plain));
        const flipped = Buffer.from(seal);
        flipped[at % flipped.length]! ^= 0x04;
        expect(() => openChunk(keys, id, Codec.Sealed, flipped, 'x')).toThrow(/does not authenticate/);
        expect(() => openChunk(keys, keys.chunkId(Buffer.concat([plain, Buffer.from([1])])), Codec.Sealed, seal, 'x')).toThrow(/does not authenticate/);
        expect(() => openChunk(new ChunkKeys(newMasterKey()), id, Codec.Sealed, seal, 'x')).toThrow(/does not authenticate/);
        expect(() => openChunk(keys, id, Codec.Raw, seal, 'x')).toThrow(/unencrypted/);
      }),
      { numRuns: 50 },
    );
  });

  it('refuse a seal whose content is not what its id names (made with the key, under the wrong id)', () => {
    const plain = Buffer.from('what was sealed');
    const other = keys.chunkId(Buffer.from('something else'));
    const seal = Buffer.concat(sealChunk(keys, other, Codec.Raw, plain.length, plain));
    expect(() => openChunk(keys, other, Codec.Sealed, seal, 'chunk x')).toThrow(/chunk x does not match its id/);
  });

  describe('padded (encryption_padding = padme)', () => {
    it('open to the plaintext, and every chunk of up to 1 MiB, whatever its length, seals to one of few lengths (property)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1 << 20 }), fc.boolean(), (n, compressible) => {
          const plain = compressible ? Buffer.alloc(n, 'ab') : randomBytes(n);
          const id = keys.chunkId(plain);
          const { codec, payload } = compressChunk(plain);
          const seal = Buffer.concat(sealChunk(keys, id, codec, plain.length, payload, 'padme'));
          expect(openChunk(keys, id, Codec.Sealed, seal, 'x').equals(plain)).toBe(true);
          const inner = seal.length - SEAL_OVERHEAD;
          // At least the floor; over it, a multiple of 2^(E-S) (Padmé: 16 lengths per doubling to 64 KiB, 32 to 4 GiB), at most 1/16 over the unpadded.
          expect(inner).toBeGreaterThanOrEqual(PADDING_FLOOR);
          const e = Math.floor(Math.log2(inner));
          expect(inner % 2 ** (e - (Math.floor(Math.log2(e)) + 1))).toBe(0);
          expect(inner).toBeLessThanOrEqual(Math.max(PADDING_FLOOR, Math.ceil((9 + payload.length) * (1 + 1 / 16))));
        }),
        { numRuns: 60 },
      );
      const lengths = new Set<number>();
      for (let n = 1; n <= 8192; n += 13) {
        const plain = randomBytes(n);
        const id = keys.chunkId(plain);
        lengths.add(Buffer.concat(sealChunk(keys, id, Codec.Raw, n, plain, 'padme')).length);
      }
      expect(lengths.size).toBeLessThanOrEqual(1 + 3 * 16 + 1); // 631 lengths in; the floor, 16 per doubling to 8 KiB, one past it (the 9-byte header)
    });

    it('a chunk sealed unpadded (by an older agent, or encryption_padding = none) and the same chunk padded both open, to the same plaintext', () => {
      const plain = Buffer.from('sealed before padding existed');
      const id = keys.chunkId(plain);
      // The unpadded form, written out by hand: codec, raw length, payload.
      const head = Buffer.alloc(5);
      head.writeUInt32BE(plain.length, 1);
      const old = keys.seal(id, head, plain);
      expect(old.length).toBe(5 + plain.length + SEAL_OVERHEAD);
      expect(openChunk(keys, id, Codec.Sealed, old, 'x').equals(plain)).toBe(true);
      expect(Buffer.concat(sealChunk(keys, id, Codec.Raw, plain.length, plain, 'none')).length).toBe(old.length);
      const padded = Buffer.concat(sealChunk(keys, id, Codec.Raw, plain.length, plain, 'padme'));
      expect(padded.length).toBe(PADDING_FLOOR + SEAL_OVERHEAD);
      expect(openChunk(keys, id, Codec.Sealed, padded, 'x').equals(plain)).toBe(true);
    });

    /** A padded plaintext sealed with the key, as a node that lies (or a bug) would make it: codec, raw length, claimed payload length, then `body`. */
    function forged(plain: Buffer, claimed: number, body: Buffer): { id: Buffer; seal: Buffer } {
      const id = keys.chunkId(plain);
      const head = Buffer.alloc(9);
      head.writeUInt8(0x80 | Codec.Raw, 0);
      head.writeUInt32BE(plain.length, 1);
      head.writeUInt32BE(claimed, 5);
      return { id, seal: keys.seal(id, head, body) };
    }

    it('a padding length that lies, or padding that is not zeros, is refused as damage (never read past, never a crash)', () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), fc.nat(), fc.integer({ min: 1, max: 0xffffffff }), (bytes, at, over) => {
          const plain = Buffer.from(bytes);
          const padded = Buffer.concat([plain, Buffer.alloc(PADDING_FLOOR)]);
          // Longer than what the seal holds: refused before anything is read.
          const long = forged(plain, Math.min(0xffffffff, padded.length + over), padded);
          expect(() => openChunk(keys, long.id, Codec.Sealed, long.seal, 'chunk x')).toThrow(
            /^chunk x claims a payload of \d+ bytes and holds \d+: its padding is damaged$/,
          );
          // Shorter: what is left is not zeros (it holds the payload's end), or the payload does not decode to its raw length.
          const short = forged(plain, at % plain.length, padded);
          expect(() => openChunk(keys, short.id, Codec.Sealed, short.seal, 'chunk x')).toThrow(/padding is damaged|raw chunk is \d+ bytes, expected/);
          // The right length, with a byte of padding that is not zero.
          const dirty = Buffer.from(padded);
          dirty[plain.length + (at % PADDING_FLOOR)] = 1 + (at % 255);
          const d = forged(plain, plain.length, dirty);
          expect(() => openChunk(keys, d.id, Codec.Sealed, d.seal, 'chunk x')).toThrow(/^chunk x has padding that is not zeros: its padding is damaged$/);
          // And the honest one opens.
          const ok = forged(plain, plain.length, padded);
          expect(openChunk(keys, ok.id, Codec.Sealed, ok.seal, 'chunk x').equals(plain)).toBe(true);
        }),
        { numRuns: 100 },
      );
      // A padded header cut short.
      const id = keys.chunkId(Buffer.alloc(0));
      expect(() => openChunk(keys, id, Codec.Sealed, keys.seal(id, Buffer.from([0x80, 0, 0, 0, 0, 0])), 'chunk x')).toThrow(/less than its padded header/);
    });

    it('every damage is an AgentError CORRUPT: what a restore and a listing read treat as a damaged chunk', () => {
      const plain = Buffer.from('x');
      const f = forged(plain, 1_000_000, Buffer.concat([plain, Buffer.alloc(10)]));
      let caught: unknown;
      try {
        openChunk(keys, f.id, Codec.Sealed, f.seal, 'chunk x');
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AgentError);
      expect((caught as AgentError).code).toBe('CORRUPT');
    });
  });
});
