/**
 * `make bench-s3`: the store on S3-compatible storage against the local
 * directory, in the same run, on the same corpus, on two object stores:
 * s3rver (a Node.js process storing files on the same disk) and a real
 * Ceph RGW (a one-host cluster on 127.0.0.1: one BlueStore OSD on a sparse
 * file on the same disk; testkit's rgw.ts). Steps: a first backup, a
 * second generation (2 % of bytes edited), a restore with the pack cache
 * warm and one with no cache (every read a ranged GET), verify with no
 * cache, GC after the first backup is deleted (no cache), and
 * rebuild-catalog from the bucket alone (the server's directory removed).
 * For each: time, CPU, requests by kind, requests per GB, and bytes read
 * back. Loopback, one disk, two cores: the figures show our request
 * pattern and the engines' cost per request, not a network's.
 *
 *   BENCH_S3_BYTES   corpus size (default 200 MB)
 *   BENCH_S3_STORES  which object stores, in order (default s3rver,rgw)
 *   BENCH_S3_CACHE   s3_cache_size in bytes (default 1 GiB: the whole store;
 *                    smaller, the backups' commit checks and GC read back what it does not hold)
 *   BENCH_S3_VERIFY  0: no verify step
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type BackupInfo, LocalDirectoryBackend, repairCatalog, Store, type StorageBackend } from '@cpsbackup/store';
import { S3Backend } from '@cpsbackup/store/s3';
import { type S3Kind, TestS3 } from '@cpsbackup/testkit/s3';
import { backupTree, readTree } from '@cpsbackup/testkit/store-trees';
import { type CorpusFile, editCorpus, generateCorpus } from './corpus';
import { cpuSecondsOf } from './measure';

const CORPUS_BYTES = Number(process.env.BENCH_S3_BYTES ?? 200 * 1024 * 1024);
const STORES = (process.env.BENCH_S3_STORES ?? 's3rver,rgw').split(',') as S3Kind[];
const GB = 1e9;
const DIRECT = process.env.BENCH_S3_DIRECT === '1';
const CACHE_BYTES = Number(process.env.BENCH_S3_CACHE ?? 1024 ** 3);
const VERIFY = process.env.BENCH_S3_VERIFY !== '0';

function seconds(t: bigint): number {
  return Number(process.hrtime.bigint() - t) / 1e9;
}

function asTree(files: CorpusFile[]): Map<string, Buffer> {
  return new Map(files.map((f) => [f.path, f.content]));
}

interface Step {
  seconds: number;
  /** CPU seconds of this process (the store, the proxy) and of the S3 server's processes. */
  cpu: number;
  serverCpu: number;
  requests: Map<string, number>;
  /** Bytes of GET answers: read back from the object store. */
  bytesRead: number;
}

const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const serverCpuOf = (s3: TestS3) => s3.pids.reduce((n, p) => n + cpuSecondsOf(p), 0);

async function timed(s3: TestS3 | undefined, work: () => Promise<unknown>): Promise<Step> {
  s3?.proxy.resetCounts();
  const t = process.hrtime.bigint();
  const cpu0 = ownCpu();
  const server0 = s3 ? serverCpuOf(s3) : 0;
  await work();
  return {
    seconds: seconds(t),
    cpu: ownCpu() - cpu0,
    serverCpu: s3 ? serverCpuOf(s3) - server0 : 0,
    requests: new Map(s3?.proxy.counts ?? []),
    bytesRead: s3?.proxy.bytes.get('Get') ?? 0,
  };
}

const mb = (n: number) => `${(n / 1e6).toFixed(n < 10e6 ? 1 : 0)} MB`;

