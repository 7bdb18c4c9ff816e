import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { SeededRandom } from '@cpsbackup/testkit';
import { Chunker, chunkBuffer, chunkStream } from './fastcdc';
import { GEAR } from './gear';
import { type ChunkerParams, DEFAULT_CHUNKER_PARAMS, validateChunkerParams } from './params';

const SMALL: ChunkerParams = { minSize: 2048, avgSize: 8192, maxSize: 32768 };

function lengths(chunks: Buffer[]): number[] {
  return chunks.map((c) => c.length);
}

function chunkInBlocks(data: Buffer, blockSizes: number[], params: ChunkerParams): Buffer[] {
  const chunker = new Chunker(params);
  const out: Buffer[] = [];
  let off = 0;
  let k = 0;
  while (off < data.length) {
    const size = Math.max(1, blockSizes[k++ % blockSizes.length]!);
    // A fresh copy per block, as a file reader would hand over.
    chunker.push(Buffer.from(data.subarray(off, off + size)), out);
    off += size;
  }
  const last = chunker.finish();
  if (last) out.push(last);
  return out;
}

describe('FastCDC chunker', () => {
  test.each([
    ['small params', { minSize: 2048, avgSize: 8192, maxSize: 32768 }],
    ['default params', DEFAULT_CHUNKER_PARAMS],
  ] as Array<[string, ChunkerParams]>)('pushZeros gives exactly the chunks push() of as many zeros gives (%s)', (_name, params) => {
    const maxRun = params.maxSize * 5;
    const pieces = fc.array(
      fc.oneof(
        fc.record({ zeros: fc.integer({ min: 0, max: maxRun }) }),
        fc.record({ data: fc.uint8Array({ minLength: 1, maxLength: Math.min(params.maxSize * 2, 200_000) }) }),
      ),
      { minLength: 1, maxLength: 8 },
    );
    fc.assert(
      fc.property(pieces, (ps) => {
        const fast = new Chunker(params);
        const slow = new Chunker(params);
        const a: Buffer[] = [];
        const b: Buffer[] = [];
        for (const p of ps) {
          if ('zeros' in p) {
            fast.pushZeros(p.zeros, a);
            slow.push(Buffer.alloc(p.zeros), b);
          } else {
            fast.push(Buffer.from(p.data), a);
            slow.push(Buffer.from(p.data), b);
          }
        }
        const lastA = fast.finish();
        const lastB = slow.finish();
        if (lastA) a.push(lastA);
        if (lastB) b.push(lastB);
        expect(a.map((c) => c.length)).toEqual(b.map((c) => c.length));
        expect(Buffer.concat(a).equals(Buffer.concat(b))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  const data = new SeededRandom('chunker-test').bytes(2_000_000);

  test('chunks concatenate back to the input and respect min/max sizes', () => {
    const chunks = chunkBuffer(data, SMALL);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    chunks.slice(0, -1).forEach((c) => {
      expect(c.length).toBeGreaterThanOrEqual(SMALL.minSize);
      expect(c.length).toBeLessThanOrEqual(SMALL.maxSize);
    });
    expect(chunks[chunks.length - 1]!.length).toBeLessThanOrEqual(SMALL.maxSize);
  });

  test('normalized chunking keeps the mean chunk size near avgSize', () => {
    const chunks = chunkBuffer(data, SMALL);
    const mean = data.length / chunks.length;
    expect(mean).toBeGreaterThan(SMALL.avgSize * 0.7);
    expect(mean).toBeLessThan(SMALL.avgSize * 1.5);
  });

  test('cut points do not depend on how the input is split into blocks', () => {
    const reference = lengths(chunkBuffer(data.subarray(0, 300_000), SMALL));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        expect(lengths(chunkInBlocks(data.subarray(0, 300_000), sizes, SMALL))).toEqual(reference);
      }),
      { numRuns: 60 },
    );
  });

  test('single-byte pushes give the same cut points', () => {
    const slice = data.subarray(0, 100_000);
    expect(lengths(chunkInBlocks(slice, [1], SMALL))).toEqual(lengths(chunkBuffer(slice, SMALL)));
  });

  test('an insertion near the start changes only the chunks around it', () => {
    const edited = Buffer.concat([data.subarray(0, 5000), Buffer.from('inserted bytes!'), data.subarray(5000)]);
    const hashes = (chunks: Buffer[]) => chunks.map((c) => createHash('sha256').update(c).digest('hex'));
    const before = hashes(chunkBuffer(data, SMALL));
    const after = new Set(hashes(chunkBuffer(edited, SMALL)));
    const lost = before.filter((h) => !after.has(h));
    // The chunk holding the insertion changes, and at most one neighbour re-synchronizes.
    expect(lost.length).toBeGreaterThanOrEqual(1);
    expect(lost.length).toBeLessThanOrEqual(2);
    expect(before.length).toBeGreaterThan(100);
  });

  test('data shorter than minSize is one chunk; empty input is none', () => {
    expect(lengths(chunkBuffer(data.subarray(0, 100), SMALL))).toEqual([100]);
    expect(chunkBuffer(Buffer.alloc(0), SMALL)).toEqual([]);
  });

  test('zero-filled data is cut at maxSize', () => {
    const zeros = Buffer.alloc(100_000);
    expect(lengths(chunkBuffer(zeros, SMALL))).toEqual([32768, 32768, 32768, 100_000 - 3 * 32768]);
  });

  test('chunkStream yields the same chunks as chunkBuffer', async () => {
    const slice = data.subarray(0, 400_000);
    async function* blocks() {
      for (let off = 0; off < slice.length; off += 65536) yield Buffer.from(slice.subarray(off, off + 65536));
    }
    const streamed: Buffer[] = [];
    for await (const c of chunkStream(blocks(), SMALL)) streamed.push(c);
    expect(lengths(streamed)).toEqual(lengths(chunkBuffer(slice, SMALL)));
  });

  test('golden: the gear table and cut points never change (they define dedup across versions)', () => {
    expect(Array.from(GEAR.subarray(0, 4))).toMatchSnapshot();
    const golden = new SeededRandom('golden').bytes(3_000_000);
    expect(lengths(chunkBuffer(golden, { minSize: 4096, avgSize: 16384, maxSize: 65536 })).slice(0, 12)).toMatchSnapshot();
    expect(lengths(chunkBuffer(golden, DEFAULT_CHUNKER_PARAMS))).toMatchSnapshot();
  });

  test('invalid parameters are refused with the field named', () => {
    expect(() => validateChunkerParams({ minSize: 4096, avgSize: 5000, maxSize: 65536 })).toThrow(/avgSize must be a power of two/);
    expect(() => validateChunkerParams({ minSize: 9000, avgSize: 8192, maxSize: 65536 })).toThrow(/minSize < avgSize < maxSize/);
    expect(() => validateChunkerParams({ minSize: 10, avgSize: 8192, maxSize: 65536 })).toThrow(/minSize must be at least 64/);
  });
});
