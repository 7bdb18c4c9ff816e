import { CHUNK_ID_BYTES } from './chunk-id';
import { EntryType, type FileEntry, type Xattr } from './entry';
import { FormatError } from './errors';
import { VarintReader, VarintWriter } from './varint';

/**
 * A manifest is the byte stream
 *
 *   MANIFEST_MAGIC (length:varint entry)*
 *   entry := type path:bytes mode uid gid user:bytes group:bytes size
 *            mtimeNs:zz ctimeNs:zz inode:zz dev:zz rdev:zz linkTarget:bytes
 *            hardlinkGroup chunkCount chunkId[32]* [xattrCount (name:bytes value:bytes)*]
 *
 * (varints unless marked; zz = zigzag 64-bit). The extended attributes
 * come last and only when there are some (xattrCount > 0, names strictly
 * increasing by their bytes): a record is length-prefixed, so one that
 * ends after its chunk ids has none. Records written before they existed
 * decode as they did, and an entry without them encodes as it always did
 * (so a stored tree still dedups against a new backup's). The stream is cut by the
 * chunker and stored as ordinary chunks, so an unchanged run of entries in
 * the next backup dedups against this one.
 */
export const MANIFEST_MAGIC = Buffer.from('CPSMAN\x00\x01', 'latin1');

/**
 * The bounds of one entry, the only ones (every decoder of entries, from a
 * peer or from storage, goes through decodeEntry): an entry beyond them is
 * refused, not cut.
 */
export const ENTRY_LIMITS = {
  /** Bytes of a path or a symlink target. */
  pathBytes: 64 * 1024,
  /** Bytes of an owner or group name. */
  nameBytes: 1024,
  /** Chunk ids of one file. */
  chunks: 1 << 24,
  /** Bytes of an extended attribute's name, namespace included (Linux's XATTR_NAME_MAX). */
  xattrNameBytes: 255,
  /** Bytes of one extended attribute's value (Linux's XATTR_SIZE_MAX). */
  xattrValueBytes: 64 * 1024,
  /** Extended attributes of one entry. */
  xattrs: 1024,
  /** Bytes of one entry's extended attributes, names and values together. */
  xattrBytes: 1024 * 1024,
} as const;
const MAX_PATH_BYTES = ENTRY_LIMITS.pathBytes;
const MAX_NAME_BYTES = ENTRY_LIMITS.nameBytes;
const MAX_CHUNKS_PER_ENTRY = ENTRY_LIMITS.chunks;
/**
 * The longest body an entry within ENTRY_LIMITS can have: its byte fields,
 * chunk ids and extended attributes at their bounds, and 10 bytes for each
 * of its varints (16, and 2 per attribute).
 */
const MAX_ENTRY_BODY_BYTES =
  2 * MAX_PATH_BYTES + 2 * MAX_NAME_BYTES + MAX_CHUNKS_PER_ENTRY * CHUNK_ID_BYTES + ENTRY_LIMITS.xattrBytes + 10 * (16 + 2 * ENTRY_LIMITS.xattrs);
const VALID_TYPES = new Set<number>(Object.values(EntryType));

/** An entry's body is built here, then copied after its length: one buffer for all entries rather than one each. */
const entryScratch = new VarintWriter(64 * 1024);

/**
 * The last few owner and group names and their bytes: a tree has a handful
 * of owners, and encoding or decoding a name for every entry made two
 * objects per entry for the collector. One cache per direction, so an
 * encoding is always the string's own UTF-8 (a name decoded from bytes
 * that are not UTF-8 is never encoded back as those bytes).
 */
class NameCache<K, V> {
  private readonly keys: K[] = [];
  private readonly values: V[] = [];

  constructor(
    private readonly same: (a: K, b: K) => boolean,
    private readonly convert: (k: K) => V,
    /** What is kept of a key (a copy, when the caller's key is a view of a buffer its owner reuses). */
    private readonly stored: (k: K) => K = (k) => k,
  ) {}

  get(key: K): V {
    for (let i = 0; i < this.keys.length; i++) if (this.same(this.keys[i]!, key)) return this.values[i]!;
    const value = this.convert(key);
    if (this.keys.length >= 8) {
      this.keys.shift();
      this.values.shift();
    }
    this.keys.push(this.stored(key));
    this.values.push(value);
    return value;
  }
}
const encodedNames = new NameCache<string, Buffer>(
  (a, b) => a === b,
  (name) => Buffer.from(name, 'utf8'),
);
const decodedNames = new NameCache<Buffer, string>(
  (a, b) => a.equals(b),
  (raw) => raw.toString('utf8'),
  (raw) => Buffer.from(raw),
);
const NO_BYTES = Buffer.alloc(0);
/** The extended attributes of every entry without any (most of them): one frozen array, so nothing can add to it. */
const NO_XATTRS: readonly Xattr[] = Object.freeze([]);

