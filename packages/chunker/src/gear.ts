/**
 * The gear table: one pseudo-random 32-bit value per byte value, rolled into
 * the FastCDC hash. It is generated from a fixed seed so every agent and every
 * version cuts the same data at the same places. Changing the seed or the
 * generator changes every cut point and breaks deduplication against existing
 * stores: a golden test pins the first values and known cut points.
 */
export const GEAR_SEED = 0x63707362; // "cpsb"

/** mulberry32: a small, well-distributed 32-bit PRNG (deterministic). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) | 0;
  };
}

/** The 256-entry gear table as signed 32-bit integers (fast in V8's Int32 paths). */
export const GEAR: Int32Array = (() => {
  const next = mulberry32(GEAR_SEED);
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) table[i] = next();
  return table;
})();

/**
 * A mask with `bits` one-bits spread over the 32-bit hash, favouring the high
 * bits: in a left-shifting gear hash bit k depends on the last k+1 bytes, so
 * high bits see the widest window. Spreading ("padding zeros" in the FastCDC
 * paper) widens the effective window further.
 */
export function spreadMask(bits: number): number {
  if (!Number.isInteger(bits) || bits < 1 || bits > 31) {
    throw new RangeError(`mask bit count must be 1..31, got ${bits}`);
  }
  let mask = 0;
  const step = 32 / bits;
  for (let k = 0; k < bits; k++) {
    const bit = 31 - Math.floor(k * step);
    mask |= 1 << bit;
  }
  return mask | 0;
}
