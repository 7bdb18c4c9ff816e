/**
 * Tree manifests at scale, through the store API as cpsbackupd drives it:
 * a source-like tree of BENCH_TREE_FILES files (default 84,000 of 0.5 to
 * 30 KB in directories of 20: 1.3 GB, the size of a real source tree),
 * backed up once, then re-backed up unchanged the way an agent does it (every listing id asked, none sent, the tree checked
 * and committed). Prints the unchanged re-backup's store-side time, the
 * catalog's growth per unchanged backup and its size against the stored
 * bytes, and GC's time with 30, 10 and 1 backups of the tree. Figures only.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EntryType, type FileEntry, TreeBuilder } from '@cpsbackup/format';
import { type BackupInfo, type BackupWriter, Store } from '@cpsbackup/store';
import { SeededRandom } from '@cpsbackup/testkit';
import { putChunk } from '@cpsbackup/testkit/store-trees';

const FILES = Number(process.env.BENCH_TREE_FILES ?? 84_000);
const PER_DIR = 20;
const BACKUPS = 30;

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function entry(p: string, type: EntryType, chunks: Buffer[], size: number): FileEntry {
  return {
    path: Buffer.from(p),
    type,
    mode: type === EntryType.Directory ? 0o755 : 0o644,
    uid: 1000,
    gid: 1000,
    user: 'dev',
    group: 'dev',
    size,
    mtimeNs: 1_700_000_000_000_000_000n + BigInt(size),
    ctimeNs: 1_700_000_000_000_000_000n + BigInt(size),
    inode: BigInt(size),
    dev: 2049n,
    rdev: 0n,
    linkTarget: Buffer.alloc(0),
    hardlinkGroup: 0,
    chunks,
    xattrs: [],
  };
}

/**
 * /src/pNN/dNNN/fNN.c in walk order, each file's content stored through
 * `w` as it is made (one chunk: every file is below the chunker's
 * minimum), so the tree's bytes are never all in memory.
 */
async function firstBackup(w: BackupWriter): Promise<{ entries: FileEntry[]; bytes: number }> {
  const rnd = new SeededRandom('tree-bench');
  const dirs = Math.ceil(FILES / PER_DIR);
  const parents = Math.ceil(Math.sqrt(dirs));
  const entries: FileEntry[] = [entry('/src', EntryType.Directory, [], 0)];
  let files = 0;
  let bytes = 0;
  for (let p = 0; p < parents && files < FILES; p++) {
    const parent = `/src/p${String(p).padStart(3, '0')}`;
    entries.push(entry(parent, EntryType.Directory, [], 0));
    for (let d = 0; d < parents && files < FILES; d++) {
      const dir = `${parent}/d${String(d).padStart(3, '0')}`;
      entries.push(entry(dir, EntryType.Directory, [], 0));
      for (let f = 0; f < PER_DIR && files < FILES; f++, files++) {
        const content = rnd.bytes(500 + ((files * 7919) % 30_000));
        const id = createHash('sha256').update(content).digest();
        if (w.missing([id]).length) await putChunk(w, id, content);
        bytes += content.length;
        entries.push(entry(`${dir}/f${String(f).padStart(2, '0')}.c`, EntryType.File, [id], content.length));
      }
    }
  }
  return { entries, bytes };
}

/** The catalog's bytes once checkpointed (the store closed). */
function catalogBytes(dir: string): number {
  return ['catalog.db', 'catalog.db-wal'].reduce((n, f) => n + (fs.existsSync(path.join(dir, f)) ? fs.statSync(path.join(dir, f)).size : 0), 0);
}

function packBytes(dir: string): number {
  const packs = path.join(dir, 'packs');
  let n = 0;
  for (const sub of fs.readdirSync(packs, { recursive: true, withFileTypes: true }))
    if (sub.isFile()) n += fs.statSync(path.join(sub.parentPath, sub.name)).size;
  return n;
}

/** An unchanged re-backup as an agent makes it: every listing id asked in batches, nothing sent, then the root committed. */
async function unchangedBackup(store: Store, entries: readonly FileEntry[], parent: BackupInfo): Promise<BackupInfo> {
  const w = store.beginBackup({ client: 'dev', parentId: parent.id });
  const tree = new TreeBuilder();
  let ask: Buffer[] = [];
  const flush = () => {
    if (ask.length && w.missing(ask).length) throw new Error('an unchanged tree lacked a listing');
    ask = [];
  };
  for (const e of entries) {
    for (const l of tree.add(e)) ask.push(l.id);
    if (ask.length >= 1024) flush();
  }
  const { chunks, root } = tree.finish();
  for (const l of chunks) ask.push(l.id);
  flush();
  return w.commitTree(root, await w.checkTree(root));
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsbackup-tree-bench-'));
  try {
    let store = await Store.open(dir);
    let t = process.hrtime.bigint();
    const w = store.beginBackup({ client: 'dev' });
    const { entries, bytes } = await firstBackup(w);
    w.addEntries(entries);
    let last = await w.commit();
    console.log(`tree: ${FILES} files in ${entries.length - FILES} directories, ${(bytes / 1e6).toFixed(0)} MB`);
    console.log(`first backup (store side, zstd included): ${seconds(t).toFixed(2)} s, ${last.fileCount} entries`);
    t = process.hrtime.bigint();
    last = await unchangedBackup(store, entries, last);
    const unchangedS = seconds(t);
    await store.close();
    const afterTwo = catalogBytes(dir);
    store = await Store.open(dir);
    for (let i = 2; i < BACKUPS; i++) last = await unchangedBackup(store, entries, last);
    await store.close();
    const afterAll = catalogBytes(dir);
    store = await Store.open(dir);
    const stats = await store.stats();
    console.log(`unchanged re-backup (store side: queries, tree check, commit): ${unchangedS.toFixed(3)} s`);
    console.log(
      `catalog: ${(afterAll / 1e6).toFixed(2)} MB after ${BACKUPS} backups, ${((afterAll - afterTwo) / (BACKUPS - 2) / 1024).toFixed(1)} KiB per unchanged backup`,
    );
    console.log(
      `catalog per unique chunk: ${(afterAll / stats.chunks).toFixed(0)} bytes (${stats.chunks} chunks); catalog / stored bytes: ${((100 * afterAll) / (afterAll + packBytes(dir))).toFixed(2)} %`,
    );
    const gcTimed = async (label: string) => {
      const g = process.hrtime.bigint();
      await store.gc();
      console.log(`GC with ${label}: ${seconds(g).toFixed(2)} s`);
    };
    await gcTimed(`${BACKUPS} backups`);
    const backups = store.listBackups('dev');
    for (const b of backups.slice(0, BACKUPS - 10)) await store.deleteBackup(b.id);
    await gcTimed('10 backups');
    for (const b of backups.slice(BACKUPS - 10, BACKUPS - 1)) await store.deleteBackup(b.id);
    await gcTimed('1 backup');
    await store.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
