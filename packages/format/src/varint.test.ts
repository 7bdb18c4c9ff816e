import fc from 'fast-check';
import { VarintReader, VarintWriter } from './varint';

/** The zigzag LEB128 form, one BigInt step per 7 bits: the definition the fast path must match byte for byte. */
function referenceEncode(v: bigint): Buffer {
  const out: number[] = [];
  let z = v >= 0n ? v << 1n : (-v << 1n) - 1n;
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return Buffer.from(out);
}

const edges = [
  0n,
  1n,
  -1n,
  63n,
  -64n,
  64n,
  2n ** 31n,
  -(2n ** 31n),
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 53n,
  -(2n ** 63n),
  2n ** 63n - 1n,
  2n ** 63n,
  2n ** 64n - 1n,
  -(2n ** 64n),
];
const anyBig = fc.oneof(
  fc.constantFrom(...edges),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.bigInt({ min: -(2n ** 75n), max: 2n ** 75n }),
  fc.bigInt({ min: 1_600_000_000_000_000_000n, max: 1_900_000_000_000_000_000n }),
);

describe('varint bigint', () => {
  test('writes exactly the reference bytes and reads them back', () => {
    fc.assert(
      fc.property(anyBig, (v) => {
        const bytes = new VarintWriter(1).bigint(v).finish();
        expect(Buffer.compare(bytes, referenceEncode(v))).toBe(0);
        const r = new VarintReader(Buffer.concat([bytes, Buffer.from([0x2a])]), 'test');
        expect(r.bigint()).toBe(v);
        expect(r.pos).toBe(bytes.length);
      }),
      { numRuns: 3000 },
    );
  });

  test('a run of values decodes in order', () => {
    fc.assert(
      fc.property(fc.array(anyBig, { maxLength: 50 }), (vs) => {
        const w = new VarintWriter(4);
        for (const v of vs) w.bigint(v);
        const r = new VarintReader(w.finish(), 'test');
        expect(vs.map(() => r.bigint())).toEqual(vs);
        expect(r.remaining).toBe(0);
      }),
    );
  });

  test('truncated and over-long varints are errors, not wrong values', () => {
    expect(() => new VarintReader(Buffer.from([0x80, 0x80]), 'm').bigint()).toThrow(/m: truncated varint/);
    expect(() => new VarintReader(Buffer.alloc(12, 0xff), 'm').bigint()).toThrow(/m: varint too long/);
    expect(() => new VarintWriter().bigint(2n ** 80n)).toThrow(/out of range/);
  });
});
