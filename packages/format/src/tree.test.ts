import fc from 'fast-check';
import { chunkIdOf } from './chunk-id';
import { EntryType, type FileEntry } from './entry';
import { encodeEntryRecords, encodeManifestStream } from './manifest-codec';
import { checkListing, compareWalkOrder, LISTING_CUT, TreeBuilder, walkTree, walkTreeRecords } from './tree';

function entry(path: string, type: FileEntry['type'] = EntryType.File, chunks: Buffer[] = []): FileEntry {
  return {
    path: Buffer.from(path),
    type,
    mode: 0o644,
    uid: 1,
    gid: 2,
    user: 'u',
    group: 'g',
    size: 0,
    mtimeNs: 1n,
    ctimeNs: 2n,
    inode: 3n,
    dev: 4n,
    rdev: 0n,
    linkTarget: Buffer.alloc(0),
    hardlinkGroup: 0,
    chunks,
    xattrs: [],
  };
}

/** A chunk store in memory: what the builder writes and the walk reads. */
function memoryStore(): { sink: (c: Buffer) => Buffer; read: (id: Buffer) => Buffer; chunks: Map<string, Buffer> } {
  const chunks = new Map<string, Buffer>();
  return {
    chunks,
    sink: (c) => {
      const id = chunkIdOf(c);
      chunks.set(id.toString('hex'), c);
      return id;
    },
    read: (id) => {
      const c = chunks.get(id.toString('hex'));
      if (!c) throw new Error(`no chunk ${id.toString('hex')}`);
      return c;
    },
  };
}

/** Every path of a random tree, in walk order, directories before their contents (as the walker yields them). */
const treeArb = fc
  .array(fc.array(fc.constantFrom('a', 'b', 'c', 'a-b', 'a.b', 'd e'), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 60 })
  .map((paths) => {
    const all = new Map<string, FileEntry['type']>();
    for (const parts of paths) {
      for (let i = 1; i <= parts.length; i++) {
        const p = '/r/' + parts.slice(0, i).join('/');
        const type = i < parts.length ? EntryType.Directory : (all.get(p) ?? EntryType.File);
        if (all.get(p) !== EntryType.Directory) all.set(p, type);
      }
    }
    all.set('/r', EntryType.Directory);
    return [...all]
      .map(([p, t]) => entry(p, t, t === EntryType.File ? [chunkIdOf(Buffer.from(p))] : []))
      .sort((x, y) => compareWalkOrder(x.path, y.path))
      .map((e, i) => (i % 3 === 0 ? { ...e, xattrs: withXattrs(e.path) } : e));
  });

