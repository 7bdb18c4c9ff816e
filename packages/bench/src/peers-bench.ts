/**
 * make bench-peers: cpsbackup against restic and borg on the same generated
 * dataset, in one run: first backup, second backup after edits, unchanged
 * re-backup, full restore, stored size, peak RSS. Prints a table with ratios
 * against restic and writes docs/PERFORMANCE.md.
 *
 * BENCH_FILES (default 50000) and BENCH_DUMP_MB (default 2048) set the size.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCa, issueCertificate } from '@cpsbackup/pki';
import { type DatasetShape, editDataset, writeDataset } from './dataset';
import { cpuSecondsOf, duBytes, measure, type Measured, peakRssOf } from './measure';

const ROOT = path.resolve(__dirname, '../../..');
const SERVER = path.join(ROOT, 'packages/server/dist/cli.js');
const CLI = path.join(ROOT, 'packages/agent/dist/cli.js');
/** Extra node flags for the agent, e.g. BENCH_AGENT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it. */
const AGENT_NODE_ARGS = process.env.BENCH_AGENT_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
/** The same for cpsbackupd (BENCH_SERVER_NODE_ARGS). */
const SERVER_NODE_ARGS = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

/**
 * The node flags the installed agent runs with (cli.js's #! line), then
 * BENCH_AGENT_NODE_ARGS: the bench runs this build's node with both.
 */
function agentNodeArgs(): string[] {
  const shebang = fs.readFileSync(CLI, 'utf8').split('\n', 1)[0]!;
  return [...shebang.split(' ').filter((a) => a.startsWith('--')), ...AGENT_NODE_ARGS];
}

interface ToolResult {
  name: string;
  first: Measured;
  second: Measured;
  unchanged: Measured;
  restore: Measured;
  storedBytes: number;
  peakClientRss: number;
  peakServerRss?: number;
  /** One line per step: wall time and CPU seconds. */
  steps: string[];
}

/** What each tool must provide. */
interface Tool {
  name: string;
  setup(work: string): Promise<void>;
  backup(live: string): Promise<Measured>;
  restore(target: string): Promise<Measured>;
  repoDir: string;
  finish?(): Promise<number>;
  /** CPU seconds the tool's server process has used so far (cpsbackupd); none for local tools. */
  serverCpu?(): number;
}

function reset(live: string, pristine: string): void {
  fs.rmSync(live, { recursive: true, force: true });
  execFileSync('cp', ['-a', pristine, live]);
}

function cpsbackupTool(work: string): Tool {
  const store = path.join(work, 'cps-store');
  const pki = path.join(work, 'cps-pki');
  let server: ReturnType<typeof spawn> | undefined;
  let conf = '';
  return {
    name: 'cpsbackup',
    repoDir: store,
    async setup() {
      fs.mkdirSync(path.join(pki, 'clients'), { recursive: true });
      const ca = createCa('bench CA');
      const write = (n: string, kc: { certPem: string; keyPem: string }) => {
        fs.writeFileSync(path.join(pki, `${n}.pem`), kc.certPem);
        fs.writeFileSync(path.join(pki, `${n}.key`), kc.keyPem, { mode: 0o600 });
      };
      write('ca', ca);
      write('cpsbackupd', issueCertificate(ca, 'cpsbackupd', 'server', ['127.0.0.1']));
      write('bench', issueCertificate(ca, 'bench', 'client'));
      fs.writeFileSync(path.join(pki, 'clients', 'bench'), 'keep = 10\n');
      fs.writeFileSync(
        path.join(pki, 'server.conf'),
        `address = 127.0.0.1\nport = 0\nstatus_port = 0\ndirectory = ${store}\nssl_cert_ca = ca.pem\nssl_cert = cpsbackupd.pem\nssl_key = cpsbackupd.key\nlog_level = warn\n`,
      );
      // Quiet log level: find the port from /proc instead of the log line.
      server = spawn(process.execPath, [...SERVER_NODE_ARGS, SERVER, '-c', path.join(pki, 'server.conf')], { stdio: ['ignore', 'pipe', 'inherit'] });
      const port = await new Promise<number>((resolve, reject) => {
        const t = setInterval(() => {
          try {
            const out = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' });
            const m = new RegExp(`127\\.0\\.0\\.1:(\\d+) .*pid=${server!.pid},`).exec(out);
            if (m) {
              clearInterval(t);
              resolve(Number(m[1]));
            }
          } catch (err) {
            clearInterval(t);
            reject(err as Error);
          }
        }, 100);
      });
      conf = path.join(pki, 'node.conf');
      fs.writeFileSync(
        conf,
        `cname = bench\nserver = 127.0.0.1\nport = ${port}\nssl_cert_ca = ca.pem\nssl_cert = bench.pem\nssl_key = bench.key\nlock_file = ${path.join(work, 'cps.lock')}\ninclude = ${path.join(work, 'live')}\n`,
      );
    },
    backup: () => measure(process.execPath, [...agentNodeArgs(), CLI, '-c', conf, '-e']),
    restore: (target) =>
      process.env.BENCH_AGENT_WRAPPER
        ? measure(process.env.BENCH_AGENT_WRAPPER, [process.execPath, ...agentNodeArgs(), CLI, '-c', conf, '-i', '--to', target])
        : measure(process.execPath, [...agentNodeArgs(), CLI, '-c', conf, '-i', '--to', target]),
    serverCpu: () => cpuSecondsOf(server!.pid!),
    async finish() {
      const rss = peakRssOf(server!.pid!);
      server!.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
      return rss;
    },
  };
}

