/**
 * The machine's floor for each step of a backup tool's run: what reading
 * the tree, cutting, hashing and compressing it (and, on the server,
 * decoding and hashing it again to check it) costs at the least, measured
 * on the very files and cache state a tool's step sees. A tool's time as a
 * multiple of its step's floor says how much it spends around the work
 * rather than on it.
 *
 * Two kinds of measurement: the file-system work (reading every file,
 * lstat of every entry, writing every file) is timed on the tree itself
 * with as many threads as cores; the per-byte work (FastCDC, SHA-256,
 * zstd at each level, decoding) is timed once per dataset on a sample of
 * its files, one thread, as CPU seconds per byte. A step's floor is the
 * larger of its file-system time and all its CPU spread over every core:
 * nothing can beat it on this machine, which is why it is a floor and not
 * a target.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { chunkBuffer, DEFAULT_CHUNKER_PARAMS } from '@cpsbackup/chunker';
import { Codec, compressToScratch, decodeChunk, DEFAULT_ZSTD_LEVEL } from '@cpsbackup/format';

/** Wall and CPU seconds (all threads of this process) of one measured piece of work. */
interface Timed {
  seconds: number;
  cpuSeconds: number;
  systemSeconds: number;
}

/** What one zstd level costs and saves, per byte of the sample. */
interface LevelCost {
  level: number;
  /** Whether incompressible chunks were found by the probe (the agent's way) or by compressing them whole. */
  probe: boolean;
  /** One core's CPU seconds per byte compressed (a chunk that does not shrink by 1/32 is stored raw, as the agent does). */
  compressPerByte: number;
  /** One core's CPU seconds per byte decoded (the server's check, a restore). */
  decodePerByte: number;
  /** Stored bytes over raw bytes. */
  ratio: number;
}

/** The per-byte costs of a dataset, one core. */
export interface ComputeCosts {
  sampleBytes: number;
  sampleFiles: number;
  cutPerByte: number;
  hashPerByte: number;
  levels: LevelCost[];
}

/** A zstd level to measure, with or without the probe for incompressible chunks. */
interface LevelChoice {
  level: number;
  probe: boolean;
}

/** The zstd levels measured (fast levels are negative), each as the agent compresses (with the probe), and the default without it. */
const MEASURED_LEVELS: LevelChoice[] = [...[-5, -3, -1, 1, 2, 3, 4, 6].map((level) => ({ level, probe: true })), { level: DEFAULT_ZSTD_LEVEL, probe: false }];

function now(): { t: bigint; cpu: NodeJS.CpuUsage } {
  return { t: process.hrtime.bigint(), cpu: process.cpuUsage() };
}

function since(start: { t: bigint; cpu: NodeJS.CpuUsage }): Timed {
  const cpu = process.cpuUsage(start.cpu);
  return { seconds: Number(process.hrtime.bigint() - start.t) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6, systemSeconds: cpu.system / 1e6 };
}

/** A regular file as a walk saw it: `seen` is what a backup compares to tell whether it changed (size, mtime, ctime, inode). */
interface ListedFile {
  path: string;
  size: number;
  seen: string;
}

/** Every regular file below `dir` with its size, in walk order. */
function listFiles(dir: string): ListedFile[] {
  const out: ListedFile[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = fs.lstatSync(p, { bigint: true });
        out.push({ path: p, size: Number(st.size), seen: `${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}` });
      }
    }
  };
  walk(dir);
  return out;
}

/** What a backup floor saw of each file (path -> ListedFile.seen), for the next step's floor to read only what changed since. */
export type SeenFiles = Map<string, string>;

/** One thread's share of the file-system work: read each named file whole into one reused buffer, or write each of the given sizes. */
const FS_WORKER = `
const fs = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const buf = Buffer.alloc(1 << 20, 0x5a);
if (workerData.op === 'read') {
  for (const p of workerData.paths) {
    const fd = fs.openSync(p, 'r');
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
    fs.closeSync(fd);
  }
} else {
  for (let i = 0; i < workerData.paths.length; i++) {
    const p = workerData.paths[i];
    fs.mkdirSync(require('node:path').dirname(p), { recursive: true });
    const fd = fs.openSync(p, 'wx', 0o644);
    for (let left = workerData.sizes[i]; left > 0; ) left -= fs.writeSync(fd, buf, 0, Math.min(left, buf.length));
    fs.closeSync(fd);
  }
}
parentPort.postMessage('done');
`;

async function onThreads(op: 'read' | 'write', paths: string[], sizes: number[], threads: number): Promise<void> {
  const shares = Array.from({ length: threads }, () => ({ paths: [] as string[], sizes: [] as number[] }));
  paths.forEach((p, i) => {
    shares[i % threads]!.paths.push(p);
    shares[i % threads]!.sizes.push(sizes[i] ?? 0);
  });
  await Promise.all(
    shares.map(
      (share) =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(FS_WORKER, { eval: true, workerData: { op, ...share } });
          w.once('message', () => resolve());
          w.once('error', reject);
        }),
    ),
  );
}

