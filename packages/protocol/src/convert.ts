import type Long from 'long';

/** A wire message field failed validation. */
export class ProtocolError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

type WireInt = number | Long | null | undefined;

/**
 * A 64-bit wire integer as an exact bigint. Built from the Long's two 32-bit
 * halves: going through its decimal string cost more than decoding the entry.
 */
export function toBigInt(v: WireInt): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (v.high === 0) return BigInt(v.low >>> 0);
  const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return v.unsigned ? bits : BigInt.asIntN(64, bits);
}

/** A 64-bit wire integer as a safe number; larger values are a ProtocolError. */
export function toSafeNumber(v: WireInt, field: string): number {
  const b = toBigInt(v);
  if (b < 0n || b > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError('BAD_FIELD', `${field} out of range: ${b}`);
  return Number(b);
}
