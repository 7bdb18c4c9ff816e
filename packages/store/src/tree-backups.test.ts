/**
 * Backups whose manifest is a tree of directory listings: what the store
 * keeps of them (no reference rows), what GC keeps alive while a backup
 * that reuses unchanged directories is still being written, what it
 * refuses of a client's tree, and reads that touch only the subtrees
 * asked for.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { fileEntry, SeededRandom, tempDir, toArray } from '@cpsbackup/testkit';
import { chunkIdOf, compressChunk, encodeEntryRecords, EntryType, type FileEntry, ManifestDecoder, TreeBuilder } from '@cpsbackup/format';
import { putChunk, readManifestStream, readTree } from '@cpsbackup/testkit/store-trees';
import { type BackupWriter } from './backup-writer';
import { isStoreError } from './errors';
import { Store } from './store';

const HOUR = 3600_000;

function dirEntry(p: string): FileEntry {
  return { ...fileEntry(p, [], 0), type: EntryType.Directory, mode: 0o755 };
}

/** /srv with `dirs` directories of `files` small files each, in walk order: entries and contents. */
function makeTree(seed: string, dirs: number, files: number): { entries: Array<{ entry: FileEntry; content?: Buffer }>; files: Map<string, Buffer> } {
  const rnd = new SeededRandom(seed);
  const entries: Array<{ entry: FileEntry; content?: Buffer }> = [{ entry: dirEntry('/srv') }];
  const contents = new Map<string, Buffer>();
  for (let d = 0; d < dirs; d++) {
    const dir = `/srv/d${String(d).padStart(3, '0')}`;
    entries.push({ entry: dirEntry(dir) });
    for (let f = 0; f < files; f++) {
      const p = `${dir}/f${String(f).padStart(4, '0')}`;
      const content = rnd.bytes(200 + ((d * files + f) % 300));
      contents.set(p, content);
      entries.push({ entry: fileEntry(p, [chunkIdOf(content)], content.length), content });
    }
  }
  return { entries, files: contents };
}

/** Stores the tree's file contents through `w` and returns its entries with their chunk ids. */
async function putContents(w: BackupWriter, tree: ReturnType<typeof makeTree>): Promise<FileEntry[]> {
  const entries: FileEntry[] = [];
  for (const { entry, content } of tree.entries) {
    if (content) {
      const id = chunkIdOf(content);
      if (w.missing([id]).length) await putChunk(w, id, content);
    }
    entries.push(entry);
  }
  return entries;
}

async function backUp(store: Store, client: string, tree: ReturnType<typeof makeTree>) {
  const w = store.beginBackup({ client });
  w.addEntries(await putContents(w, tree));
  return await w.commit();
}

/** What an agent sends: every listing chunk of the tree (those the group lacks), then the root. */
function sendAsAgent(w: BackupWriter, entries: readonly FileEntry[]): Buffer[] {
  const tree = new TreeBuilder();
  const send = (chunks: ReadonlyArray<{ id: Buffer; chunk: Buffer }>) => {
    for (const c of chunks) {
      if (w.missing([c.id]).length === 0) continue;
      const { codec, payload } = compressChunk(c.chunk, 3);
      w.putListingChunk(c.id, codec, payload, c.chunk.length);
    }
  };
  for (const e of entries) send(tree.add(e));
  const { chunks, root } = tree.finish();
  send(chunks);
  return root;
}

async function expectFiles(store: Store, backupId: number, files: Map<string, Buffer>): Promise<void> {
  const got = await readTree(store, backupId);
  const fileOnly = new Map([...got].filter(([p]) => files.has(p) || got.get(p)!.length > 0));
  expect([...fileOnly.keys()].sort()).toEqual([...files.keys()].sort());
  for (const [p, c] of files) expect(got.get(p)!.equals(c)).toBe(true);
}

