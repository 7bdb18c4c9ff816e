import { FormatError } from './errors';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The signed value of a 64-bit zigzag code given as its low and high 32 bits. */
function unzigzag64(lo: number, hi: number): bigint {
  const negative = lo & 1;
  let l = ((lo >>> 1) | (hi << 31)) >>> 0;
  let h = hi >>> 1;
  if (negative) {
    l = ~l >>> 0;
    h = ~h >>> 0;
  }
  if (h === 0) return BigInt(l);
  return BigInt.asIntN(64, (BigInt(h) << 32n) | BigInt(l));
}

/** Appends LEB128 varints and length-prefixed bytes to a growing buffer. */
export class VarintWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Unsigned integer up to 2^53-1. */
  uint(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new FormatError('BAD_ARGUMENT', `varint out of range: ${v}`);
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
    return this;
  }

  /**
   * Signed integer, zigzag-encoded (times before 1970 stay small). Values in
   * the int64 range (all of stat's) are encoded through two 32-bit halves:
   * a BigInt operation per 7 bits cost more than the rest of an entry.
   */
  bigint(v: bigint): this {
    this.ensure(11);
    if (v < INT64_MIN || v > INT64_MAX) return this.wideBigint(v);
    const u = BigInt.asUintN(64, v);
    const lo0 = Number(u & 0xffffffffn);
    const hi0 = Number(u >> 32n);
    const sign = hi0 >>> 31 ? -1 : 0;
    let lo = ((lo0 << 1) ^ sign) >>> 0;
    let hi = (((hi0 << 1) | (lo0 >>> 31)) ^ sign) >>> 0;
    while (hi !== 0 || lo > 0x7f) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
    return this;
  }

  /** Beyond int64 (an unsigned 64-bit inode, say): the general, slower form of the same encoding. */
  private wideBigint(v: bigint): this {
    let z = v >= 0n ? v << 1n : (-v << 1n) - 1n;
    if (z >= 1n << 77n) throw new FormatError('BAD_ARGUMENT', `varint out of range: ${v}`);
    while (z >= 0x80n) {
      this.buf[this.pos++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    this.buf[this.pos++] = Number(z);
    return this;
  }

  bytes(b: Uint8Array): this {
    this.uint(b.length);
    this.raw(b);
    return this;
  }

  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Starts over, keeping the buffer (for a writer reused as scratch). */
  reset(): this {
    this.pos = 0;
    return this;
  }

  /** The bytes written so far (a view; copy before writing more if kept). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Reads what VarintWriter wrote; every read is bounds-checked. */
export class VarintReader {
  pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private fail(msg: string): never {
    throw new FormatError('MANIFEST_CORRUPT', `${this.what}: ${msg} at byte ${this.pos}`);
  }

  uint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.buf.length) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (!Number.isSafeInteger(result)) this.fail('varint too large');
        return result;
      }
      mul *= 0x80;
    }
    return this.fail('varint too long');
  }

  /** What VarintWriter.bigint wrote; up to 64 bits through two 32-bit halves, wider ones the slow way. */
  bigint(): bigint {
    const start = this.pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= bits << 28;
        hi = bits >>> 4;
      } else if (i < 9) hi |= bits << (7 * i - 32);
      else if (bits > 1) break;
      else hi |= bits << 31;
      if (b < 0x80) return unzigzag64(lo >>> 0, hi >>> 0);
    }
    this.pos = start;
    return this.wideBigint();
  }

  private wideBigint(): bigint {
    let z = 0n;
    let shift = 0n;
    for (let i = 0; i < 11; i++) {
      if (this.pos >= this.buf.length) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      z |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return z & 1n ? -((z + 1n) >> 1n) : z >> 1n;
      shift += 7n;
    }
    return this.fail('varint too long');
  }

  bytes(maxLength = 1 << 20): Buffer {
    const n = this.uint();
    if (n > maxLength) this.fail(`field of ${n} bytes exceeds ${maxLength}`);
    return this.raw(n);
  }

  raw(n: number): Buffer {
    if (this.pos + n > this.buf.length) this.fail(`truncated field of ${n} bytes`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}