/** Extended attributes for an entry (directories and files alike): an ACL and a value of raw bytes. */
function withXattrs(path: Buffer): FileEntry['xattrs'] {
  return [
    { name: Buffer.from('system.posix_acl_access'), value: Buffer.from('0200000001000600ffffffff', 'hex') },
    { name: Buffer.concat([Buffer.from('user.'), Buffer.from([0xff])]), value: Buffer.concat([path, Buffer.from([0, 0xff])]) },
  ];
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

/** Builds a tree from a walk, storing each listing chunk as the builder hands it over. */
function build(entries: readonly FileEntry[], sink: (c: Buffer) => Buffer): Buffer[] {
  const builder = new TreeBuilder();
  const keep = (chunks: Array<{ id: Buffer; chunk: Buffer }>) => chunks.forEach((c) => expect(sink(c.chunk)).toEqual(c.id));
  for (const e of entries) keep(builder.add(e));
  const { chunks, root } = builder.finish();
  keep(chunks);
  return root;
}

describe('tree manifests', () => {
  test('any tree built from a walk reads back as the same entries in the same order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(treeArb, async (entries) => {
        const store = memoryStore();
        const root = build(entries, store.sink);
        expect(await collect(walkTree(root, store.read))).toEqual(entries);
      }),
      { numRuns: 300 },
    );
  });

  test("the flat manifest of a tree, its files' records copied as stored, is byte for byte the encoding of its walk (property)", async () => {
    const withKinds = treeArb.map((entries) =>
      entries.map((e, i) => (e.type === EntryType.File && i % 5 === 0 ? { ...e, type: EntryType.Symlink, chunks: [], linkTarget: Buffer.from('../t') } : e)),
    );
    await fc.assert(
      fc.asyncProperty(withKinds, fc.constantFrom(1, 1, 1, 50, 9000), async (entries, bulk) => {
        const store = memoryStore();
        // Now and then a file of 9,000 chunks: a record longer than a piece the walk yields.
        const first = entries.findIndex((e) => e.type === EntryType.File);
        const big = entries.map((e, i) => (i === first ? { ...e, chunks: Array.from({ length: bulk }, () => e.chunks[0]!) } : e));
        const root = build(big, store.sink);
        const expected = Buffer.concat(await collect(encodeManifestStream(walkTree(root, store.read))));
        const got = Buffer.concat(await collect(walkTreeRecords(root, store.read)));
        expect(got.equals(expected)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  test('an unchanged directory keeps its listing ids; a change touches only its own listing and those above it', async () => {
    const files = Array.from({ length: 200 }, (_, i) => entry(`/r/stable/f${String(i).padStart(4, '0')}`));
    const tree = (changed: string) => [
      entry('/r', EntryType.Directory),
      entry('/r/other', EntryType.Directory),
      entry(`/r/other/${changed}`),
      entry('/r/stable', EntryType.Directory),
      ...files,
    ];
    const one = memoryStore();
    build(tree('x'), one.sink);
    const two = memoryStore();
    build(tree('y'), two.sink);
    const fresh = [...two.chunks.keys()].filter((k) => !one.chunks.has(k));
    expect(fresh).toHaveLength(3); // /r/other's listing, /r's (it names /r/other's ids) and the root's; /r/stable's is the same
  });

  test('a big directory is cut at record boundaries by its paths: one added file changes one or two of its chunks', async () => {
    const names = Array.from({ length: 6000 }, (_, i) => `/big/file-${String(i).padStart(5, '0')}`);
    const tree = (extra: string[]) =>
      [entry('/big', EntryType.Directory), ...[...names, ...extra].map((p) => entry(p))].sort((x, y) => compareWalkOrder(x.path, y.path));
    const one = memoryStore();
    build(tree([]), one.sink);
    const two = memoryStore();
    build(tree(['/big/file-03000-new']), two.sink);
    expect(one.chunks.size).toBeGreaterThan(4);
    for (const c of one.chunks.values()) expect(c.length).toBeLessThanOrEqual(LISTING_CUT.maxBytes);
    const fresh = [...two.chunks.keys()].filter((k) => !one.chunks.has(k));
    expect(fresh.length).toBeLessThanOrEqual(3); // the chunk with the new file, maybe its neighbour, and the root
  });

  test('a tree a peer could forge is refused by its listings: out of order, not a child, duplicates, nested roots', async () => {
    const store = memoryStore();
    const listing = (...es: FileEntry[]) => store.sink(encodeEntryRecords(es));
    // The walk of entries and the flat manifest's walk of records refuse the same trees, for the same reasons.
    const walk = (root: Buffer[]) => ({
      toThrow: async (why: RegExp) => {
        await expect(collect(walkTree(root, store.read))).rejects.toThrow(why);
        await expect(collect(walkTreeRecords(root, store.read))).rejects.toThrow(why);
      },
    });
    const dirWith = (path: string, ...children: FileEntry[]) => entry(path, EntryType.Directory, [listing(...children)]);
    await walk([listing(entry('/b'), entry('/a'))]).toThrow(/out of order/);
    await walk([listing(entry('/a'), entry('/a'))]).toThrow(/out of order/);
    await walk([listing(dirWith('/a', entry('/elsewhere/x')))]).toThrow(/not a child of it/);
    await walk([listing(dirWith('/a', entry('/a/b/c')))]).toThrow(/not a child of it/);
    await walk([listing(entry('/a'), entry('/a/b'))]).toThrow(/below another root/);
    await walk([listing(entry('relative'))]).toThrow(/not an absolute path/);
    // The same listing under two names: each copy must hold that name's children, so it cannot.
    const shared = listing(entry('/a/x'));
    await walk([listing(entry('/a', EntryType.Directory, [shared]), entry('/b', EntryType.Directory, [shared]))]).toThrow(/not a child of it/);
    expect(() => checkListing([entry('/a', EntryType.Symlink, [Buffer.alloc(32)])], null, null)).toThrow(/names chunks/);
    expect(() => checkListing([entry('/a', EntryType.CharDevice, [Buffer.alloc(32)])], null, null)).toThrow(/names chunks/);
    // A block device's content (read_blockdev), as a FIFO's (read_fifo).
    for (const type of [EntryType.Fifo, EntryType.BlockDevice])
      expect(checkListing([entry('/a', type, [Buffer.alloc(32)])], null, null)).toEqual(Buffer.from('/a'));
  });

  test('a tree 10,000 directories deep walks without exhausting the stack', async () => {
    const entries: FileEntry[] = [];
    let p = '';
    for (let i = 0; i < 10_000; i++) {
      p += '/d';
      entries.push(entry(p, EntryType.Directory));
    }
    entries.push(entry(p + '/leaf'));
    const store = memoryStore();
    const root = build(entries, store.sink);
    let n = 0;
    for await (const _ of walkTree(root, store.read)) n++;
    expect(n).toBe(10_001);
  });
});
