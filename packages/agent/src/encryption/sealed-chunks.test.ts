import fc from 'fast-check';
import { ChunkKeys, newMasterKey } from '@cpsbackup/crypto';
import { Codec, compressChunk } from '@cpsbackup/format';
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
});
