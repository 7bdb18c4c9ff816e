import fc from 'fast-check';
import { fileEntry } from '@cpsbackup/testkit';
import { type FileEntry } from './entry';
import { decodeEntryRecords, encodeEntryRecords, ENTRY_LIMITS } from './manifest-codec';
import { VarintReader, VarintWriter } from './varint';

/** The largest chunk (chunker's ABSOLUTE_MAX_CHUNK_SIZE): a listing chunk holds at least one whole record, so every record must fit. */
const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

/** The one entry a run of records holds, decoded by the format's rules (what a node reading a listing applies). */
function entryFromRecord(record: Buffer): FileEntry {
  const [entry, ...more] = decodeEntryRecords(record, 1);
  if (!entry || more.length) throw new Error('not exactly one entry record');
  return entry;
}

/** Entry records as a node reads them from a listing chunk the server sent. */
describe('entry records', () => {
  test('file entries keep 64-bit times and inodes exactly', () => {
    const entry = {
      path: Buffer.from([0x2f, 0xff, 0x00 + 1, 0x80]),
      type: 1 as const,
      mode: 0o4755,
      uid: 4294967294,
      gid: 5,
      user: 'ünïcode',
      group: 'g',
      size: 2 ** 52,
      mtimeNs: -1_234_567_890_123_456_789n,
      ctimeNs: 9_123_456_789_012_345_678n,
      inode: 18_446_744_073_709_551_615n,
      dev: 2049n,
      rdev: 0n,
      linkTarget: Buffer.alloc(0),
      hardlinkGroup: 3,
      chunks: [Buffer.alloc(32, 1)],
      xattrs: [],
    };
    expect(entryFromRecord(encodeEntryRecords([entry]))).toEqual(entry);
  });

  test('any int64 time and uint64 inode survives the wire exactly', () => {
    const base = {
      path: Buffer.from('/f'),
      type: 1 as const,
      mode: 0o644,
      uid: 0,
      gid: 0,
      user: '',
      group: '',
      size: 0,
      rdev: 0n,
      linkTarget: Buffer.alloc(0),
      hardlinkGroup: 0,
      chunks: [],
      xattrs: [],
    };
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom(0n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n)),
        (time, inode) => {
          const entry = { ...base, mtimeNs: time, ctimeNs: -time - 1n, inode, dev: inode >> 7n };
          expect(entryFromRecord(encodeEntryRecords([entry]))).toEqual(entry);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('an entry with every byte field and its extended attributes at their bounds fits in one chunk, unchanged', () => {
    const L = ENTRY_LIMITS;
    // Sixteen values of 64 KiB less what the names take: exactly the bytes an entry's attributes may hold.
    const names = Array.from({ length: 16 }, (_, i) => Buffer.from(`security.${String(i).padStart(2, '0')}`));
    const nameBytes = names.reduce((n, b) => n + b.length, 0);
    const entry: FileEntry = {
      ...fileEntry('/x', [Buffer.alloc(32, 7)], 1),
      path: Buffer.alloc(L.pathBytes, 0x61),
      linkTarget: Buffer.alloc(L.pathBytes, 0x62),
      user: 'u'.repeat(L.nameBytes),
      group: 'g'.repeat(L.nameBytes),
      xattrs: names.map((name, i) => ({ name, value: Buffer.alloc(i < 15 ? L.xattrValueBytes : L.xattrValueBytes - nameBytes, i) })),
    };
    entry.path[0] = 0x2f;
    const record = encodeEntryRecords([entry]);
    expect(record.length).toBeGreaterThan(L.xattrBytes);
    expect(record.length).toBeLessThanOrEqual(MAX_CHUNK_BYTES);
    // Compared by their encoding (one per entry, every field in it): toEqual walks a megabyte byte by byte.
    const back = entryFromRecord(record);
    expect(back.xattrs.map((x) => [x.name.toString(), x.value.length])).toEqual(entry.xattrs.map((x) => [x.name.toString(), x.value.length]));
    expect(encodeEntryRecords([back]).equals(encodeEntryRecords([entry]))).toBe(true);
  });

  test('hostile entries are refused with a reason', () => {
    const good = { ...fileEntry('/x', [], 0) };
    const record = (e: typeof good) => encodeEntryRecords([e]);
    expect(() => entryFromRecord(record({ ...good, type: 99 as never }))).toThrow(/unknown type 99/);
    expect(() => entryFromRecord(record({ ...good, path: Buffer.from('/x\0y') }))).toThrow(/NUL/);
    expect(() => entryFromRecord(record({ ...good, path: Buffer.alloc(0) }))).toThrow(/empty path/);
    expect(() => entryFromRecord(record({ ...good, path: Buffer.alloc(64 * 1024 + 1, 0x61) }))).toThrow(/field of 65537 bytes exceeds 65536/);
    expect(() => entryFromRecord(Buffer.concat([record(good), record(good)]))).toThrow(/more than 1 entry record/);
    // A chunk id of the wrong size cannot even be encoded, and a record claiming more chunks than it holds is refused.
    expect(() => record({ ...good, chunks: [Buffer.alloc(31)] })).toThrow(/chunk id of 31 bytes/);
    // Extended attributes the encoder would not write (it refuses them), forged after a good record's body.
    const forged = (count: number, xattrs: Array<[Buffer, Buffer]>) => {
      const body = new VarintWriter().raw(new VarintReader(record(good), 'test').bytes(1 << 20)).uint(count);
      for (const [name, value] of xattrs) body.bytes(name).bytes(value);
      return new VarintWriter().bytes(body.finish()).finish();
    };
    const x = (name: string | Buffer, value = Buffer.alloc(0)): [Buffer, Buffer] => [Buffer.from(name), value];
    expect(() => entryFromRecord(forged(1, [x(Buffer.alloc(256, 0x61))]))).toThrow(/exceeds 255/);
    expect(() => entryFromRecord(forged(1, [x('user.v', Buffer.alloc(65537))]))).toThrow(/exceeds 65536/);
    expect(() =>
      entryFromRecord(
        forged(
          1025,
          Array.from({ length: 1025 }, (_, i) => x(`user.${String(i).padStart(4, '0')}`)),
        ),
      ),
    ).toThrow(/1025 extended attributes \(at most 1024\)/);
    const big = Array.from({ length: 17 }, (_, i) => x(`user.${String(i).padStart(2, '0')}`, Buffer.alloc(65536)));
    expect(() => entryFromRecord(forged(17, big))).toThrow(/more than 1048576 bytes/);
    expect(() => entryFromRecord(forged(2, [x('user.b'), x('user.a')]))).toThrow(/"user.a" after "user.b"/);
  });
});
