import { createHash } from 'node:crypto';

/**
 * A deterministic byte generator (xorshift128+ on 32-bit halves), fast
 * enough to make hundreds of MB for benchmarks. Same seed, same bytes.
 */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number | string) {
    const h = createHash('sha256').update(String(seed)).digest();
    this.s0 = h.readInt32LE(0) | 1;
    this.s1 = h.readInt32LE(4);
    this.s2 = h.readInt32LE(8);
    this.s3 = h.readInt32LE(12);
  }

  /** Next 32-bit value as a signed int (xoshiro128**). */
  nextInt32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result | 0;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return (this.nextInt32() >>> 0) % n;
  }

  /** `n` incompressible pseudo-random bytes. */
  bytes(n: number): Buffer {
    const buf = Buffer.allocUnsafe(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) buf.writeInt32LE(this.nextInt32(), i);
    for (; i < n; i++) buf[i] = this.nextInt32() & 0xff;
    return buf;
  }

  /** `n` bytes of text-like data built from a small vocabulary (compresses ~3-4x, like source code). */
  text(n: number): Buffer {
    const buf = Buffer.allocUnsafe(n);
    let i = 0;
    while (i < n) {
      const word = WORDS[this.below(WORDS.length)]!;
      const sep = SEPARATORS[this.below(SEPARATORS.length)]!;
      for (let k = 0; k < word.length && i < n; k++) buf[i++] = word.charCodeAt(k);
      for (let k = 0; k < sep.length && i < n; k++) buf[i++] = sep.charCodeAt(k);
    }
    return buf;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const WORDS = (
  'const let function return if else for while import export from class interface type ' +
  'backup chunk store client server agent manifest pack catalog index value key node ' +
  'error warning status available creating deleting restore export list show delete ' +
  'the of and to in is that it for on with as was at by this be or an are from which ' +
  '0 1 2 3 42 255 1024 4096 65536 true false null undefined this.state await async'
).split(' ');
const SEPARATORS = [' ', ' ', ' ', ' ', '(', ')', ';\n', '\n  ', ', ', '.', ' = ', ' {\n', '}\n'];
