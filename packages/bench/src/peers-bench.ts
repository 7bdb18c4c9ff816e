/**
 * make bench-peers: cpsbackup against restic and borg on the same generated
 * datasets, in one run: a large-file one (files and a database dump; a
 * second generation after edits) and a small-file source tree (two more
 * releases, each changing every mtime and a few percent of contents). On
 * each: first backup, each later generation, unchanged re-backup, full
 * restore, stored size, peak RSS. Prints tables with ratios against restic
 * and writes docs/PERFORMANCE.md.
 *
 * BENCH_FILES (default 50000), BENCH_DUMP_MB (default 2048) and
 * BENCH_SMALL_FILES (default 84000) set the sizes; BENCH_DATASETS,
 * BENCH_TOOLS and BENCH_REGIMES run a subset; BENCH_FLOOR=0 leaves the
 * floors out, BENCH_LOOP=0 runs in $TMPDIR as it is; BENCH_KEEP_STORES=DIR
 * keeps a copy of each repository, BENCH_KEEP_WORK=1 the work directory.
 * Any of these but the two KEEP knobs makes a partial run, which leaves
 * docs/PERFORMANCE.md alone (partialRunKnobs).
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCa, issueCertificate } from '@cpsbackup/pki';
import { DEFAULT_ZSTD_LEVEL } from '@cpsbackup/format';
import { LoopDisk, loopDevicesUnavailable } from '@cpsbackup/testkit/e2e';
import { type DatasetShape, editDataset, releaseSourceTree, type SourceTreeShape, writeDataset, writeSourceTree } from './dataset';
import { backupFloor, computeCosts, type ComputeCosts, type Floor, floorParts, restoreFloor, type SeenFiles, unchangedFloor } from './floor';
import { cpuSecondsOf, duBytes, measure, type Measured, peakRssOf } from './measure';

const ROOT = path.resolve(__dirname, '../../..');
const SERVER = path.join(ROOT, 'packages/server/dist/cli.js');
const CLI = path.join(ROOT, 'packages/agent/dist/cli/main.js');
/** Extra node flags for the agent, e.g. BENCH_AGENT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it. */
const AGENT_NODE_ARGS = process.env.BENCH_AGENT_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
/** The same for cpsbackupd (BENCH_SERVER_NODE_ARGS). */
const SERVER_NODE_ARGS = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

/**
 * The node flags the installed agent runs with (cli/main.js's #! line), then
 * BENCH_AGENT_NODE_ARGS: the bench runs this build's node with both.
 */
function agentNodeArgs(): string[] {
  const shebang = fs.readFileSync(CLI, 'utf8').split('\n', 1)[0]!;
  return [...shebang.split(' ').filter((a) => a.startsWith('--')), ...AGENT_NODE_ARGS];
}

/** One measured step of a tool's run. */
interface Step {
  label: string;
  m: Measured;
  /** Wall time and CPU seconds, for finding the bottleneck. */
  line: string;
}

interface ToolResult {
  name: string;
  steps: Step[];
  storedBytes: number;
  peakClientRss: number;
  peakServerRss?: number;
}

/** A dataset and the generations that follow its first backup. */
interface Dataset {
  name: string;
  /** Writes generation 1; returns its bytes. */
  write(dir: string): number;
  /** One line saying what generation 1 is. */
  describe(bytes: number): string;
  /** Later generations, applied in place in order; each returns what it changed. */
  changes: Array<{ label: string; apply(dir: string): string }>;
  /** How it was sized, for the report (the environment variables). */
  knobs: string;
}

/** What each tool must provide. */
interface Tool {
  name: string;
  setup(work: string): Promise<void>;
  backup(live: string): Promise<Measured>;
  restore(target: string): Promise<Measured>;
  repoDir: string;
  finish?(): Promise<number>;
  /** Bytes the repository holds; du of repoDir when absent. */
  storedBytes?(): number;
  /** CPU seconds the tool's server process has used so far (cpsbackupd); none for local tools. */
  serverCpu?(): number;
  /** Stops and starts again what keeps files open in the work directory between steps (cpsbackupd), around a cache drop. */
  suspend?(): Promise<void>;
  resume?(): Promise<void>;
}

