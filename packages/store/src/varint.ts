import { StoreError } from './errors';

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
    if (!Number.isSafeInteger(v) || v < 0) throw new StoreError('BAD_ARGUMENT', `varint out of range: ${v}`);
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
    return this;
  }

  /** Signed 64-bit integer, zigzag-encoded (times before 1970 stay small). */
  bigint(v: bigint): this {
    let z = v >= 0n ? v << 1n : ((-v) << 1n) - 1n;
    this.ensure(11);
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
    throw new StoreError('STORE_CORRUPT', `${this.what}: ${msg} at byte ${this.pos}`);
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

  bigint(): bigint {
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
