/**
 * What an encrypted node's padding costs (node.conf's encryption_padding):
 * the same files backed up by a fresh encrypted node into a fresh store,
 * padded (padme) and unpadded (none) in turn, each first backup and full
 * restore timed, and what the store holds counted from its packs.
 *
 *   node packages/bench/dist/padding-bench.js [DIR...]     (default: /usr/share/doc /usr/include /usr/lib/python3.11 /usr/lib/x86_64-linux-gnu)
 *
 * BENCH_RUNS (default 3) runs of each, alternated so that the page cache
 * and the machine's other load treat both alike; medians are printed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI_BIN, TestPki, TestServer, writeNodeConf } from '@cpsbackup/testkit/e2e';
import { duBytes, measure } from './measure';

type Mode = 'padme' | 'none';

interface Run {
  mode: Mode;
  backupSeconds: number;
  backupCpu: number;
  restoreSeconds: number;
  restoreCpu: number;
  /** Bytes of the pack files. */
  packBytes: number;
  /** Sealed records: count, and bytes of their payloads, data chunks and listings apart. */
  dataRecords: number;
  dataBytes: number;
  listingRecords: number;
  listingBytes: number;
}

/** Sealed records of a store's packs (pack-format.ts: `id[32] codec kind reserved:u16 raw:u32 stored:u32 payload`; a listing's record carries references). */
function countRecords(storeDir: string): Pick<Run, 'packBytes' | 'dataRecords' | 'dataBytes' | 'listingRecords' | 'listingBytes'> {
  const r = { packBytes: 0, dataRecords: 0, dataBytes: 0, listingRecords: 0, listingBytes: 0 };
  const packs = fs.readdirSync(path.join(storeDir, 'packs'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.pack'));
  for (const f of packs) {
    const b = fs.readFileSync(path.join(storeDir, 'packs', f));
    r.packBytes += b.length;
    for (let off = 8; off + 44 <= b.length; off += 44 + b.readUInt32BE(off + 40)) {
      const length = b.readUInt32BE(off + 40);
      if (b.readUInt8(off + 32) !== 2) continue;
      const kind = b.readUInt8(off + 33); // 0 file data, 1 listing
      if (kind === 1) {
        r.listingRecords++;
        r.listingBytes += length;
      } else {
        r.dataRecords++;
        r.dataBytes += length;
      }
    }
  }
  return r;
}

async function oneRun(work: string, corpus: string[], mode: Mode, index: number): Promise<Run> {
  const root = path.join(work, `${mode}-${index}`);
  const pki = new TestPki(path.join(root, 'pki'));
  const server = new TestServer(root, pki, []);
  server.logLevel = 'info';
  server.addClient('bench', ['keep = 10']);
  await server.start(0);
  try {
    const conf = writeNodeConf(root, server, {
      cname: 'bench',
      cert: pki.client('bench'),
      include: corpus,
      extra: ['encryption = 1', `encryption_key_file = ${path.join(root, 'bench.key')}`, `encryption_padding = ${mode}`],
    });
    await measure(process.execPath, [CLI_BIN, '-c', conf, '--init-key']);
    const b = await measure(process.execPath, [CLI_BIN, '-c', conf, '-e']);
    const to = path.join(root, 'restored');
    const r = await measure(process.execPath, [CLI_BIN, '-c', conf, '-i', '--to', to]);
    spawnSync('rm', ['-rf', to]);
    return { mode, backupSeconds: b.seconds, backupCpu: b.cpuSeconds, restoreSeconds: r.seconds, restoreCpu: r.cpuSeconds, ...countRecords(server.storeDir) };
  } finally {
    await server.stop();
    spawnSync('rm', ['-rf', root]);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

async function main(): Promise<void> {
  const corpus = process.argv.length > 2 ? process.argv.slice(2) : ['/usr/share/doc', '/usr/include', '/usr/lib/python3.11', '/usr/lib/x86_64-linux-gnu'];
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-padding-bench-'));
  let files = 0;
  for (const dir of corpus) {
    for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) files++;
  }
  const bytes = corpus.reduce((n, d) => n + duBytes(d), 0);
  console.log(`corpus: ${corpus.join(' ')}: ${files} files, ${mb(bytes)}; ${runs} runs of each, alternated`);
  const results: Run[] = [];
  try {
    // A first run of each warms the page cache and is not counted.
    for (const mode of ['none', 'padme'] as const) await oneRun(work, corpus, mode, -1);
    for (let i = 0; i < runs; i++) {
      for (const mode of (i % 2 === 0 ? ['none', 'padme'] : ['padme', 'none']) as Mode[]) {
        const r = await oneRun(work, corpus, mode, i);
        results.push(r);
        console.log(
          `${mode}: backup ${r.backupSeconds.toFixed(2)} s (agent ${r.backupCpu.toFixed(2)} CPU-s), restore ${r.restoreSeconds.toFixed(2)} s (agent ${r.restoreCpu.toFixed(2)} CPU-s), packs ${mb(r.packBytes)}, ${r.dataRecords} data records ${mb(r.dataBytes)}, ${r.listingRecords} listings ${mb(r.listingBytes)}`,
        );
      }
    }
  } finally {
    spawnSync('rm', ['-rf', work]);
  }
  const of = (mode: Mode, f: (r: Run) => number) => median(results.filter((r) => r.mode === mode).map(f));
  const ratio = (f: (r: Run) => number) => (of('padme', f) / of('none', f)).toFixed(3);
  console.log('');
  console.log(`| | none | padme | padme / none |`);
  console.log(`|---|---|---|---|`);
  console.log(
    `| first backup, wall | ${of('none', (r) => r.backupSeconds).toFixed(2)} s | ${of('padme', (r) => r.backupSeconds).toFixed(2)} s | ${ratio((r) => r.backupSeconds)} |`,
  );
  console.log(
    `| first backup, agent CPU | ${of('none', (r) => r.backupCpu).toFixed(2)} s | ${of('padme', (r) => r.backupCpu).toFixed(2)} s | ${ratio((r) => r.backupCpu)} |`,
  );
  console.log(
    `| full restore, wall | ${of('none', (r) => r.restoreSeconds).toFixed(2)} s | ${of('padme', (r) => r.restoreSeconds).toFixed(2)} s | ${ratio((r) => r.restoreSeconds)} |`,
  );
  console.log(`| packs | ${mb(of('none', (r) => r.packBytes))} | ${mb(of('padme', (r) => r.packBytes))} | ${ratio((r) => r.packBytes)} |`);
  console.log(`| data chunks stored | ${mb(of('none', (r) => r.dataBytes))} | ${mb(of('padme', (r) => r.dataBytes))} | ${ratio((r) => r.dataBytes)} |`);
  console.log(`| listings stored | ${mb(of('none', (r) => r.listingBytes))} | ${mb(of('padme', (r) => r.listingBytes))} | ${ratio((r) => r.listingBytes)} |`);
  console.log(
    `| sealed records (data + listings) | ${of('none', (r) => r.dataRecords + r.listingRecords)} | ${of('padme', (r) => r.dataRecords + r.listingRecords)} | |`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