/** The cache state each step starts from. */
type Regime = 'warm' | 'cold';

function reset(live: string, pristine: string): void {
  fs.rmSync(live, { recursive: true, force: true });
  execFileSync('cp', ['-a', pristine, live]);
}

/** cpsbackup; `encrypted`: the node encrypts (a master key made with --init-key), to measure what encryption costs. */
function cpsbackupTool(work: string, encrypted = false): Tool {
  const store = path.join(work, 'cps-store');
  const pki = path.join(work, 'cps-pki');
  let server: ReturnType<typeof spawn> | undefined;
  let conf = '';
  let peakServerRss = 0;
  const start = async () => {
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
      `cname = bench\nserver = 127.0.0.1\nport = ${port}\nssl_cert_ca = ca.pem\nssl_cert = bench.pem\nssl_key = bench.key\nlock_file = ${path.join(work, 'cps.lock')}\ninclude = ${path.join(work, 'live')}\n` +
        (encrypted ? `encryption = 1\nencryption_key_file = ${path.join(pki, 'master.key')}\n` : ''),
    );
  };
  const stop = async () => {
    peakServerRss = Math.max(peakServerRss, peakRssOf(server!.pid!));
    server!.kill('SIGTERM');
    await new Promise((r) => server!.once('exit', r));
  };
  return {
    name: encrypted ? 'cpsbackup-enc' : 'cpsbackup',
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
      await start();
      if (encrypted) await measure(process.execPath, [CLI, '-c', conf, '--init-key']);
    },
    backup: () => measure(process.execPath, [...agentNodeArgs(), CLI, '-c', conf, '-e']),
    restore: (target) =>
      process.env.BENCH_AGENT_WRAPPER
        ? measure(process.env.BENCH_AGENT_WRAPPER, [process.execPath, ...agentNodeArgs(), CLI, '-c', conf, '-i', '--to', target])
        : measure(process.execPath, [...agentNodeArgs(), CLI, '-c', conf, '-i', '--to', target]),
    serverCpu: () => cpuSecondsOf(server!.pid!),
    // Packs and catalog: the free-space reserves (reserve, reserve-open) are fixed files of zeros, not stored data.
    storedBytes: () =>
      duBytes(store) - ['reserve', 'reserve-open'].reduce((n, r) => n + (fs.statSync(path.join(store, r), { throwIfNoEntry: false })?.size ?? 0), 0),
    suspend: stop,
    resume: start,
    async finish() {
      await stop();
      return peakServerRss;
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

/**
 * The machine's floor of each step (floor.ts), run as a tool is: on the
 * same tree, in the same cache state, in the same run. Its "backup" of
 * step k measures reading, cutting and hashing every file whose stat
 * changed since step k-1 (all of them on the first backup, which also
 * compresses and checks every byte; on a later one the few new bytes
 * are left out), the unchanged re-backup one lstat per entry, its "restore" the
 * writing of every file plus decoding and hashing every byte.
 */
function floorTool(work: string, changes: number, costs: ComputeCosts): Tool {
  let backups = 0;
  let live = '';
  let seen: SeenFiles | undefined;
  const asMeasured = (f: Floor): Measured => ({
    seconds: f.seconds,
    cpuSeconds: f.cpuSeconds,
    systemSeconds: 0,
    peakRss: 0,
    stdout: `${f.boundBy}: ${floorParts(f)}`,
  });
  return {
    name: 'floor',
    repoDir: path.join(work, 'floor'),
    async setup() {
      fs.mkdirSync(path.join(work, 'floor'), { recursive: true });
    },
    async backup(tree) {
      live = tree;
      const k = backups++;
      if (k === changes + 1) return asMeasured(unchangedFloor(tree));
      // A later backup reads only the files whose stat changed since the one before (every file of a release that touched every mtime).
      const f = await backupFloor(tree, costs, k === 0 ? 'all' : 0, { previous: seen });
      seen = f.seen;
      return asMeasured(f);
    },
    restore: async (target) => asMeasured(await restoreFloor(live, target, costs)),
    storedBytes: () => 0,
  };
}

/** Reads every file of the tree so each tool starts with it in the page cache (borg evicts what it reads). */
function warmCache(dir: string): void {
  execFileSync('sh', ['-c', 'find "$1" -type f -exec cat {} + > /dev/null', 'warm', dir]);
}

async function runTool(tool: Tool, place: BenchPlace, regime: Regime, pristine: string, dataset: Dataset, changeNotes: string[]): Promise<ToolResult> {
  const live = path.join(place.work, 'live');
  reset(live, pristine);
  await tool.setup(place.work);
  const steps: Step[] = [];
  // Warm: the tree is read into the page cache (borg evicts what it reads). Cold: the filesystem holding tree, repository and caches is remounted.
  const startFrom = async (what: 'backup' | 'restore'): Promise<void> => {
    if (regime === 'warm') {
      if (what === 'backup') warmCache(live);
      return;
    }
    await tool.suspend?.();
    place.dropCaches!();
    await tool.resume?.();
  };
  const step = async (label: string, what: 'backup' | 'restore', run: () => Promise<Measured>): Promise<void> => {
    await startFrom(what);
    const serverBefore = tool.serverCpu?.() ?? 0;
    const m = await run();
    const server = tool.serverCpu ? ` server ${(tool.serverCpu() - serverBefore).toFixed(1)} s CPU,` : '';
    const line =
      tool.name === 'floor'
        ? `${label}: ${m.seconds.toFixed(2)} s, ${m.cpuSeconds.toFixed(1)} s CPU, bound by ${m.stdout}`
        : `${label}: ${m.seconds.toFixed(2)} s wall, client ${m.cpuSeconds.toFixed(1)} s CPU (${m.systemSeconds.toFixed(1)} s system),${server} client peak RSS ${(m.peakRss / 1e6).toFixed(0)} MB`;
    console.log(`  ${line}`);
    steps.push({ label, m, line });
  };
  const target = path.join(place.work, `restore-${tool.name}`);
  try {
    await step('first backup', 'backup', () => tool.backup(live));
    for (const [i, change] of dataset.changes.entries()) {
      changeNotes[i] = change.apply(live);
      await step(change.label, 'backup', () => tool.backup(live));
    }
    await step('unchanged re-backup', 'backup', () => tool.backup(live));
    await step('full restore', 'restore', () => tool.restore(target));
  } catch (err) {
    // A failed step must not leave cpsbackupd running on the bench filesystem (it could not be unmounted).
    await tool.finish?.().catch(() => undefined);
    throw err;
  }
  const storedBytes = tool.storedBytes?.() ?? duBytes(tool.repoDir);
  fs.rmSync(target, { recursive: true, force: true });
  const peakServerRss = await tool.finish?.();
  return {
    name: tool.name,
    steps,
    storedBytes,
    peakClientRss: Math.max(...steps.filter((s) => s.label !== 'full restore').map((s) => s.m.peakRss)),
    peakServerRss,
  };
}

function table(all: ToolResult[], dataset: Dataset, dataBytes: number, changeNotes: string[]): string {
  const floor = all.find((r) => r.name === 'floor');
  const results = all.filter((r) => r !== floor);
  const restic = results.find((r) => r.name === 'restic')!;
  const seconds = (label: string) => (r: ToolResult) => r.steps.find((s) => s.label === label)!.m.seconds;
  const rows: Array<[string, (r: ToolResult) => number, (v: number) => string]> = [
    ...restic.steps.map((s): [string, (r: ToolResult) => number, (v: number) => string] => [
      `${s.label} (s)`,
      seconds(s.label),
      (v) => v.toFixed(s.m.seconds < 10 ? 2 : 1),
    ]),
    ['stored size (MB)', (r) => r.storedBytes / 1e6, (v) => v.toFixed(0)],
    ['peak RSS, client, backups (MB)', (r) => r.peakClientRss / 1e6, (v) => v.toFixed(0)],
  ];
  const others = results.filter((r) => r !== restic);
  const lines = [
    `${dataset.describe(dataBytes)} ${dataset.changes.map((c, i) => `${c.label}: ${changeNotes[i]}.`).join(' ')}`,
    '',
    `| figure | ${results.map((r) => r.name).join(' | ')} | ${others.map((r) => `${r.name} / restic`).join(' | ')} |`,
    `|---|${results.map(() => '---:').join('|')}|${others.map(() => '---:').join('|')}|`,
  ];
  for (const [label, get, fmt] of rows) {
    lines.push(`| ${label} | ${results.map((r) => fmt(get(r))).join(' | ')} | ${others.map((r) => (get(r) / get(restic)).toFixed(2)).join(' | ')} |`);
  }
  const cps = results.find((r) => r.name === 'cpsbackup');
  const enc = results.find((r) => r.name === 'cpsbackup-enc');
  if (cps && enc) {
    const cost = cps.steps.map((s, i) => `${s.label} ${(enc.steps[i]!.m.seconds / cps.steps[i]!.m.seconds).toFixed(2)}`).join(', ');
    lines.push('', `What encryption costs (cpsbackup-enc / cpsbackup, wall time): ${cost}.`);
  }
  if (cps?.peakServerRss) lines.push('', `cpsbackupd peak RSS over the whole run: ${(cps.peakServerRss / 1e6).toFixed(0)} MB.`);
  if (floor) {
    lines.push(
      '',
      "Each step's time as a multiple of the machine's floor for it (floor.ts: the least reading, cutting, hashing, compressing and checking, or writing, costs on this machine, measured on the same tree in the same cache state):",
      '',
      `| step | floor (s) | bound by | ${results.map((r) => `${r.name} / floor`).join(' | ')} |`,
      `|---|---:|---|${results.map(() => '---:').join('|')}|`,
    );
    for (const [i, f] of floor.steps.entries()) {
      const bound = f.m.stdout.split(':')[0];
      lines.push(`| ${f.label} | ${f.m.seconds.toFixed(2)} | ${bound} | ${results.map((r) => (r.steps[i]!.m.seconds / f.m.seconds).toFixed(1)).join(' | ')} |`);
    }
  }
  lines.push('', "Each step, with CPU seconds (all threads; for cpsbackup also cpsbackupd's):", '');
  for (const r of all) for (const s of r.steps) lines.push(`- ${r.name}, ${s.line}`);
  return lines.join('\n');
}

/** The large-file dataset (BENCH_FILES, BENCH_DUMP_MB) and the small-file source tree (BENCH_SMALL_FILES). */
function datasets(): Dataset[] {
  const shape: DatasetShape = {
    files: Number(process.env.BENCH_FILES ?? FULL_RUN.BENCH_FILES),
    dumpBytes: Number(process.env.BENCH_DUMP_MB ?? FULL_RUN.BENCH_DUMP_MB) * 2 ** 20,
  };
  const tree: SourceTreeShape = { files: Number(process.env.BENCH_SMALL_FILES ?? FULL_RUN.BENCH_SMALL_FILES) };
  const all: Dataset[] = [
    {
      name: 'large-file',
      knobs: `BENCH_FILES=${shape.files} BENCH_DUMP_MB=${shape.dumpBytes / 2 ** 20}`,
      write: (dir) => writeDataset(dir, shape),
      describe: (bytes) => `Dataset: ${shape.files} files + one ${(shape.dumpBytes / 2 ** 20).toFixed(0)} MiB dump, ${(bytes / 1e9).toFixed(2)} GB.`,
      changes: [{ label: 'second backup', apply: (dir) => editDataset(dir, shape) }],
    },
    {
      name: 'small-file',
      knobs: `BENCH_SMALL_FILES=${tree.files}`,
      write: (dir) => writeSourceTree(dir, tree),
      describe: (bytes) => `Dataset: a source tree of ${tree.files} files (75 % under 8 KB, 1 % of 128 KB-1 MB), ${(bytes / 1e9).toFixed(2)} GB.`,
      changes: [
        { label: 'release 2', apply: (dir) => releaseSourceTree(dir, tree, 2) },
        { label: 'release 3', apply: (dir) => releaseSourceTree(dir, tree, 3) },
      ],
    },
  ];
  // BENCH_DATASETS=small-file runs one of them.
  const only = process.env.BENCH_DATASETS?.split(',');
  return all.filter((d) => !only || only.includes(d.name));
}

/** Where the tools work, and how to empty its caches when that can be done. */
interface BenchPlace {
  work: string;
  note: string;
  /** Drops every cached page, inode and directory entry of `work` (nothing may hold a file open there). */
  dropCaches?: () => void;
  cleanup: () => void;
}

/**
 * Where the tools work: a fresh journaled ext4 on a loop device when we
 * are root (BENCH_LOOP=0 to use the temporary directory as it is). The
 * root filesystem of our CI machines is ext4 without a journal, where
 * every file creation scans for inodes deleted in the last minutes:
 * 235 µs per file instead of 20 µs once a tree has just been deleted, a
 * cost that fell on whichever tool restored after the others' trees were
 * removed. Servers and nodes run journaled filesystems.
 *
 * The loop device does direct I/O on its image, so that a remount empties
 * every cache of the dataset and repositories: the cold regime's steps
 * read from the disk (containers refuse /proc/sys/vm/drop_caches).
 */
function benchFilesystem(name: string): BenchPlace {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), `cpsbackup-peers-${name}-`));
  const why = process.env.BENCH_LOOP === '0' ? 'BENCH_LOOP=0' : loopDevicesUnavailable();
  if (why) return { work: base, cleanup: () => fs.rmSync(base, { recursive: true, force: true }), note: `the temporary directory (${why})` };
  // Sparse: it takes only what the run writes. Large enough for a dataset, its copies, restores and repositories.
  const disk = LoopDisk.create(path.join(base, 'disk.img'), path.join(base, 'mnt'), 96 * 1024, { directIo: true });
  return {
    work: disk.mountPoint,
    dropCaches: () => disk.remount(),
    cleanup: () => {
      disk.detach();
      fs.rmSync(base, { recursive: true, force: true });
    },
    note: 'a fresh journaled ext4 on a loop device (direct I/O to its image)',
  };
}

