import fc from 'fast-check';
import { encodeFrame, FrameDecoder, FrameError, type Message } from './frame';
import { MAX_FRAME_BYTES } from './version';

const chunkArb = fc.record({
  id: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  codec: fc.constantFrom(0, 1),
  rawLength: fc.nat(),
  payload: fc.uint8Array({ maxLength: 3000 }),
});

function decodeAll(stream: Buffer, cuts: number[]): Array<Message | FrameError> {
  const d = new FrameDecoder();
  const out: Array<Message | FrameError> = [];
  let off = 0;
  let k = 0;
  while (off < stream.length) {
    const n = cuts[k++ % cuts.length]!;
    out.push(...d.push(stream.subarray(off, off + n)));
    off += n;
  }
  expect(d.pendingBytes).toBe(0);
  return out;
}

describe('frame codec', () => {
  test('messages survive any split of the byte stream', () => {
    fc.assert(
      fc.property(fc.array(chunkArb, { minLength: 1, maxLength: 10 }), fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1 }), (chunks, cuts) => {
        const stream = Buffer.concat(chunks.map((chunk) => encodeFrame({ chunk })));
        const got = decodeAll(stream, cuts);
        const msgs = got as Message[];
        expect(msgs.map((m) => m.msg)).toEqual(chunks.map(() => 'chunk'));
        msgs.forEach((m, i) => expect(Buffer.from(m.chunk!.payload!)).toEqual(Buffer.from(chunks[i]!.payload)));
      }),
      { numRuns: 200 },
    );
  });

  test('an oversized length prefix is refused before the body arrives', () => {
    const d = new FrameDecoder();
    const head = Buffer.alloc(4);
    head.writeUInt32BE(MAX_FRAME_BYTES + 1);
    expect(() => d.push(head)).toThrow(FrameError);
    expect(() => new FrameDecoder().push(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(/limit is/);
  });

  test('random bodies give FrameErrors or messages, and the stream stays in step', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (bytes) => {
        const body = Buffer.from(bytes);
        const frame = Buffer.concat([Buffer.alloc(4), body, encodeFrame({ listRequest: {} })]);
        frame.writeUInt32BE(body.length);
        const out = new FrameDecoder().push(frame);
        expect(out).toHaveLength(2);
        expect(out[0] instanceof FrameError || typeof (out[0] as Message).msg === 'string').toBe(true);
        expect((out[1] as Message).msg).toBe('listRequest');
      }),
      { numRuns: 2000 },
    );
  });
});