describe('tree manifests', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = tempDir('trees');
    store = await Store.open(dir, { packTargetSize: 256 * 1024, flushThreshold: 128 * 1024 });
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('an unchanged re-backup stores nothing new and adds no reference rows: the catalog grows by one backup row', async () => {
    const tree = makeTree('same', 20, 50);
    const first = await backUp(store, 'n', tree);
    expect(first.manifestFormat).toBe(2);
    expect(first.fileCount).toBe(1 + 20 + 20 * 50);
    const db = new Database(path.join(dir, 'catalog.db'), { readonly: true });
    try {
      const rows = () => db.prepare(`SELECT (SELECT COUNT(*) FROM backup_chunks) AS refs, (SELECT COUNT(*) FROM listings) AS listings`).get();
      const before = rows();
      expect(before).toMatchObject({ refs: 0 });
      for (let i = 0; i < 3; i++) {
        const w = store.beginBackup({ client: 'n', parentId: first.id });
        const root = sendAsAgent(w, await putContents(w, tree));
        const again = await w.commitTree(root, await w.checkTree(root));
        expect(again).toMatchObject({ newChunks: 0, fileCount: first.fileCount, logicalBytes: first.logicalBytes });
        expect(store.manifestIds(again.id)).toEqual(store.manifestIds(first.id));
      }
      expect(rows()).toEqual(before);
    } finally {
      db.close();
    }
  });

  test('a backup whose client is gone once everything is durable is not committed: recorded failed, and its chunks go at the first GC once it is deleted', async () => {
    const tree = makeTree('gone', 4, 10);
    const w = store.beginBackup({ client: 'n' });
    const root = sendAsAgent(w, await putContents(w, tree));
    const totals = await w.checkTree(root);
    let asked = 0;
    const gone = () => {
      asked++;
      return "its node's connection was lost while the server waited";
    };
    await expect(w.commitTree(root, totals, null, gone)).rejects.toThrow(
      /backup 1 of n was not committed: its node's connection was lost while the server waited/,
    );
    expect(asked).toBe(1);
    const [b] = store.listBackups('n');
    expect(b).toMatchObject({ number: 1, status: 'error' });
    expect(b!.reason).toMatch(/its node's connection was lost while the server waited: nothing was committed/);
    await store.deleteBackup(b!.id);
    const gc = await store.gc(Date.now() + 48 * HOUR);
    expect(gc.deadChunks).toBeGreaterThan(0);
    expect((await store.stats()).chunks).toBe(0);
  });

  test('GC keeps what the unchanged directories of a backup still being written name, though no committed backup does any more', async () => {
    const tree = makeTree('gc', 5, 20);
    const first = await backUp(store, 'n', tree);
    // The agent's second backup: it asks about the root listing (unchanged), which the store has.
    const w = store.beginBackup({ client: 'n' });
    const root = store.manifestIds(first.id);
    expect(w.missing(root)).toEqual([]);
    store.flush();
    await store.deleteBackup(first.id);
    const gc = await store.gc(Date.now() + 48 * HOUR);
    expect(gc.deadChunks).toBe(0);
    const second = await w.commitTree(root, await w.checkTree(root));
    await expectFiles(store, second.id, tree.files);
    expect((await store.verify()).ok).toBe(true);
    // Once it is gone too, everything goes.
    await store.deleteBackup(second.id);
    expect((await store.gc(Date.now() + 48 * HOUR)).deadChunks).toBe(tree.files.size + 5 + 2); // the files, the five directories' listings, /srv's and the root's
  });

  test("a listing naming chunks the client's group never sent is refused, even disguised as data", async () => {
    const tree = makeTree('victim', 2, 5);
    const victim = await backUp(store, 'victim', tree);
    // The thief knows the victim's file list (ids included) and sends it as its own listing.
    const victimEntries = (await toArray(store.walkManifest(victim.id))).filter((e) => e.path.toString().startsWith('/srv/d000/'));
    const w = store.beginBackup({ client: 'thief' });
    const records = encodeEntryRecords(victimEntries);
    const id = chunkIdOf(records);
    expect(() => w.putListingChunk(id, 0, records, records.length)).toThrow(/references chunk [0-9a-f]{64}, which was never sent/);
    // As data it is stored (any bytes are), but a tree that names it as a listing is checked all the same.
    await putChunk(w, id, records);
    let failure: unknown;
    try {
      await w.checkTree([id]);
    } catch (err) {
      failure = err;
    }
    expect(isStoreError(failure, 'CHUNK_MISSING')).toBe(true);
    w.abort('test');
  });

  test('a listing placed under the wrong directory, or twice, is refused', async () => {
    const tree = makeTree('misplaced', 2, 3);
    const w = store.beginBackup({ client: 'n' });
    const entries = await putContents(w, tree);
    const root = sendAsAgent(w, entries);
    // d000's listing as the agent made it; then a /srv listing that names it for d001 as well.
    const d0 = new TreeBuilder();
    const d0Chunks = [...entries.slice(1, 5).flatMap((e) => d0.add(e)), ...d0.finish().chunks];
    const d0Listing = d0Chunks.find((c) => c.chunk.includes(Buffer.from('/srv/d000/f0000')))!;
    const srvListing = encodeEntryRecords([
      { ...dirEntry('/srv/d000'), chunks: [d0Listing.id] },
      { ...dirEntry('/srv/d001'), chunks: [d0Listing.id] },
    ]);
    const srvId = chunkIdOf(srvListing);
    w.putListingChunk(srvId, 0, srvListing, srvListing.length);
    const top = encodeEntryRecords([{ ...dirEntry('/srv'), chunks: [srvId] }]);
    const topId = chunkIdOf(top);
    w.putListingChunk(topId, 0, top, top.length);
    await expect(w.checkTree([topId])).rejects.toThrow(/file list is malformed: .*(not a child of it|named twice|belongs to)/);
    await expect(w.checkTree([...root, ...root])).rejects.toThrow(/file list is malformed/);
    const ok = await w.commitTree(root, await w.checkTree(root));
    await expectFiles(store, ok.id, tree.files);
  });

  test("extended attributes of files, directories and symlinks come back from the agent's listings as sent, in reads and in the parent's flat stream", async () => {
    const tree = makeTree('xattrs', 3, 4);
    const acl = { name: Buffer.from('system.posix_acl_access'), value: Buffer.from('0200000001000600ffffffff02000400feff0000', 'hex') };
    const cap = { name: Buffer.from('security.capability'), value: Buffer.from('0100000200300000000000000000000000000000', 'hex') };
    const user = { name: Buffer.concat([Buffer.from('user.'), Buffer.from([0xff])]), value: Buffer.from([0, 1, 0xff]) };
    const w = store.beginBackup({ client: 'n' });
    const entries = (await putContents(w, tree)).map((e, i): FileEntry =>
      i % 2 === 0 ? { ...e, xattrs: e.type === EntryType.Directory ? [acl, user] : [cap, acl, user] } : e,
    );
    const link: FileEntry = {
      ...fileEntry('/srv/d002/zz-link', [], 0),
      type: EntryType.Symlink,
      linkTarget: Buffer.from('f0000'),
      xattrs: [{ name: Buffer.from('trusted.t'), value: Buffer.from('t') }],
    };
    entries.push(link);
    const root = sendAsAgent(w, entries);
    const b = await w.commitTree(root, await w.checkTree(root));
    const expected = entries.map((e) => [e.path.toString(), e.xattrs]);
    expect((await toArray(store.walkManifest(b.id))).map((e) => [e.path.toString(), e.xattrs])).toEqual(expected);
    const flat = new ManifestDecoder();
    const fromStream = (await toArray(readManifestStream(store, b.id))).flatMap((piece) => flat.push(piece));
    flat.end();
    expect(fromStream.map((e) => [e.path.toString(), e.xattrs])).toEqual(expected);
    expect(entries.filter((e) => e.xattrs.length > 0).length).toBeGreaterThan(5);
  });
});