/** BENCH_REGIMES=warm,cold (the default): which cache states to measure; cold needs a loop device. */
function regimes(place: BenchPlace): Regime[] {
  const asked = (process.env.BENCH_REGIMES ?? 'warm,cold').split(',') as Regime[];
  if (asked.includes('cold') && !place.dropCaches) console.log(`cold regime skipped: caches cannot be dropped on ${place.note}`);
  return asked.filter((r) => r === 'warm' || (r === 'cold' && place.dropCaches));
}

/** Runs every tool over one dataset in each regime; returns its report section. */
async function runDataset(dataset: Dataset, only: string[] | undefined): Promise<string> {
  const place = benchFilesystem(dataset.name);
  const work = place.work;
  try {
    const pristine = path.join(work, 'gen1');
    fs.mkdirSync(pristine);
    const t = Date.now();
    const dataBytes = dataset.write(pristine);
    console.log(`${dataset.name} dataset: ${(dataBytes / 1e9).toFixed(2)} GB, written in ${((Date.now() - t) / 1000).toFixed(0)} s, on ${place.note}`);
    // What cutting, hashing and zstd cost per byte of this dataset, for the floors (BENCH_FLOOR=0: no floors).
    const costs = process.env.BENCH_FLOOR === '0' ? undefined : computeCosts(pristine, undefined, [{ level: DEFAULT_ZSTD_LEVEL, probe: true }]);
    const sections: string[] = [];
    for (const regime of regimes(place)) {
      const results: ToolResult[] = [];
      const changeNotes: string[] = [];
      const floor = costs ? [(w: string) => floorTool(w, dataset.changes.length, costs)] : [];
      for (const make of [...floor, resticTool, borgTool, cpsbackupTool, (w: string) => cpsbackupTool(w, true)]) {
        const tool = make(work);
        if (only && tool.name !== 'restic' && tool.name !== 'floor' && !only.includes(tool.name)) continue;
        console.log(`running ${tool.name} on the ${dataset.name} dataset, ${regime} cache ...`);
        results.push(await runTool(tool, place, regime, pristine, dataset, changeNotes));
        // BENCH_KEEP_STORES=DIR copies each tool's repository there (DIR/<tool>-<regime>), to break down what it stores.
        const keep = process.env.BENCH_KEEP_STORES;
        if (keep) fs.cpSync(tool.repoDir, path.join(keep, `${tool.name}-${regime}`), { recursive: true });
        // Each tool and regime starts from an empty repository and cache: only the dataset stays.
        for (const name of fs.readdirSync(work))
          if (name !== 'gen1' && name !== 'lost+found') fs.rmSync(path.join(work, name), { recursive: true, force: true });
      }
      const report = table(results, dataset, dataBytes, changeNotes);
      console.log(`\n${regime} cache:\n${report}\n`);
      const how =
        regime === 'warm'
          ? 'Warm cache: each backup step starts with the tree read into the page cache.'
          : 'Cold cache: before each step the filesystem holding tree, repositories and caches is unmounted and mounted again (cpsbackupd stopped meanwhile and started again before the step), so every step reads from the disk.';
      sections.push(`#### ${regime[0]!.toUpperCase()}${regime.slice(1)} cache\n\n${how}\n\n${report}\n`);
    }
    return `### ${dataset.name[0]!.toUpperCase()}${dataset.name.slice(1)} dataset (${dataset.knobs})\n\nOn ${place.note}.\n\n${sections.join('\n')}`;
  } finally {
    // BENCH_KEEP_WORK=1 leaves the repositories for inspection.
    if (process.env.BENCH_KEEP_WORK) console.log(`work directory kept: ${work}`);
    else place.cleanup();
  }
}

