/**
 * `make bench-s3`: the store on S3-compatible storage against the local
 * directory, in the same run, on the same corpus: first backup, a second
 * generation (2 % of bytes edited), a restore with the pack cache warm and
 * one with no cache (every read a ranged GET); the requests each step
 * makes, per GB. The S3 server is s3rver (a real process on loopback,
 * storing on the same disk): the figures show the cost of the protocol and
 * of our request pattern, not of a network or of a production object store.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type BackupInfo, Store, type StorageBackend } from '@cpsbackup/store';
import { S3Backend } from '@cpsbackup/store/s3';
import { TestS3 } from '@cpsbackup/testkit/s3';
import { backupTree, readTree } from '@cpsbackup/testkit/store-trees';
import { type CorpusFile, editCorpus, generateCorpus } from './corpus';
import { cpuSecondsOf } from './measure';

const CORPUS_BYTES = Number(process.env.BENCH_S3_BYTES ?? 400 * 1024 * 1024);
const GB = 1e9;
const DIRECT = process.env.BENCH_S3_DIRECT === '1';

function seconds(t: bigint): number {
  return Number(process.hrtime.bigint() - t) / 1e9;
}

function asTree(files: CorpusFile[]): Map<string, Buffer> {
  return new Map(files.map((f) => [f.path, f.content]));
}

interface Step {
  seconds: number;
  /** CPU seconds of this process (the store, the proxy) and of the S3 server's. */
  cpu: number;
  serverCpu: number;
  requests: Map<string, number>;
}

const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function timed(s3: TestS3 | undefined, work: () => Promise<unknown>): Promise<Step> {
  s3?.proxy.resetCounts();
  const t = process.hrtime.bigint();
  const cpu0 = ownCpu();
  const server0 = s3 ? s3.pids.reduce((n, p) => n + cpuSecondsOf(p), 0) : 0;
  await work();
  return {
    seconds: seconds(t),
    cpu: ownCpu() - cpu0,
    serverCpu: s3 ? s3.pids.reduce((n, p) => n + cpuSecondsOf(p), 0) - server0 : 0,
    requests: new Map(s3?.proxy.counts ?? []),
  };
}

function describeRequests(r: Map<string, number>, perBytes: number): string {
  if (r.size === 0) return '';
  const total = [...r.values()].reduce((a, b) => a + b, 0);
  const parts = [...r].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`);
  return `; ${total} requests (${parts.join(', ')}) = ${(total / (perBytes / GB)).toFixed(0)} per GB`;
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
  const store = await Store.open(dir, {}, backend);
  let b1: BackupInfo | undefined;
  let b2: BackupInfo | undefined;
  const first = await timed(s3, async () => (b1 = await backupTree(store, 'bench', asTree(gen1))));
  const stored1 = (await store.stats()).storedBytes;
  const second = await timed(s3, async () => (b2 = await backupTree(store, 'bench', asTree(gen2), b1!.id)));
  const stored2 = (await store.stats()).storedBytes;
  const warm = await timed(s3, () => readTree(store, b2!.id));
  await store.close();
  let cold: Step | undefined;
  if (backend) {
    // The same store with no pack cache: every pack read is a ranged GET.
    fs.rmSync(path.join(dir, 's3', 'cache'), { recursive: true, force: true });
    const again = await Store.open(dir, {}, backend);
    cold = await timed(s3, () => readTree(again, b2!.id));
    await again.close();
  }
  const line = (what: string, s: Step, n: number, stored?: number) =>
    console.log(
      `${label.padEnd(6)} ${what.padEnd(26)} ${s.seconds.toFixed(2).padStart(6)} s ${(n / 1e6 / s.seconds).toFixed(0).padStart(4)} MB/s; ` +
        `CPU ${s.cpu.toFixed(1)} s${s.serverCpu ? ` + S3 server ${s.serverCpu.toFixed(1)} s` : ''}${describeRequests(s.requests, stored ?? n)}`,
    );
  line('first backup', first, bytes1, stored1);
  line('second generation (2 %)', second, bytes2, stored2 - stored1);
  line('restore (cache warm)', warm, bytes2);
  if (cold) line('restore (no cache)', cold, bytes2);
  return { first, second, warm, cold, stored1, stored2 };
}

async function main(): Promise<void> {
  console.log(`cpsbackup S3 bench: node ${process.version}, ${os.cpus().length} cores; corpus ${(CORPUS_BYTES / 1e6).toFixed(0)} MB`);
  const gen1 = generateCorpus(CORPUS_BYTES);
  const { files: gen2 } = editCorpus(gen1, 0.02);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsbackup-s3-bench-'));
  const s3 = await TestS3.start(path.join(root, 's3-data'));
  try {
    const local = await run('local', path.join(root, 'local'), undefined, undefined, gen1, gen2);
    const onS3 = await run(
      's3',
      path.join(root, 's3-store'), // BENCH_S3_DIRECT=1: straight to the server, without the counting proxy (whose CPU is this process's).
      (d) => new S3Backend(d, s3.settings('bench/', { cacheBytes: 1024 ** 3, ...(DIRECT ? { endpoint: `http://127.0.0.1:${s3.serverPort}` } : {}) })),
      s3,
      gen1,
      gen2,
    );
    const ratio = (a: Step, b: Step) => (b.seconds / a.seconds).toFixed(2);
    console.log(
      `s3 / local time: first ${ratio(local.first, onS3.first)}, second ${ratio(local.second, onS3.second)}, restore warm ${ratio(local.warm, onS3.warm)}, restore without cache ${ratio(local.warm, onS3.cold!)}`,
    );
  } finally {
    await s3.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