/**
 * Walks `dir` (one lstat per file) and reads once, on one thread per core,
 * every regular file not `previous`ly seen as it is now: the least a
 * backup waits for (every file on a first backup; a later one reads only
 * what its stat says changed, as every tool does). The walk is timed with
 * the reads (cold, its inode reads are part of the cost), and gives the
 * bytes read, so nothing walks the tree untimed before it.
 */
async function readFloor(dir: string, threads: number, previous?: SeenFiles): Promise<{ timed: Timed; bytes: number; seen: SeenFiles }> {
  const start = now();
  const files = listFiles(dir);
  const changed = previous ? files.filter((f) => previous.get(f.path) !== f.seen) : files;
  await onThreads(
    'read',
    changed.map((f) => f.path),
    [],
    threads,
  );
  return { timed: since(start), bytes: changed.reduce((n, f) => n + f.size, 0), seen: new Map(files.map((f) => [f.path, f.seen])) };
}

/** Walks `dir` with one lstat per entry: the least an unchanged re-backup does to see that nothing changed. */
function lstatFloor(dir: string): Timed {
  const start = now();
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d)) {
      const p = path.join(d, name);
      if (fs.lstatSync(p).isDirectory()) walk(p);
    }
  };
  walk(dir);
  return since(start);
}

/** Writes a tree of files of the sizes of `files` under `target` (then removes it, untimed): the least a restore of them writes. */
async function writeFloor(files: Array<{ path: string; size: number }>, from: string, target: string, threads = os.availableParallelism()): Promise<Timed> {
  const start = now();
  await onThreads(
    'write',
    files.map((f) => path.join(target, path.relative(from, f.path))),
    files.map((f) => f.size),
    threads,
  );
  const t = since(start);
  fs.rmSync(target, { recursive: true, force: true });
  return t;
}

/**
 * Up to `maxBytes` of the files below `dir`, taken evenly through the
 * tree (every k-th file), each whole: small files are cut, hashed and
 * compressed one by one as a backup does, so their per-file costs count.
 */
function sample(files: Array<{ path: string; size: number }>, maxBytes: number): Buffer[] {
  const total = files.reduce((n, f) => n + f.size, 0);
  const every = Math.max(1, Math.ceil(total / maxBytes));
  const out: Buffer[] = [];
  let bytes = 0;
  for (let i = 0; i < files.length && bytes < maxBytes; i += every) {
    const content = fs.readFileSync(files[i]!.path);
    out.push(content);
    bytes += content.length;
  }
  return out;
}

/** Per-byte CPU of cutting, hashing, compressing at each level and decoding, one core, on a sample of the tree below `dir`. */
export function computeCosts(dir: string, maxSampleBytes = 256 * 1024 * 1024, levels = MEASURED_LEVELS): ComputeCosts {
  const contents = sample(listFiles(dir), maxSampleBytes);
  const bytes = contents.reduce((n, c) => n + c.length, 0);
  let start = now();
  // Files below the chunker's minimum are one chunk, as the agent sends them.
  const chunks = contents.flatMap((c) => (c.length <= DEFAULT_CHUNKER_PARAMS.minSize ? [c] : chunkBuffer(c)));
  const cut = since(start);
  start = now();
  for (const c of chunks) createHash('sha256').update(c).digest();
  const hash = since(start);
  const costs: LevelCost[] = [];
  for (const { level, probe } of levels) {
    // Best of three: this machine's CPU is shared, and a level's figure must not be another process's.
    let compress = Infinity;
    let decode = Infinity;
    let stored = 0;
    for (let round = 0; round < 3; round++) {
      const encoded: Array<{ codec: number; payload: Buffer; rawLength: number }> = [];
      start = now();
      for (const c of chunks) {
        const z = compressToScratch(c, level, probe);
        // The copy out of the scratch buffer is what the agent does too.
        encoded.push(z ? { codec: Codec.Zstd, payload: Buffer.from(z), rawLength: c.length } : { codec: Codec.Raw, payload: c, rawLength: c.length });
      }
      compress = Math.min(compress, since(start).cpuSeconds);
      start = now();
      for (const e of encoded) decodeChunk(e.codec, e.payload, e.rawLength);
      decode = Math.min(decode, since(start).cpuSeconds);
      stored = encoded.reduce((n, e) => n + e.payload.length, 0);
    }
    costs.push({ level, probe, compressPerByte: compress / bytes, decodePerByte: decode / bytes, ratio: stored / bytes });
  }
  return { sampleBytes: bytes, sampleFiles: contents.length, cutPerByte: cut.cpuSeconds / bytes, hashPerByte: hash.cpuSeconds / bytes, levels: costs };
}

