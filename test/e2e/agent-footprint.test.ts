import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { CLI_BIN, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/**
 * The agent's peak resident memory during backups (issue 36: a light agent
 * beside the services it protects). The agent runs as installed: its own
 * #! line with its node flags. The bound is the measured figure with room
 * (PERFORMANCE.md, "Agent memory"); before the backup's one worker pool,
 * this tree took the agent to about 180 MB.
 */
const PEAK_RSS_BOUND_MB = 150;

/** A source-like tree: many small files, some of 1-3 MiB (read on the pool, a slab of their own) and two of 24 MiB (streamed by the main thread). */
function writeTree(root: string): { files: number } {
  const rnd = new SeededRandom('footprint');
  let files = 0;
  for (let d = 0; d < 300; d++) {
    const dir = path.join(root, `d${Math.floor(d / 20)}`, `sub${d}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 100; f++, files++) fs.writeFileSync(path.join(dir, `f${f}.c`), rnd.text(500 + rnd.below(12_000)));
  }
  for (let i = 0; i < 20; i++, files++) fs.writeFileSync(path.join(root, `d0/mid${i}.bin`), rnd.text(1_048_576 + rnd.below(2_097_152)));
  for (let i = 0; i < 2; i++, files++) fs.writeFileSync(path.join(root, `large${i}.img`), rnd.bytes(24 * 1_048_576));
  return { files };
}

/** Runs the CLI as installed (through its #! line) and returns its exit code, output and peak RSS (the kernel's maximum resident set of the finished process). */
function runMeasured(args: string[]): { code: number; stdout: string; peakMb: number } {
  const out = path.join(fs.mkdtempSync('/tmp/cps-footprint-'), 'rusage');
  // python's wait4 gives the child's ru_maxrss (KiB) once it has exited: no sampling, nothing missed at the end.
  const script = [
    'import resource, subprocess, sys',
    'r = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE)',
    'open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))',
    'sys.stdout.buffer.write(r.stdout)',
    'sys.exit(r.returncode)',
  ].join('\n');
  let code = 0;
  let stdout: string;
  try {
    stdout = execFileSync('python3', ['-c', script, out, CLI_BIN, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 });
  } catch (err) {
    const e = err as { status?: number; stdout?: string };
    code = e.status ?? -1;
    stdout = e.stdout ?? '';
  }
  const peakMb = (Number(fs.readFileSync(out, 'utf8')) * 1024) / 1e6;
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  return { code, stdout, peakMb };
}

describe("the agent's footprint", () => {
  const { root, pki, server } = useServer('footprint', { clients: { lightnode: [] } });

  test(`a first backup of 30,000 small files and a few large ones, and one after every mtime changed, stay under ${PEAK_RSS_BOUND_MB} MB of agent RSS`, async () => {
    const data = path.join(root, 'tree');
    const { files } = writeTree(data);
    const conf = writeNodeConf(root, server, { cname: 'lightnode', cert: pki.client('lightnode'), include: [data] });

    const first = runMeasured(['-c', conf, '-e', '--json']);
    console.log(`agent peak RSS: first backup ${first.peakMb.toFixed(0)} MB`);
    expect(first.code).toBe(0);
    const r1 = JSON.parse(first.stdout);
    expect(r1.backup.status).toBe('available');
    expect(r1.counters.filesRead).toBe(files);

    // A release: every file's mtime changes, so every file is read again (its chunks are known to the server).
    execFileSync('find', [data, '-type', 'f', '-exec', 'touch', '-m', '-d', '2031-01-01', '{}', '+']);
    const second = runMeasured(['-c', conf, '-e', '--json']);
    console.log(`agent peak RSS: after every mtime changed ${second.peakMb.toFixed(0)} MB`);
    expect(second.code).toBe(0);
    const r2 = JSON.parse(second.stdout);
    expect(r2.backup.status).toBe('available');
    expect(r2.counters.filesRead).toBe(files);

    expect(first.peakMb).toBeLessThan(PEAK_RSS_BOUND_MB);
    expect(second.peakMb).toBeLessThan(PEAK_RSS_BOUND_MB);
  }, 900_000);
});