/** Encodes one entry, with its length prefix. */
export function encodeEntry(e: FileEntry, w: VarintWriter = new VarintWriter()): Buffer {
  const body = entryScratch.reset();
  body
    .uint(e.type)
    .bytes(e.path)
    .uint(e.mode)
    .uint(e.uid)
    .uint(e.gid)
    .bytes(encodedNames.get(e.user))
    .bytes(encodedNames.get(e.group))
    .uint(e.size)
    .bigint(e.mtimeNs)
    .bigint(e.ctimeNs)
    .bigint(e.inode)
    .bigint(e.dev)
    .bigint(e.rdev)
    .bytes(e.linkTarget)
    .uint(e.hardlinkGroup)
    .uint(e.chunks.length);
  for (const c of e.chunks) {
    if (c.length !== CHUNK_ID_BYTES) throw new FormatError('BAD_ARGUMENT', `chunk id of ${c.length} bytes in ${e.path.toString()}`);
    body.raw(c);
  }
  if (e.xattrs.length > 0) writeXattrs(body, e);
  const b = body.finish();
  return w.bytes(b).finish();
}

/** Bytes as JSON would quote them (a name need not be UTF-8). */
function quoted(b: Buffer): string {
  return JSON.stringify(b.toString());
}

/**
 * An entry's extended attributes, sorted by name (a copy is sorted when
 * the caller's are not), refused beyond ENTRY_LIMITS as decodeEntry would
 * refuse them: a record a reader cannot take is never written.
 */
function writeXattrs(body: VarintWriter, e: FileEntry): void {
  const refuse = (why: string): never => {
    throw new FormatError('BAD_ARGUMENT', `extended attributes of ${quoted(e.path)}: ${why}`);
  };
  let xattrs = e.xattrs;
  for (let i = 1; i < xattrs.length; i++) {
    if (Buffer.compare(xattrs[i - 1]!.name, xattrs[i]!.name) >= 0) {
      xattrs = [...xattrs].sort((a, b) => Buffer.compare(a.name, b.name));
      break;
    }
  }
  if (xattrs.length > ENTRY_LIMITS.xattrs) refuse(`${xattrs.length} of them (at most ${ENTRY_LIMITS.xattrs})`);
  let total = 0;
  body.uint(xattrs.length);
  for (let i = 0; i < xattrs.length; i++) {
    const { name, value } = xattrs[i]!;
    const problem = xattrNameProblem(name, i > 0 ? xattrs[i - 1]!.name : null);
    if (problem) refuse(problem);
    if (value.length > ENTRY_LIMITS.xattrValueBytes) refuse(`${quoted(name)} has a value of ${value.length} bytes (at most ${ENTRY_LIMITS.xattrValueBytes})`);
    total += name.length + value.length;
    body.bytes(name).bytes(value);
  }
  if (total > ENTRY_LIMITS.xattrBytes) refuse(`${total} bytes of names and values (at most ${ENTRY_LIMITS.xattrBytes})`);
}

/** What is wrong with an attribute's name, after `previous` (the name before it), or undefined. */
function xattrNameProblem(name: Buffer, previous: Buffer | null): string | undefined {
  if (name.length === 0) return 'an empty name';
  if (name.length > ENTRY_LIMITS.xattrNameBytes) return `a name of ${name.length} bytes (at most ${ENTRY_LIMITS.xattrNameBytes})`;
  if (name.includes(0)) return `the name ${quoted(name)} holds a NUL byte`;
  if (previous !== null && Buffer.compare(previous, name) >= 0) {
    return previous.equals(name) ? `${quoted(name)} twice` : `${quoted(name)} after ${quoted(previous)} (names must increase)`;
  }
  return undefined;
}

/**
 * The extended attributes at the end of a record, if any: a count, then
 * names and values, the names strictly increasing. Anything beyond
 * ENTRY_LIMITS, or not as writeXattrs writes it (a count of 0, names out
 * of order), is refused: an entry has one encoding.
 */
