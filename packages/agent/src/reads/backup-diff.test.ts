import { chunkIdOf, EntryType, type FileEntry, TreeBuilder, walkTree } from '@cpsbackup/format';
import { diffEntries, diffTrees, type ListingSource } from './backup-diff';

function entry(path: string, type: FileEntry['type'] = EntryType.File, content = ''): FileEntry {
  return {
    path: Buffer.from(path),
    type,
    mode: 0o644,
    uid: 1,
    gid: 2,
    user: 'u',
    group: 'g',
    size: content.length,
    mtimeNs: 1n,
    ctimeNs: 2n,
    inode: 3n,
    dev: 4n,
    rdev: 0n,
    linkTarget: Buffer.alloc(0),
    hardlinkGroup: 0,
    chunks: type === EntryType.File ? [chunkIdOf(Buffer.from(content))] : [],
    xattrs: [],
  };
}

/** A tree built in memory from entries in walk order, and a source that counts the listings read from it. */
function tree(entries: FileEntry[]): { root: Buffer[]; source: ListingSource; reads: () => number } {
  const chunks = new Map<string, Buffer>();
  const b = new TreeBuilder();
  const keep = (done: Array<{ id: Buffer; chunk: Buffer }>) => done.forEach((c) => chunks.set(c.id.toString('hex'), c.chunk));
  for (const e of entries) keep(b.add(e));
  const { chunks: last, root } = b.finish();
  keep(last);
  let reads = 0;
  const read = (id: Buffer) => {
    reads++;
    return chunks.get(id.toString('hex'))!;
  };
  return {
    root,
    source: { read: (ids) => Promise.resolve(ids.map(read)), walk: (r) => walkTree(r, read) },
    reads: () => reads,
  };
}

async function all<T>(g: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of g) out.push(x);
  return out;
}

const BIG = Array.from({ length: 200 }, (_, i) => entry(`/big/f${String(i).padStart(3, '0')}`, EntryType.File, `content ${i}`));

describe('backup diff', () => {
  test('a subtree whose listing ids are the same is not read; the changes are those of the full merge', async () => {
    const before = [entry('/big', EntryType.Directory), ...BIG, entry('/etc', EntryType.Directory), entry('/etc/a', EntryType.File, 'one'), entry('/etc/gone')];
    const after = [
      entry('/big', EntryType.Directory),
      ...BIG,
      entry('/etc', EntryType.Directory),
      entry('/etc/a', EntryType.File, 'two'),
      { ...entry('/etc/b'), mode: 0o600 },
      entry('/etc/gone', EntryType.Directory),
      entry('/etc/gone/x'),
    ];
    const a = tree(before);
    const b = tree(after);
    const changes = await all(diffTrees(a.source, a.root, b.source, b.root));
    const text = changes.map((c) => `${c.kind} ${c.path.toString()}`);
    expect(text).toEqual(['M /etc/a', '+ /etc/b', 'T /etc/gone', '+ /etc/gone/x']);
    // The root listing and /etc's on each side, and the new /etc/gone's: /big's (the same ids) never.
    expect([a.reads(), b.reads()]).toEqual([2, 3]);
    const merged = await all(diffEntries(a.source.walk(a.root), b.source.walk(b.root)));
    expect(merged.map((c) => `${c.kind} ${c.path.toString()}`)).toEqual(text);
  });

  test('the same tree twice: nothing read, no change', async () => {
    const a = tree([entry('/big', EntryType.Directory), ...BIG]);
    expect(await all(diffTrees(a.source, a.root, a.source, a.root))).toEqual([]);
    expect(a.reads()).toBe(0);
  });
});