function resticTool(work: string): Tool {
  const repo = path.join(work, 'restic-repo');
  const env = { RESTIC_REPOSITORY: repo, RESTIC_PASSWORD: 'bench', RESTIC_CACHE_DIR: path.join(work, 'restic-cache') };
  return {
    name: 'restic',
    repoDir: repo,
    async setup() {
      await measure('restic', ['init'], { env });
    },
    backup: (live) => measure('restic', ['backup', '--quiet', live], { env }),
    restore: (target) => measure('restic', ['restore', 'latest', '--target', target], { env }),
  };
}

function borgTool(work: string): Tool {
  const repo = path.join(work, 'borg-repo');
  const env = { BORG_REPO: repo, BORG_BASE_DIR: path.join(work, 'borg-base'), BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'yes' };
  let n = 0;
  return {
    name: 'borg',
    repoDir: repo,
    async setup() {
      await measure('borg', ['init', '--encryption', 'none'], { env });
    },
    backup: (live) => measure('borg', ['create', '--compression', 'zstd,3', `::gen${++n}`, live], { env }),
    restore: (target) => {
      fs.mkdirSync(target, { recursive: true });
      return measure('borg', ['extract', `::gen${n}`], { env, cwd: target });
    },
  };
}

async function runTool(tool: Tool, work: string, pristine: string, shape: DatasetShape): Promise<ToolResult> {
  const live = path.join(work, 'live');
  reset(live, pristine);
  await tool.setup(work);
  // Each step's wall time and CPU seconds (client, and server where there is one), for finding the bottleneck.
  const steps: string[] = [];
  const step = async (label: string, run: () => Promise<Measured>): Promise<Measured> => {
    const serverBefore = tool.serverCpu?.() ?? 0;
    const m = await run();
    const server = tool.serverCpu ? ` server ${(tool.serverCpu() - serverBefore).toFixed(1)} s CPU,` : '';
    const line = `${label}: ${m.seconds.toFixed(2)} s wall, client ${m.cpuSeconds.toFixed(1)} s CPU (${m.systemSeconds.toFixed(1)} s system),${server} client peak RSS ${(m.peakRss / 1e6).toFixed(0)} MB`;
    console.log(`  ${line}`);
    steps.push(line);
    return m;
  };
  const first = await step('first backup', () => tool.backup(live));
  editDataset(live, shape);
  const second = await step('second backup', () => tool.backup(live));
  const unchanged = await step('unchanged re-backup', () => tool.backup(live));
  const target = path.join(work, `restore-${tool.name}`);
  const restore = await step('full restore', () => tool.restore(target));
  const storedBytes = duBytes(tool.repoDir);
  fs.rmSync(target, { recursive: true, force: true });
  const peakServerRss = await tool.finish?.();
  return {
    name: tool.name,
    first,
    second,
    unchanged,
    restore,
    storedBytes,
    peakClientRss: Math.max(first.peakRss, second.peakRss, unchanged.peakRss),
    peakServerRss,
    steps,
  };
}