/** Requests by kind, per GB of `perBytes`, and per pack when `packs` is given; bytes read back. */
function describeRequests(s: Step, perBytes: number, packs?: number): string {
  const r = s.requests;
  if (r.size === 0) return '';
  const total = [...r.values()].reduce((a, b) => a + b, 0);
  const parts = [...r].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`);
  const gb = perBytes / GB;
  return (
    `; ${total} requests (${parts.join(', ')}) = ${(total / gb).toFixed(0)} per GB, GETs ${((r.get('Get') ?? 0) / gb).toFixed(0)} per GB` +
    (packs ? `, ${(total / packs).toFixed(1)} per pack (${packs} packs)` : '') +
    `; read back ${mb(s.bytesRead)} (${(s.bytesRead / perBytes).toFixed(2)} per byte)`
  );
}

async function run(
  label: string,
  dir: string,
  backend: ((d: string) => StorageBackend) | undefined,
  s3: TestS3 | undefined,
  gen1: CorpusFile[],
  gen2: CorpusFile[],
) {
  const bytes1 = gen1.reduce((n, f) => n + f.content.length, 0);
  const bytes2 = gen2.reduce((n, f) => n + f.content.length, 0);
  const dropCache = () => fs.rmSync(path.join(dir, 's3', 'cache'), { recursive: true, force: true });
  let store = await Store.open(dir, {}, backend);
  let b1: BackupInfo | undefined;
  let b2: BackupInfo | undefined;
  const first = await timed(s3, async () => (b1 = await backupTree(store, 'bench', asTree(gen1))));
  const stored1 = (await store.stats()).storedBytes;
  const second = await timed(s3, async () => (b2 = await backupTree(store, 'bench', asTree(gen2), b1!.id)));
  const stored2 = (await store.stats()).storedBytes;
  const warm = await timed(s3, () => readTree(store, b2!.id));
  await store.close();
  // With no pack cache (s3: every pack read is a ranged GET; local: the same store, reopened).
  dropCache();
  store = await Store.open(dir, {}, backend);
  const cold = await timed(s3, () => readTree(store, b2!.id));
  await store.close();
  dropCache();
  store = await Store.open(dir, {}, backend);
  const verify = VERIFY
    ? await timed(s3, async () => {
        const v = await store.verify();
        if (!v.ok) throw new Error(`verify found damage: ${JSON.stringify(v).slice(0, 500)}`);
      })
    : undefined;
  await store.close();
  dropCache();
  store = await Store.open(dir, { gracePeriodMs: 0 }, backend);
  await store.deleteBackup(b1!.id);
  const gc = await timed(s3, () => store.gc());
  const packs = (await store.stats()).packs;
  const storedAfterGc = (await store.stats()).storedBytes;
  await store.close();
  // The server's directory lost (s3: all of it; local: only the catalog can go, the packs are in it).
  if (backend) fs.rmSync(dir, { recursive: true, force: true });
  const rebuild = await timed(s3, () => repairCatalog(dir, 'storage', backend ?? ((d) => new LocalDirectoryBackend(d))));

  const line = (what: string, s: Step, n: number, perBytes = n, packCount?: number) =>
    console.log(
      `${label.padEnd(6)} ${what.padEnd(26)} ${s.seconds.toFixed(2).padStart(7)} s ${(n / 1e6 / s.seconds).toFixed(0).padStart(4)} MB/s; ` +
        `CPU ${s.cpu.toFixed(1)} s${s3 ? ` + S3 server ${s.serverCpu.toFixed(1)} s` : ''}${describeRequests(s, perBytes, packCount)}`,
    );
  line('first backup', first, bytes1, stored1);
  line('second generation (2 %)', second, bytes2, stored2 - stored1);
  line(CACHE_BYTES >= 1024 ** 3 ? 'restore (cache warm)' : 'restore (cache as left)', warm, bytes2);
  line('restore (no cache)', cold, bytes2);
  if (verify) line('verify (no cache)', verify, stored2);
  line('GC, backup 1 deleted', gc, stored2);
  line('rebuild-catalog', rebuild, storedAfterGc, storedAfterGc, packs);
  return { first, second, warm, cold, verify, gc, rebuild, stored1, stored2 };
}

async function main(): Promise<void> {
  console.log(
    `cpsbackup S3 bench: node ${process.version}, ${os.cpus().length} cores; corpus ${(CORPUS_BYTES / 1e6).toFixed(0)} MB; ` +
      `object stores: ${STORES.join(', ')}; s3_cache_size ${(CACHE_BYTES / 1e6).toFixed(0)} MB`,
  );
  const gen1 = generateCorpus(CORPUS_BYTES);
  const { files: gen2 } = editCorpus(gen1, 0.02);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsbackup-s3-bench-'));
  try {
    const local = await run('local', path.join(root, 'local'), undefined, undefined, gen1, gen2);
    for (const kind of STORES) {
      const t0 = Date.now();
      const s3 = kind === 'rgw' ? await TestS3.startRgw('bench') : await TestS3.start(path.join(root, 's3-data'));
      console.log(`${kind}: started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      try {
        const onS3 = await run(
          kind,
          path.join(root, `${kind}-store`), // BENCH_S3_DIRECT=1: straight to the server, without the counting proxy (whose CPU is this process's).
          (d) => new S3Backend(d, s3.settings('bench/', { cacheBytes: CACHE_BYTES, ...(DIRECT ? { endpoint: `http://127.0.0.1:${s3.serverPort}` } : {}) })),
          s3,
          gen1,
          gen2,
        );
        const ratio = (a: Step, b: Step) => (b.seconds / a.seconds).toFixed(2);
        console.log(
          `${kind} / local time: first ${ratio(local.first, onS3.first)}, second ${ratio(local.second, onS3.second)}, restore warm ${ratio(local.warm, onS3.warm)}, ` +
            `restore without cache ${ratio(local.cold, onS3.cold)}, ${local.verify && onS3.verify ? `verify ${ratio(local.verify, onS3.verify)}, ` : ''}GC ${ratio(local.gc, onS3.gc)}, rebuild ${ratio(local.rebuild, onS3.rebuild)}`,
        );
      } finally {
        await s3.stop();
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main().catch((e: Error) => {
  console.error(`bench-s3 failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
