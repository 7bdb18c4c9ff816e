import type { FileEntry } from '@cpsbackup/store';
import Long from 'long';
import { cpsbackup } from './generated/backup';

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

/** A 64-bit wire integer as an exact bigint. */
export function toBigInt(v: WireInt): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  return BigInt(v.toString());
}

/** A 64-bit wire integer as a safe number; larger values are a ProtocolError. */
export function toSafeNumber(v: WireInt, field: string): number {
  const b = toBigInt(v);
  if (b < 0n || b > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError('BAD_FIELD', `${field} out of range: ${b}`);
  return Number(b);
}

function signedLong(v: bigint): Long {
  return Long.fromString(v.toString(), false);
}

function unsignedLong(v: bigint): Long {
  return Long.fromString(v.toString(), true);
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
  const path = bytesField(w.path);
  if (path.length === 0 || path.length > MAX_PATH) throw new ProtocolError('BAD_ENTRY', `entry path of ${path.length} bytes`);
  if (path.includes(0)) throw new ProtocolError('BAD_ENTRY', 'entry path contains a NUL byte');
  const type = w.type ?? 0;
  if (!ENTRY_TYPES.has(type)) throw new ProtocolError('BAD_ENTRY', `entry ${path.toString()} has unknown type ${type}`);
  const chunks = (w.chunks ?? []).map(bytesField);
  if (chunks.length > MAX_CHUNKS) throw new ProtocolError('BAD_ENTRY', `entry ${path.toString()} has ${chunks.length} chunks`);
  for (const c of chunks) if (c.length !== 32) throw new ProtocolError('BAD_ENTRY', `entry ${path.toString()} has a ${c.length}-byte chunk id`);
  const user = w.user ?? '';
  const group = w.group ?? '';
  if (user.length > MAX_NAME || group.length > MAX_NAME) throw new ProtocolError('BAD_ENTRY', 'owner name too long');
  const linkTarget = bytesField(w.linkTarget);
  if (linkTarget.length > MAX_PATH) throw new ProtocolError('BAD_ENTRY', 'link target too long');
  return {
    path,
    type: type as FileEntry['type'],
    mode: (w.mode ?? 0) & 0o7777,
    uid: w.uid ?? 0,
    gid: w.gid ?? 0,
    user,
    group,
    size: toSafeNumber(w.size, 'size'),
    mtimeNs: toBigInt(w.mtimeNs),
    ctimeNs: toBigInt(w.ctimeNs),
    inode: toBigInt(w.inode),
    dev: toBigInt(w.dev),
    rdev: toBigInt(w.rdev),
    linkTarget,
    hardlinkGroup: toSafeNumber(w.hardlinkGroup, 'hardlink_group'),
    chunks,
  };
}