function table(results: ToolResult[], dataBytes: number, shape: DatasetShape, editNote: string): string {
  const restic = results.find((r) => r.name === 'restic')!;
  const rows: Array<[string, (r: ToolResult) => number, (v: number) => string]> = [
    ['first backup (s)', (r) => r.first.seconds, (v) => v.toFixed(1)],
    ['second backup (s)', (r) => r.second.seconds, (v) => v.toFixed(1)],
    ['unchanged re-backup (s)', (r) => r.unchanged.seconds, (v) => v.toFixed(2)],
    ['full restore (s)', (r) => r.restore.seconds, (v) => v.toFixed(1)],
    ['stored size (MB)', (r) => r.storedBytes / 1e6, (v) => v.toFixed(0)],
    ['peak RSS, client (MB)', (r) => r.peakClientRss / 1e6, (v) => v.toFixed(0)],
  ];
  const lines = [
    `Dataset: ${shape.files} files + one ${(shape.dumpBytes / 2 ** 20).toFixed(0)} MiB dump, ${(dataBytes / 1e9).toFixed(2)} GB; generation 2: ${editNote}.`,
    '',
    `| figure | ${results.map((r) => r.name).join(' | ')} | ${results
      .filter((r) => r !== restic)
      .map((r) => `${r.name} / restic`)
      .join(' | ')} |`,
    `|---|${results.map(() => '---:').join('|')}|${results
      .filter((r) => r !== restic)
      .map(() => '---:')
      .join('|')}|`,
  ];
  for (const [label, get, fmt] of rows) {
    lines.push(
      `| ${label} | ${results.map((r) => fmt(get(r))).join(' | ')} | ${results
        .filter((r) => r !== restic)
        .map((r) => (get(r) / get(restic)).toFixed(2))
        .join(' | ')} |`,
    );
  }
  const cps = results.find((r) => r.name === 'cpsbackup');
  if (cps?.peakServerRss) lines.push('', `cpsbackupd peak RSS over the whole run: ${(cps.peakServerRss / 1e6).toFixed(0)} MB.`);
  lines.push('', "Each step, with CPU seconds (all threads; for cpsbackup also cpsbackupd's):", '');
  for (const r of results) for (const s of r.steps) lines.push(`- ${r.name}, ${s}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const shape: DatasetShape = { files: Number(process.env.BENCH_FILES ?? 50_000), dumpBytes: Number(process.env.BENCH_DUMP_MB ?? 2048) * 2 ** 20 };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsbackup-peers-'));
  try {
    const pristine = path.join(work, 'gen1');
    fs.mkdirSync(pristine);
    const t = Date.now();
    const dataBytes = writeDataset(pristine, shape);
    console.log(`dataset: ${shape.files} files, ${(dataBytes / 1e9).toFixed(2)} GB, written in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    const editNote = (() => {
      const probe = path.join(work, 'probe');
      execFileSync('cp', ['-a', pristine, probe]);
      const note = editDataset(probe, shape);
      fs.rmSync(probe, { recursive: true });
      return note;
    })();
    const results: ToolResult[] = [];
    // BENCH_TOOLS=restic,cpsbackup runs a subset (restic is always needed: it is the yardstick).
    const only = process.env.BENCH_TOOLS?.split(',');
    for (const make of [resticTool, borgTool, cpsbackupTool]) {
      const tool = make(work);
      if (only && tool.name !== 'restic' && !only.includes(tool.name)) continue;
      console.log(`running ${tool.name} ...`);
      results.push(await runTool(tool, work, pristine, shape));
    }
    const report = table(results, dataBytes, shape, editNote);
    console.log('\n' + report);
    if (only) {
      console.log('\n(BENCH_TOOLS set: a partial run, docs/PERFORMANCE.md left as it is)');
      return;
    }
    const doc = path.join(ROOT, 'docs/PERFORMANCE.md');
    const header = fs.existsSync(doc) ? fs.readFileSync(doc, 'utf8').split('<!-- bench-peers -->')[0]! : '# Performance\n\n';
    fs.writeFileSync(
      doc,
      `${header}<!-- bench-peers -->\n## cpsbackup against restic and borg\n\nProduced by \`make bench-peers\` (BENCH_FILES=${shape.files} BENCH_DUMP_MB=${shape.dumpBytes / 2 ** 20}) on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), restic ${execFileSync('restic', ['version'], { encoding: 'utf8' }).split(' ')[1]}, borg ${execFileSync('borg', ['--version'], { encoding: 'utf8' }).trim().split(' ')[1]} with zstd,3. All three over the same files in one run; cpsbackup through cpsbackupd over TLS on 127.0.0.1; restic and borg to a local repository. Wall times.\n\n${report}\n`,
    );
    console.log(`\nwritten to ${doc}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
