import fc from 'fast-check';
import { Codec, compressChunk, compressToScratch, decodeChunk } from './compression';

/** Bytes that zstd shrinks: words from a small vocabulary. */
function text(seed: number, n: number): Buffer {
  const words = ['backup', 'restore', 'chunk', 'pack', 'node', 'server', 'listing', '\n', '  ', '{', '}'];
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let at = 0; at < n;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const w = words[(x >>> 0) % words.length]!;
    at += out.write(w, at);
  }
  return out;
}

/** Bytes that do not shrink. */
function noise(seed: number, n: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 7;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('chunk compression', () => {
  test('every level from the fastest to 19 stores what decodes to the same bytes, whatever the mix and size around the probe thresholds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -7, max: 19 }),
        fc.array(fc.record({ kind: fc.constantFrom('text', 'noise'), size: fc.integer({ min: 0, max: 200_000 }), seed: fc.integer() }), {
          minLength: 1,
          maxLength: 4,
        }),
        (level, parts) => {
          const data = Buffer.concat(parts.map((p) => (p.kind === 'text' ? text(p.seed, p.size) : noise(p.seed, p.size))));
          const { codec, payload } = compressChunk(data, level);
          expect(decodeChunk(codec, payload, data.length).equals(data)).toBe(true);
          if (codec === Codec.Zstd) expect(payload.length).toBeLessThan(data.length - (data.length >> 5));
          else expect(payload.equals(data)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('the probe leaves incompressible chunks raw and compresses what shrinks, text wherever a probe looks', () => {
    for (const size of [64 * 1024, 300 * 1024, 4 * 1024 * 1024]) {
      expect(compressChunk(noise(size, size)).codec).toBe(Codec.Raw);
      expect(compressChunk(text(size, size)).codec).toBe(Codec.Zstd);
      // Text in any third of a chunk is seen by one of its probes.
      const third = Math.floor(size / 3);
      for (const textAt of [0, 1, 2]) {
        const parts = [0, 1, 2].map((i) => (i === textAt ? text(i, third) : noise(i, third)));
        expect(compressChunk(Buffer.concat(parts)).codec).toBe(Codec.Zstd);
      }
    }
  });

  test('a compressible chunk with noise where one probe looks (its middle, its start and middle and end) is still compressed', () => {
    const withNoiseAt = (size: number, at: number[]) => {
      const data = Buffer.alloc(size);
      for (const [i, from] of at.entries()) noise(i + 1, 4096).copy(data, from);
      return data;
    };
    const kib = 1024;
    for (const [size, at] of [
      [64 * kib, [30 * kib]], // zeros, the middle 4 KiB random
      [1024 * kib, [0, 510 * kib, 1020 * kib]], // zeros, random at the start, middle and end
    ] as Array<[number, number[]]>) {
      const { codec, payload } = compressChunk(withNoiseAt(size, at));
      expect(codec).toBe(Codec.Zstd);
      expect(payload.length).toBeLessThan(size / 8);
    }
    const textWithHole = text(5, 200 * kib);
    noise(6, 4096).copy(textWithHole, 98 * kib);
    expect(compressChunk(textWithHole).codec).toBe(Codec.Zstd);
  });

  test('a database dump holding compressed values (text with random blobs) is stored about as small as without the probe', () => {
    // 60,000 bytes of text, then an 8 KiB random blob, over and over (12 % random), cut into chunks of 64 to 256 KiB (the sizes most chunks of such a dump get).
    const parts: Buffer[] = [];
    for (let i = 0; i < 140; i++) parts.push(text(100 + i, 60_000), noise(200 + i, 8192));
    const stream = Buffer.concat(parts);
    let x = 12345;
    let probed = 0;
    let whole = 0;
    for (let at = 0; at < stream.length;) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      const chunk = stream.subarray(at, at + 64 * 1024 + ((x >>> 0) % (192 * 1024)));
      at += chunk.length;
      probed += compressToScratch(chunk, 3, true)?.length ?? chunk.length;
      whole += compressToScratch(chunk, 3, false)?.length ?? chunk.length;
    }
    expect(probed / whole).toBeLessThan(1.02);
  });

  test('without the probe the same chunks get the same codec and bytes (the probe only skips work)', () => {
    for (const data of [noise(1, 512 * 1024), text(2, 512 * 1024), Buffer.concat([text(3, 200_000), noise(4, 200_000)])]) {
      const probed = compressToScratch(data, 3, true);
      const copy = probed ? Buffer.from(probed) : undefined;
      const whole = compressToScratch(data, 3, false);
      expect(copy === undefined).toBe(whole === undefined);
      if (copy && whole) expect(copy.equals(whole)).toBe(true);
    }
  });
});
