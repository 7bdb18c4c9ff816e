/**
 * `make bench-s3-trees`: what a commit's check and GC read back from the
 * bucket when `s3_cache_size` is smaller than a backup's new data. A tree
 * shaped like /usr/share (many small files in many directories, so its
 * file lists are many chunks) is backed up to S3-compatible storage
 * (s3rver behind the counting proxy) with a pack cache of
 * BENCH_S3_TREES_CACHE bytes (8 MiB); then a GC that deletes nothing, then
 * the same after a restart. Printed: the GETs of packs and the bytes they
 * brought back, per GB stored, and the local disk the tree packs take per
 * file backed up. Run it against a build of another commit's store to
 * compare.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Store } from '@cpsbackup/store';
import { S3Backend } from '@cpsbackup/store/s3';
import { SeededRandom } from '@cpsbackup/testkit';
import { TestS3 } from '@cpsbackup/testkit/s3';
import { backupDirectoryTree } from '@cpsbackup/testkit/store-trees';

const CORPUS_BYTES = Number(process.env.BENCH_S3_TREES_BYTES ?? 200 * 1024 * 1024);
const CACHE_BYTES = Number(process.env.BENCH_S3_TREES_CACHE ?? 8 * 1024 * 1024);
const GB = 1e9;

/**
 * Like /usr/share: directories three deep, 14 files of 14 KB each on average;
 * mostly small text files (docs, locale, icons' metadata), some of tens of
 * KiB, a few binaries of hundreds of KiB.
 */
function usrShareLike(totalBytes: number): Map<string, Buffer> {
  const rnd = new SeededRandom('usr-share-like');
  const files = new Map<string, Buffer>();
  let total = 0;
  for (let d = 0; total < totalBytes; d++) {
    const dir = `/usr/share/p${d % 150}/s${Math.floor(d / 150) % 20}/d${d}`;
    const n = 1 + rnd.below(28);
    for (let f = 0; f < n && total < totalBytes; f++) {
      const kind = rnd.below(100);
      const content = kind < 75 ? rnd.text(100 + rnd.below(4_000)) : kind < 97 ? rnd.text(4_000 + rnd.below(36_000)) : rnd.bytes(100_000 + rnd.below(300_000));
      files.set(`${dir}/file-${f}.txt`, content);
      total += content.length;
    }
  }
  return files;
}

/** A pack's name from its key's path (`/<bucket>/<prefix>packs/<xx>/<name>.pack`), or undefined for other objects. */
function packOf(p: string): string | undefined {
  return /\/packs\/[^/]+\/([^/]+)\.pack$/.exec(p)?.[1];
}

function packReads(s3: TestS3): { gets: number; bytes: number } {
  let gets = 0;
  let bytes = 0;
  for (const r of s3.proxy.answered) {
    if (r.kind !== 'Get' || packOf(r.path) === undefined) continue;
    gets++;
    bytes += r.bytes;
  }
  return { gets, bytes };
}

/** Bytes of the files under a directory (0 if there is none). */
function duBytes(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) n += fs.statSync(path.join(e.parentPath, e.name)).size;
  }
  return n;
}

/**
 * Seals what rolled over and waits until it is uploaded: only the packs being
 * appended to (one of data, one of trees) are still staged. An object store
 * that takes uploads as fast as the server writes (Ceph RGW on the issue's
 * host) is there at every commit; s3rver on a loaded machine lags, and a
 * commit's reads would then find the packs still on local disk.
 */
async function uploadsCaughtUp(store: Store, dir: string): Promise<void> {
  store.flush(); // packs rolled over since the last background round are sealed (and their uploads start) at a flush
  const staged = path.join(dir, 's3', 'staging', 'packs');
  for (;;) {
    const names = fs.existsSync(staged) ? fs.readdirSync(staged, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.pack')) : [];
    const trees = names.filter((f) => path.basename(f).startsWith('t')).length;
    if (trees <= 1 && names.length - trees <= 1) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function main(): Promise<void> {
  const files = usrShareLike(CORPUS_BYTES);
  const raw = [...files.values()].reduce((n, b) => n + b.length, 0);
  console.log(
    `cpsbackup S3 trees bench: node ${process.version}, ${os.cpus().length} cores; ${files.size} files, ${(raw / 1e6).toFixed(0)} MB; ` +
      `s3_cache_size ${(CACHE_BYTES / 1024 ** 2).toFixed(0)} MiB`,
  );
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsbackup-s3-trees-bench-'));
  const s3 = await TestS3.start(path.join(root, 's3-data'));
  const dir = path.join(root, 'store');
  const backend = (d: string) => new S3Backend(d, s3.settings('bench/', { cacheBytes: CACHE_BYTES }));
  const line = (what: string, stored: number, seconds: number) => {
    const { gets, bytes } = packReads(s3);
    console.log(
      `${what.padEnd(34)} ${seconds.toFixed(1).padStart(6)} s; pack GETs ${String(gets).padStart(6)}, ${(bytes / 1e6).toFixed(1).padStart(8)} MB read back; ` +
        `per GB stored: ${(gets / (stored / GB)).toFixed(0)} GETs, ${(bytes / stored).toFixed(2)} GB`,
    );
  };
  const timed = async (work: () => Promise<unknown>): Promise<number> => {
    s3.proxy.resetCounts();
    const t = process.hrtime.bigint();
    await work();
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
  try {
    let store = await Store.open(dir, {}, backend);
    let stored = 0;
    try {
      const first = await timed(() => backupDirectoryTree(store, 'bench', files, undefined, () => uploadsCaughtUp(store, dir)));
      stored = (await store.stats()).storedBytes;
      line('first backup', stored, first);
      const gc = await timed(() => store.gc());
      line('GC that deletes nothing', stored, gc);
    } finally {
      await store.close();
    }
    store = await Store.open(dir, {}, backend);
    try {
      const gc = await timed(() => store.gc());
      line('GC that deletes nothing, restarted', stored, gc);
    } finally {
      await store.close();
    }
    const trees = duBytes(path.join(dir, 's3', 'trees'));
    const cache = duBytes(path.join(dir, 's3', 'cache'));
    console.log(
      `stored ${(stored / 1e6).toFixed(1)} MB; local disk: tree packs ${(trees / 1e6).toFixed(2)} MB (${(trees / files.size).toFixed(0)} bytes per file), ` +
        `pack cache ${(cache / 1e6).toFixed(1)} MB`,
    );
  } finally {
    await s3.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
