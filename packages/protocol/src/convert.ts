import { decodeEntryRecords, type FileEntry, isFormatError } from '@cpsbackup/format';
import Long from 'long';
import { type cpsbackup } from './generated/backup';

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

const MAX_PATH = 64 * 1024;
const MAX_NAME = 1024;
const MAX_CHUNKS = 1 << 22;
const ENTRY_TYPES = new Set([1, 2, 3, 4, 5, 6, 7]);

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

/** The 64 bits of `v` as a Long (v must lie in the field's range; stat values do). */
function toLong(v: bigint, unsigned: boolean): Long {
  const bits = BigInt.asUintN(64, v);
  return Long.fromBits(Number(bits & 0xffffffffn) | 0, Number(bits >> 32n) | 0, unsigned);
}

function signedLong(v: bigint): Long {
  return toLong(v, false);
}

function unsignedLong(v: bigint): Long {
  return toLong(v, true);
}

/** A store entry as a wire FileEntry. */
export function toWireEntry(e: FileEntry): cpsbackup.FileEntry.$Properties {
  return {
    path: e.path,
    type: e.type,
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    user: e.user,
    group: e.group,
    size: e.size,
    mtimeNs: signedLong(e.mtimeNs),
    ctimeNs: signedLong(e.ctimeNs),
    inode: unsignedLong(e.inode),
    dev: unsignedLong(e.dev),
    rdev: unsignedLong(e.rdev),
    linkTarget: e.linkTarget,
    hardlinkGroup: e.hardlinkGroup,
    chunks: e.chunks,
  };
}

function bytesField(v: Uint8Array | null | undefined): Buffer {
  return v ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : Buffer.alloc(0);
}

/** A wire FileEntry as a store entry, validating every field (the peer may be hostile). */
export function fromWireEntry(w: cpsbackup.FileEntry.$Properties | null | undefined): FileEntry {
  if (!w) throw new ProtocolError('BAD_ENTRY', 'empty entry');
  return checkEntry({
    path: bytesField(w.path),
    type: (w.type ?? 0) as FileEntry['type'],
    mode: w.mode ?? 0,
    uid: w.uid ?? 0,
    gid: w.gid ?? 0,
    user: w.user ?? '',
    group: w.group ?? '',
    size: toSafeNumber(w.size, 'size'),
    mtimeNs: toBigInt(w.mtimeNs),
    ctimeNs: toBigInt(w.ctimeNs),
    inode: toBigInt(w.inode),
    dev: toBigInt(w.dev),
    rdev: toBigInt(w.rdev),
    linkTarget: bytesField(w.linkTarget),
    hardlinkGroup: toSafeNumber(w.hardlinkGroup, 'hardlink_group'),
    chunks: (w.chunks ?? []).map(bytesField),
  });
}

/**
 * Checks an entry from a peer (the peer may be hostile): a sane path, a
 * known type, 32-byte chunk ids, bounded names. Returns it with only
 * permission bits left in `mode`.
 */
export function checkEntry(e: FileEntry): FileEntry {
  const path = e.path;
  if (path.length === 0 || path.length > MAX_PATH) throw new ProtocolError('BAD_ENTRY', `entry path of ${path.length} bytes`);
  if (path.includes(0)) throw new ProtocolError('BAD_ENTRY', 'entry path contains a NUL byte');
  if (!ENTRY_TYPES.has(e.type)) throw new ProtocolError('BAD_ENTRY', `entry ${path.toString()} has unknown type ${e.type}`);
  if (e.chunks.length > MAX_CHUNKS) throw new ProtocolError('BAD_ENTRY', `entry ${path.toString()} has ${e.chunks.length} chunks`);
  for (const c of e.chunks) if (c.length !== 32) throw new ProtocolError('BAD_ENTRY', `entry ${path.toString()} has a ${c.length}-byte chunk id`);
  if (e.user.length > MAX_NAME || e.group.length > MAX_NAME) throw new ProtocolError('BAD_ENTRY', 'owner name too long');
  if (e.linkTarget.length > MAX_PATH) throw new ProtocolError('BAD_ENTRY', 'link target too long');
  e.mode &= 0o7777;
  return e;
}

/** The entries of an Entries message (manifest records), each decoded and checked. */
export function entriesFromRecords(records: Uint8Array | null | undefined, maxEntries = Infinity): FileEntry[] {
  let entries: FileEntry[];
  try {
    entries = decodeEntryRecords(bytesField(records), maxEntries);
  } catch (err) {
    if (isFormatError(err)) throw new ProtocolError('BAD_ENTRY', `unreadable entry records: ${err.message}`);
    throw err;
  }
  return entries.map(checkEntry);
}