function readXattrs(r: VarintReader, path: Buffer): readonly Xattr[] {
  if (r.remaining === 0) return NO_XATTRS;
  const refuse = (why: string): never => {
    throw new FormatError('MANIFEST_CORRUPT', `manifest entry ${quoted(path)}: ${why}`);
  };
  const n = r.uint();
  if (n === 0) refuse('an empty list of extended attributes (the encoding leaves it out)');
  if (n > ENTRY_LIMITS.xattrs) refuse(`${n} extended attributes (at most ${ENTRY_LIMITS.xattrs})`);
  // Each takes two bytes at least (its two lengths): a count the record cannot hold allocates nothing.
  if (n * 2 > r.remaining) refuse(`claims ${n} extended attributes but has ${r.remaining} bytes left`);
  const out: Xattr[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const name = r.bytes(ENTRY_LIMITS.xattrNameBytes);
    const problem = xattrNameProblem(name, i > 0 ? out[i - 1]!.name : null);
    if (problem) refuse(`extended attribute with ${problem}`);
    const value = r.bytes(ENTRY_LIMITS.xattrValueBytes);
    total += name.length + value.length;
    if (total > ENTRY_LIMITS.xattrBytes) refuse(`extended attributes of more than ${ENTRY_LIMITS.xattrBytes} bytes`);
    out.push({ name: Buffer.from(name), value: copyOrEmpty(value) });
  }
  return out;
}

/** A copy of a field, or one shared empty buffer (most entries have no link target; nothing writes into it). */
function copyOrEmpty(b: Buffer): Buffer {
  return b.length === 0 ? NO_BYTES : Buffer.from(b);
}

/**
 * An entry's first two fields, with the rules every reader of entries
 * relies on (a restore above all): a known type, a path neither empty nor
 * holding a NUL. The path is a view of the reader's buffer.
 */
function readTypeAndPath(r: VarintReader): { type: EntryType; path: Buffer } {
  const type = r.uint();
  if (!VALID_TYPES.has(type)) throw new FormatError('MANIFEST_CORRUPT', `manifest entry has unknown type ${type}`);
  const path = r.bytes(MAX_PATH_BYTES);
  if (path.length === 0) throw new FormatError('MANIFEST_CORRUPT', 'manifest entry has an empty path');
  if (path.includes(0)) throw new FormatError('MANIFEST_CORRUPT', `entry path ${JSON.stringify(path.toString())} contains a NUL byte`);
  return { type: type as EntryType, path };
}

/** Decodes one entry body (without its length prefix). */
export function decodeEntry(body: Buffer): FileEntry {
  const r = new VarintReader(body, 'manifest entry');
  const { type, path } = readTypeAndPath(r);
  const e: FileEntry = {
    type,
    path: Buffer.from(path),
    mode: r.uint(),
    uid: r.uint(),
    gid: r.uint(),
    user: decodedNames.get(r.bytes(MAX_NAME_BYTES)),
    group: decodedNames.get(r.bytes(MAX_NAME_BYTES)),
    size: r.uint(),
    mtimeNs: r.bigint(),
    ctimeNs: r.bigint(),
    inode: r.bigint(),
    dev: r.bigint(),
    rdev: r.bigint(),
    linkTarget: copyOrEmpty(r.bytes(MAX_PATH_BYTES)),
    hardlinkGroup: r.uint(),
    chunks: [],
    xattrs: NO_XATTRS,
  };
  const n = r.uint();
  if (n > MAX_CHUNKS_PER_ENTRY || n * CHUNK_ID_BYTES > r.remaining) {
    throw new FormatError('MANIFEST_CORRUPT', `manifest entry claims ${n} chunks but has ${r.remaining} bytes left`);
  }
  for (let i = 0; i < n; i++) e.chunks.push(Buffer.from(r.raw(CHUNK_ID_BYTES)));
  e.xattrs = readXattrs(r, e.path);
  if (r.remaining !== 0) throw new FormatError('MANIFEST_CORRUPT', `manifest entry has ${r.remaining} trailing bytes`);
  // Owner bits beyond the permissions are never restored.
  e.mode &= 0o7777;
  return e;
}

/** Entries as a run of length-prefixed records: the manifest without its magic (what an agent sends). */
export function encodeEntryRecords(entries: readonly FileEntry[]): Buffer {
  const w = new VarintWriter(256 * entries.length);
  for (const e of entries) encodeEntry(e, w);
  return w.finish();
}

/**
 * Entries in walk order as a flat manifest stream (MANIFEST_MAGIC, then
 * entry records), piece by piece, a thousand entries a piece: what an
 * agent spools to find the files that did not change, made from a tree the
 * server walks or one an encrypted node walks itself.
 */
export async function* encodeManifestStream(entries: AsyncIterable<FileEntry>): AsyncGenerator<Buffer> {
  yield Buffer.from(MANIFEST_MAGIC);
  let batch: FileEntry[] = [];
  for await (const e of entries) {
    batch.push(e);
    if (batch.length >= 1000) {
      yield encodeEntryRecords(batch);
      batch = [];
    }
  }
  if (batch.length) yield encodeEntryRecords(batch);
}

