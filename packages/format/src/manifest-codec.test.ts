import fc from 'fast-check';
import { EntryType, type FileEntry } from './entry';
import { decodeEntry, encodeEntry, ManifestDecoder, MANIFEST_MAGIC } from './manifest-codec';
import { VarintReader } from './varint';

const entryArb: fc.Arbitrary<FileEntry> = fc.record({
  // Any bytes but NUL (a path never holds one: decoding refuses it).
  path: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.from(a.map((b) => b || 1))),
  type: fc.constantFrom(...Object.values(EntryType)),
  mode: fc.integer({ min: 0, max: 0o7777 }),
  uid: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  gid: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  user: fc.string({ maxLength: 40 }),
  group: fc.string({ maxLength: 40 }),
  size: fc.maxSafeNat(),
  mtimeNs: fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
  ctimeNs: fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
  inode: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
  dev: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
  rdev: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
  linkTarget: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  hardlinkGroup: fc.nat(),
  chunks: fc.array(
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => Buffer.from(a)),
    { maxLength: 20 },
  ),
});

function bodyOf(encoded: Buffer): Buffer {
  const r = new VarintReader(encoded, 'test');
  return r.bytes(1 << 30);
}

describe('manifest codec', () => {
  test('every entry round-trips', () => {
    fc.assert(
      fc.property(entryArb, (e) => {
        const back = decodeEntry(bodyOf(encodeEntry(e)));
        expect(back).toEqual({ ...e, user: Buffer.from(e.user).toString(), group: Buffer.from(e.group).toString() });
      }),
      { numRuns: 500 },
    );
  });

  test('a stream cut at arbitrary places decodes to the same entries', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { minLength: 1, maxLength: 15 }), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1 }), (entries, cuts) => {
        const stream = Buffer.concat([MANIFEST_MAGIC, ...entries.map((e) => Buffer.from(encodeEntry(e)))]);
        const decoder = new ManifestDecoder();
        const out: FileEntry[] = [];
        let off = 0;
        let k = 0;
        while (off < stream.length) {
          const n = cuts[k++ % cuts.length]!;
          out.push(...decoder.push(stream.subarray(off, off + n)));
          off += n;
        }
        decoder.end();
        expect(out.map((e) => e.path)).toEqual(entries.map((e) => e.path));
      }),
      { numRuns: 200 },
    );
  });

  test('damaged input is an error, never a crash or a wrong entry', () => {
    fc.assert(
      fc.property(entryArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (e, pos, flip) => {
        const body = Buffer.from(bodyOf(encodeEntry(e)));
        body[pos % body.length]! ^= flip;
        try {
          decodeEntry(body);
        } catch (err) {
          expect((err as Error).name).toBe('FormatError');
        }
      }),
      { numRuns: 500 },
    );
    expect(() => new ManifestDecoder().push(Buffer.from('NOTMAGIC'))).toThrow(/magic/);
    const d = new ManifestDecoder();
    d.push(Buffer.concat([MANIFEST_MAGIC, Buffer.from([5, 1])]));
    expect(() => d.end()).toThrow(/ends inside an entry/);
  });
});
