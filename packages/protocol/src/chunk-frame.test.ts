import fc from 'fast-check';
import { encodeChunkFrame } from './chunk-frame';
import { encodeFrame, FrameDecoder, type Message } from './frame';
import { MAX_FRAME_BYTES } from './version';

const fieldsArb = fc.record({
  id: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  codec: fc.constantFrom(0, 1, 2, 300),
  rawLength: fc.oneof(fc.constant(0), fc.nat(), fc.constant(0xffffffff)),
  payload: fc.uint8Array({ maxLength: 20_000 }),
});

describe('hand-encoded chunk frames', () => {
  test('decode to the same fields through the general decoder', () => {
    fc.assert(
      fc.property(fieldsArb, (f) => {
        const got = new FrameDecoder().push(Buffer.concat(encodeChunkFrame(f)));
        expect(got).toHaveLength(1);
        const c = (got[0] as Message).chunk!;
        expect(Buffer.from(c.id!)).toEqual(Buffer.from(f.id));
        expect(c.codec ?? 0).toBe(f.codec);
        expect(c.rawLength ?? 0).toBe(f.rawLength);
        expect(Buffer.from(c.payload ?? [])).toEqual(Buffer.from(f.payload));
      }),
      { numRuns: 300 },
    );
  });

  test('are byte for byte what protobufjs writes (fields set)', () => {
    fc.assert(
      fc.property(fieldsArb, (f) => {
        fc.pre(f.codec !== 0 && f.rawLength !== 0);
        expect(Buffer.concat(encodeChunkFrame(f))).toEqual(encodeFrame({ chunk: f }));
      }),
      { numRuns: 300 },
    );
  });

  test('a payload in pieces is the same frame as the pieces joined, each piece passed through', () => {
    fc.assert(
      fc.property(fieldsArb, fc.array(fc.nat(), { maxLength: 4 }), (f, cuts) => {
        const at = [...new Set(cuts.map((c) => c % (f.payload.length + 1)))].sort((a, b) => a - b);
        const pieces = [0, ...at].map((start, i) => Buffer.from(f.payload.subarray(start, [...at, f.payload.length][i])));
        const parts = encodeChunkFrame({ ...f, payload: pieces });
        expect(Buffer.concat(parts)).toEqual(Buffer.concat(encodeChunkFrame(f)));
        pieces.forEach((p, i) => expect(parts[i + 1]).toBe(p));
      }),
      { numRuns: 200 },
    );
  });

  test('the payload is passed through, not copied', () => {
    const payload = Buffer.from('payload bytes');
    expect(encodeChunkFrame({ id: new Uint8Array(32), codec: 1, rawLength: 99, payload })[1]).toBe(payload);
  });

  test('a frame over the limit is refused before anything is sent', () => {
    const payload = Buffer.alloc(MAX_FRAME_BYTES);
    expect(() => encodeChunkFrame({ id: new Uint8Array(32), codec: 0, rawLength: 0, payload })).toThrow(/refusing to send/);
  });
});
