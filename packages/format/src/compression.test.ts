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
      // Text at either end or in the middle of a large chunk is seen by one of its three probes.
      const third = Math.floor(size / 3);
      for (const textAt of [0, 1, 2]) {
        if (size < 256 * 1024 && textAt !== 1) continue; // one probe, in the middle, below 256 KiB
        const parts = [0, 1, 2].map((i) => (i === textAt ? text(i, third) : noise(i, third)));
        expect(compressChunk(Buffer.concat(parts)).codec).toBe(Codec.Zstd);
      }
    }
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