/** Decodes a run of records written by encodeEntryRecords; it must end exactly on a record boundary. */
export function decodeEntryRecords(buf: Buffer, maxEntries = Infinity): FileEntry[] {
  const out: FileEntry[] = [];
  const end = decodeRecords(buf, out, maxEntries);
  if (end < buf.length) {
    const header = tryReadLength(buf, end);
    if (!header) throw new FormatError('MANIFEST_CORRUPT', `entry records end inside a length prefix (byte ${end})`);
    throw new FormatError('MANIFEST_CORRUPT', `entry record of ${header[0]} bytes at byte ${end} is cut off after ${buf.length - header[1]}`);
  }
  return out;
}

/**
 * Decodes the complete records at the start of `buf` into `out`; returns
 * where the first incomplete one starts (buf.length when there is none).
 */
function decodeRecords(buf: Buffer, out: FileEntry[], maxEntries = Infinity): number {
  let pos = 0;
  for (;;) {
    if (out.length >= maxEntries && pos < buf.length) throw new FormatError('MANIFEST_CORRUPT', `more than ${maxEntries} entry records in one message`);
    const header = tryReadLength(buf, pos);
    if (!header) return pos;
    const [len, bodyStart] = header;
    if (len > MAX_ENTRY_BODY_BYTES) {
      throw new FormatError('MANIFEST_CORRUPT', `manifest entry length ${len} is impossible`);
    }
    if (bodyStart + len > buf.length) return pos;
    out.push(decodeEntry(buf.subarray(bodyStart, bodyStart + len)));
    pos = bodyStart + len;
  }
}

/**
 * Turns manifest stream pieces (in order) back into entries, holding only
 * the bytes of one partial entry between pieces.
 */
export class ManifestDecoder {
  private carry: Buffer = Buffer.alloc(0);
  private sawMagic = false;

  /** Feeds the next piece of the stream; returns the entries it completes. */
  push(piece: Buffer): FileEntry[] {
    let buf = this.carry.length ? Buffer.concat([this.carry, piece]) : piece;
    if (!this.sawMagic) {
      if (buf.length < MANIFEST_MAGIC.length) {
        this.carry = Buffer.from(buf);
        return [];
      }
      if (!buf.subarray(0, MANIFEST_MAGIC.length).equals(MANIFEST_MAGIC)) {
        throw new FormatError('MANIFEST_CORRUPT', 'manifest does not start with the manifest magic (unknown format version?)');
      }
      this.sawMagic = true;
      buf = buf.subarray(MANIFEST_MAGIC.length);
    }
    const out: FileEntry[] = [];
    const pos = decodeRecords(buf, out);
    this.carry = Buffer.from(buf.subarray(pos));
    return out;
  }

  /** Checks the stream ended on an entry boundary. */
  end(): void {
    if (!this.sawMagic) throw new FormatError('MANIFEST_CORRUPT', 'manifest is empty (no magic)');
    if (this.carry.length !== 0) throw new FormatError('MANIFEST_CORRUPT', `manifest ends inside an entry (${this.carry.length} bytes left)`);
  }
}

/** Where one record of a run of entry records lies, and its entry's type and path (a view), read without decoding the rest. */
export interface RecordHead {
  /** Its first byte (the length prefix), its body's first byte (what decodeEntry takes), and the byte after it. */
  start: number;
  bodyStart: number;
  end: number;
  type: EntryType;
  path: Buffer;
}

/**
 * The record at `pos` of a run of whole entry records (a listing chunk), by
 * its head only: a reader that copies most records as they are (see
 * format's walkTreeRecords) checks them by type and path without making an
 * entry of each. Throws a FormatError where decodeEntry would find the
 * record cut, its type unknown or its path empty or holding a NUL.
 */
export function recordHeadAt(buf: Buffer, pos: number): RecordHead {
  const header = tryReadLength(buf, pos);
  if (!header) throw new FormatError('MANIFEST_CORRUPT', `entry records end inside a length prefix (byte ${pos})`);
  const [len, bodyStart] = header;
  if (bodyStart + len > buf.length) throw new FormatError('MANIFEST_CORRUPT', `entry record of ${len} bytes at byte ${pos} is cut off`);
  const { type, path } = readTypeAndPath(new VarintReader(buf.subarray(bodyStart, bodyStart + len), 'manifest entry'));
  return { start: pos, bodyStart, end: bodyStart + len, type, path };
}

/** Reads a varint length at `pos`, or null if the buffer ends first. */
function tryReadLength(buf: Buffer, pos: number): [number, number] | null {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    if (pos + i >= buf.length) return null;
    const b = buf[pos + i]!;
    result += (b & 0x7f) * mul;
    if (b < 0x80) return [result, pos + i + 1];
    mul *= 0x80;
  }
  throw new FormatError('MANIFEST_CORRUPT', 'manifest entry length varint too long');
}