/** Every knob that changes a run, as the full run has it (undefined: not set); the sizes are the datasets' defaults. */
const FULL_RUN = {
  BENCH_TOOLS: undefined,
  BENCH_DATASETS: undefined,
  BENCH_FILES: '50000',
  BENCH_DUMP_MB: '2048',
  BENCH_SMALL_FILES: '84000',
  BENCH_REGIMES: 'warm,cold',
  BENCH_FLOOR: undefined,
  BENCH_LOOP: undefined,
  BENCH_AGENT_NODE_ARGS: undefined,
  BENCH_SERVER_NODE_ARGS: undefined,
  BENCH_AGENT_WRAPPER: undefined,
} as const satisfies Record<string, string | undefined>;

/**
 * The knobs set that make this run other than the full one: a run with any
 * of them (a subset, other sizes, one cache state, no floor, no loop
 * device, other node flags, a wrapper) leaves docs/PERFORMANCE.md alone,
 * so what it holds is always the full run. BENCH_KEEP_WORK and
 * BENCH_KEEP_STORES only keep files, and do not count.
 */
function partialRunKnobs(): string[] {
  return Object.entries(FULL_RUN)
    .filter(([knob, value]) => process.env[knob] !== undefined && process.env[knob] !== value)
    .map(([knob]) => knob);
}

