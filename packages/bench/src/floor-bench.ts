/**
 * make bench, the machine's floor: on both datasets of make bench-peers
 * (smaller by default: BENCH_FILES=10000, BENCH_DUMP_MB=1024,
 * BENCH_SMALL_FILES=84000), what each zstd level costs and saves, and the
 * floor of each step (first backup, a backup that reads every file again,
 * unchanged re-backup, full restore), warm and, on a loop device, cold.
 * make bench-peers prints each tool's time as a multiple of these floors.
 * Figures only; no thresholds.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_ZSTD_LEVEL } from '@cpsbackup/format';
import { LoopDisk, loopDevicesUnavailable } from '@cpsbackup/testkit/e2e';
import { writeDataset, writeSourceTree } from './dataset';
import { backupFloor, computeCosts, type ComputeCosts, type Floor, floorParts, levelTable, restoreFloor, unchangedFloor } from './floor';

const datasets = [
  {
    name: 'large-file',
    write: (dir: string) =>
      writeDataset(dir, { files: Number(process.env.BENCH_FILES ?? 10_000), dumpBytes: Number(process.env.BENCH_DUMP_MB ?? 1024) * 2 ** 20 }),
  },
  { name: 'small-file', write: (dir: string) => writeSourceTree(dir, { files: Number(process.env.BENCH_SMALL_FILES ?? 84_000) }) },
];

function line(step: string, f: Floor): string {
  return `| ${step} | ${f.seconds.toFixed(2)} | ${f.cpuSeconds.toFixed(2)} | ${f.boundBy} | ${floorParts(f)} |`;
}

async function floors(tree: string, costs: ComputeCosts, cold: (() => void) | undefined): Promise<string[]> {
  const drop = () => cold?.();
  const rows: string[] = [];
  for (const level of [...new Set([DEFAULT_ZSTD_LEVEL, 1, -1])]) {
    drop();
    rows.push(line(`first backup, zstd ${level}`, await backupFloor(tree, costs, 'all', { level })));
  }
  drop();
  rows.push(line('every file read again, nothing new', await backupFloor(tree, costs, 0)));
  drop();
  rows.push(line('unchanged re-backup', unchangedFloor(tree)));
  drop();
  rows.push(line('full restore', await restoreFloor(tree, path.join(path.dirname(tree), 'restored'), costs)));
  return rows;
}

async function main(): Promise<void> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsbackup-floor-'));
  const why = process.env.BENCH_LOOP === '0' ? 'BENCH_LOOP=0' : loopDevicesUnavailable();
  const disk = why ? undefined : LoopDisk.create(path.join(base, 'disk.img'), path.join(base, 'mnt'), 32 * 1024, { directIo: true });
  const work = disk?.mountPoint ?? base;
  console.log(
    `The machine's floor: ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? '?'}), on ${disk ? 'a fresh journaled ext4 on a loop device' : `the temporary directory (${why}; no cold figures)`}.`,
  );
  try {
    for (const d of datasets) {
      const tree = path.join(work, d.name);
      fs.mkdirSync(tree);
      const bytes = d.write(tree);
      console.log(`\n## ${d.name} dataset: ${(bytes / 1e9).toFixed(2)} GB\n`);
      const costs = computeCosts(tree);
      console.log(levelTable(costs));
      for (const regime of disk ? ['warm', 'cold'] : ['warm']) {
        if (regime === 'warm') execWarm(tree);
        console.log(`\n${regime} cache (seconds; CPU seconds of the whole step; parts: file system in wall seconds, the rest CPU seconds on one core):\n`);
        console.log('| step | floor (s) | CPU (s) | bound by | parts |\n|---|---:|---:|---|---|');
        for (const r of await floors(tree, costs, regime === 'cold' ? () => disk!.remount() : undefined)) console.log(r);
      }
      fs.rmSync(tree, { recursive: true, force: true });
    }
  } finally {
    disk?.detach();
    fs.rmSync(base, { recursive: true, force: true });
  }
}

/** Reads the tree once so the warm figures start from the page cache. */
function execWarm(tree: string): void {
  for (const f of fs.readdirSync(tree, { recursive: true, withFileTypes: true })) if (f.isFile()) fs.readFileSync(path.join(f.parentPath, f.name));
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