/** A step's floor: its file-system time against all its CPU over the cores, whichever is longer. */
export interface Floor {
  seconds: number;
  /** CPU seconds of the whole step (file system and per-byte work). */
  cpuSeconds: number;
  /** What sets it: the file system, or CPU on every core. */
  boundBy: 'file system' | 'CPU';
  /** The pieces, CPU seconds (file system: wall seconds). */
  parts: Record<string, number>;
}

function floorOf(fsTime: Timed, cpu: Record<string, number>, cores: number, fsName: string): Floor {
  const cpuSeconds = fsTime.cpuSeconds + Object.values(cpu).reduce((a, b) => a + b, 0);
  const spread = cpuSeconds / cores;
  return {
    seconds: Math.max(fsTime.seconds, spread),
    cpuSeconds,
    boundBy: fsTime.seconds >= spread ? 'file system' : 'CPU',
    parts: { [`${fsName} (wall)`]: fsTime.seconds, [`${fsName} (CPU)`]: fsTime.cpuSeconds, ...cpu },
  };
}

function levelCost(costs: ComputeCosts, level: number): LevelCost {
  const c = costs.levels.find((l) => l.level === level && l.probe);
  if (!c) throw new Error(`zstd level ${level} was not measured`);
  return c;
}

/**
 * The floor of a backup of `dir`: reading, cutting and hashing every byte
 * of the files it must read (all of them, or with `previous` those whose
 * stat changed since: a release that touched every mtime reads them all);
 * compressing `newBytes` ('all': every byte read) at `level` and the
 * server decoding and hashing them to check them. `seen` is for the next
 * step's `previous`.
 */
export async function backupFloor(
  dir: string,
  costs: ComputeCosts,
  newBytes: number | 'all',
  { level = DEFAULT_ZSTD_LEVEL, cores = os.availableParallelism(), previous }: { level?: number; cores?: number; previous?: SeenFiles } = {},
): Promise<Floor & { seen: SeenFiles }> {
  const { timed: read, bytes, seen } = await readFloor(dir, cores, previous);
  if (newBytes === 'all') newBytes = bytes;
  const l = levelCost(costs, level);
  const floor = floorOf(
    read,
    {
      cut: bytes * costs.cutPerByte,
      'SHA-256': bytes * costs.hashPerByte,
      [`zstd ${level}`]: newBytes * l.compressPerByte,
      'server decode': newBytes * l.decodePerByte,
      'server SHA-256': newBytes * costs.hashPerByte,
    },
    cores,
    'read',
  );
  return { ...floor, seen };
}

/** The floor of an unchanged re-backup: one lstat per entry, one thread (the walk is in order). */
export function unchangedFloor(dir: string): Floor {
  return floorOf(lstatFloor(dir), {}, 1, 'lstat walk');
}

/** The floor of a full restore of the tree below `dir` into `target`: writing every file, decoding and hashing every byte. */
export async function restoreFloor(
  dir: string,
  target: string,
  costs: ComputeCosts,
  level = DEFAULT_ZSTD_LEVEL,
  cores = os.availableParallelism(),
): Promise<Floor> {
  const files = listFiles(dir);
  const bytes = files.reduce((n, f) => n + f.size, 0);
  const write = await writeFloor(files, dir, target, cores);
  const l = levelCost(costs, level);
  return floorOf(write, { decode: bytes * l.decodePerByte, 'SHA-256': bytes * costs.hashPerByte }, cores, 'write');
}

/** One line of a floor's parts, for the report. */
export function floorParts(f: Floor): string {
  return Object.entries(f.parts)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');
}

/** The compute costs as a table: MB/s on one core and stored ratio per zstd level. */
export function levelTable(costs: ComputeCosts): string {
  const mbps = (perByte: number) => (perByte > 0 ? (1 / perByte / 1e6).toFixed(0) : '-');
  return [
    `Sample: ${costs.sampleFiles} files, ${(costs.sampleBytes / 1e6).toFixed(0)} MB; one core: FastCDC ${mbps(costs.cutPerByte)} MB/s, SHA-256 ${mbps(costs.hashPerByte)} MB/s.`,
    '',
    '| zstd level | compress (MB/s, one core) | decode (MB/s, one core) | stored / raw |',
    '|---|---:|---:|---:|',
    ...costs.levels.map(
      (l) =>
        `| ${l.level}${l.level === DEFAULT_ZSTD_LEVEL && l.probe ? ' (default)' : ''}${l.probe ? '' : ', no probe'} | ${mbps(l.compressPerByte)} | ${mbps(l.decodePerByte)} | ${l.ratio.toFixed(3)} |`,
    ),
  ].join('\n');
}
