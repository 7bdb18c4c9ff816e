import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { Codec, decodeChunk, encodedChunkMatches } from './compression';
import { isFormatError } from './errors';
import { decodeSealedRecord, encodeSealedRecord, sealedStoreId, sealedTreeChunkIds } from './sealed';

const id32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => Buffer.from(a));
const record = fc.record({
  wireId: id32,
  listingRefs: fc.array(id32, { maxLength: 5 }),
  dataRefs: fc.array(id32, { maxLength: 20 }),
  seal: fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
});

describe('sealed records', () => {
  it('round-trip, and decode as codec Sealed to themselves', () => {
    fc.assert(
      fc.property(record, (r) => {
        const payload = encodeSealedRecord(r);
        expect(decodeSealedRecord(payload)).toEqual(r);
        expect(decodeChunk(Codec.Sealed, payload, payload.length).equals(payload)).toBe(true);
      }),
    );
  });

  it('refuse any flipped bit, and any cut', () => {
    fc.assert(
      fc.property(record, fc.nat(), fc.integer({ min: 0, max: 7 }), (r, at, bit) => {
        const payload = encodeSealedRecord(r);
        const bad = Buffer.from(payload);
        bad[at % bad.length]! ^= 1 << bit;
        expect(() => decodeSealedRecord(bad)).toThrow(/sealed record/);
        expect(() => decodeSealedRecord(payload.subarray(0, at % payload.length))).toThrow(/sealed record/);
      }),
    );
  });

  it('live in their own namespace: one per key, never a plaintext id', () => {
    fc.assert(
      fc.property(id32, id32, id32, (k1, k2, w) => {
        fc.pre(!k1.equals(k2));
        expect(sealedStoreId(k1, w).equals(sealedStoreId(k2, w))).toBe(false);
        expect(sealedStoreId(k1, w).equals(sealedStoreId(k1, w))).toBe(true);
      }),
    );
  });

  it('cannot come in as a plain chunk', () => {
    const payload = encodeSealedRecord({ wireId: randomBytes(32), listingRefs: [], dataRefs: [], seal: randomBytes(50) });
    let err: unknown;
    try {
      encodedChunkMatches(randomBytes(32), Codec.Sealed, payload, payload.length);
    } catch (e) {
      err = e;
    }
    expect(isFormatError(err, 'CHUNK_CORRUPT')).toBe(true);
  });

  it('name their tree: listings once, depth first, and every data chunk', async () => {
    const store = new Map<string, Buffer>();
    const put = (listingRefs: Buffer[], dataRefs: Buffer[]) => {
      const id = randomBytes(32);
      store.set(id.toString('hex'), encodeSealedRecord({ wireId: randomBytes(32), listingRefs, dataRefs, seal: randomBytes(10) }));
      return id;
    };
    const d1 = randomBytes(32);
    const d2 = randomBytes(32);
    const shared = put([], [d1]);
    const a = put([shared], [d2]);
    const b = put([shared], []);
    const seen = new Set<string>();
    const got: Buffer[] = [];
    for await (const id of sealedTreeChunkIds([a, b], (id) => store.get(id.toString('hex'))!, seen)) got.push(id);
    expect(got).toEqual([a, d2, shared, d1, b]); // a listing, what it names directly, then the listings below it
    const again: Buffer[] = [];
    for await (const id of sealedTreeChunkIds([b], (id) => store.get(id.toString('hex'))!, seen)) again.push(id);
    expect(again).toEqual([]);
  });
});