async function main(): Promise<void> {
  // BENCH_TOOLS=restic,cpsbackup runs a subset (restic is always needed: it is the yardstick).
  const only = process.env.BENCH_TOOLS?.split(',');
  const sets = datasets();
  const sections: string[] = [];
  for (const dataset of sets) sections.push(await runDataset(dataset, only));
  const partial = partialRunKnobs();
  if (partial.length > 0) {
    console.log(`(${partial.join(', ')} set: a partial run, docs/PERFORMANCE.md left as it is)`);
    return;
  }
  const doc = path.join(ROOT, 'docs/PERFORMANCE.md');
  const header = fs.existsSync(doc) ? fs.readFileSync(doc, 'utf8').split('<!-- bench-peers -->')[0]! : '# Performance\n\n';
  fs.writeFileSync(
    doc,
    `${header}<!-- bench-peers -->\n## cpsbackup against restic and borg\n\nProduced by \`make bench-peers\` on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), restic ${execFileSync('restic', ['version'], { encoding: 'utf8' }).split(' ')[1]}, borg ${execFileSync('borg', ['--version'], { encoding: 'utf8' }).trim().split(' ')[1]} with zstd,3. All three over the same files in one run; cpsbackup's stored size is its packs and catalog (not its two fixed 16 MiB free-space reserves); cpsbackup through cpsbackupd over TLS on 127.0.0.1; restic and borg to a local repository. Wall times.\n\n${sections.join('\n')}`,
  );
  console.log(`written to ${doc}`);
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
