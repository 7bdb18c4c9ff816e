import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { directoriesOnTheWay, freePort, runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

interface DryRun {
  dryRun: boolean;
  files: number;
  dirs: number;
  others: number;
  bytes: number;
  parent: number | null;
  notCompared: string | null;
  new: { files: number; bytes: number };
  changed: { files: number; bytes: number };
  unchanged: { files: number; bytes: number };
  contentNotRead: number;
  paths: Array<{ path: string; type: string; size: number; state: string | null; contentRead?: boolean }>;
}

/** cpsbackup -e --dry-run: what a backup would hold, compared with the parent, and no backup made. */
describe('-e --dry-run', () => {
  const { root, pki, server } = useServer('dry-run', { clients: { dry: [] } });

  test('counts what the selection keeps, new, changed and unchanged against the parent, and makes no backup', async () => {
    const data = path.join(root, 'data');
    fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
    const rnd = new SeededRandom('dry-run');
    fs.writeFileSync(path.join(data, 'a'), rnd.bytes(10_000));
    fs.writeFileSync(path.join(data, 'sub', 'b'), rnd.bytes(20_000));
    fs.writeFileSync(path.join(data, 'sub', 'c'), rnd.bytes(30_000));
    fs.writeFileSync(path.join(data, 'skipped.tmp'), rnd.bytes(50_000)); // exclude_ext
    fs.mkdirSync(path.join(data, 'left-out'));
    fs.writeFileSync(path.join(data, 'left-out', 'd'), rnd.bytes(40_000)); // exclude
    execFileSync('mkfifo', [path.join(data, 'pipe')]);
    const conf = writeNodeConf(path.join(root, 'node'), server, {
      cname: 'dry',
      cert: pki.client('dry'),
      include: [data],
      extra: ['exclude_ext = tmp', `exclude = ${data}/left-out`, `read_fifo = ${data}/pipe`],
    });
    const listed = async () => (JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout) as { backups: Array<{ number: number }> }).backups;

    // No backup yet: counted, not compared; the FIFO is not opened (nothing writes to it: a read would wait).
    const first = await runCli(['-c', conf, '-e', '--dry-run', '--json']);
    expect(first.code).toBe(0);
    const d1 = JSON.parse(first.stdout) as DryRun;
    expect(d1).toMatchObject({ dryRun: true, files: 3, bytes: 60_000, others: 1, contentNotRead: 1, parent: null });
    expect(d1.dirs).toBe(2 + directoriesOnTheWay(data));
    expect(d1.notCompared).toMatch(/no complete backup to compare with/);
    expect(d1.paths.find((p) => p.path === `${data}/pipe`)).toMatchObject({ type: 'fifo', contentRead: true });
    expect(d1.paths.some((p) => p.path.includes('skipped') || p.path.includes('left-out'))).toBe(false);
    expect(await listed()).toEqual([]);

    // A backup (the FIFO's writer feeds it), then a new file and a changed one.
    spawn('sh', ['-c', `printf x > ${data}/pipe`], { stdio: 'ignore' });
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    fs.writeFileSync(path.join(data, 'new'), rnd.bytes(1_000));
    fs.writeFileSync(path.join(data, 'sub', 'b'), rnd.bytes(25_000));

    const text = await runCli(['-c', conf, '-e', '-n']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Dry run, nothing backed up: a backup now would hold 4 files \(/m);
    expect(text.stdout).toMatch(/^compared with backup 0000001: 1 new \(1000 B\), 1 changed \(.*\), 2 unchanged \(.*\); a backup would read/m);
    const d2 = JSON.parse((await runCli(['-c', conf, '-e', '-n', '--json'])).stdout) as DryRun;
    expect(d2).toMatchObject({
      files: 4,
      bytes: 66_000,
      parent: 1,
      new: { files: 1, bytes: 1_000 },
      changed: { files: 1, bytes: 25_000 },
      unchanged: { files: 2, bytes: 40_000 },
    });
    const verbose = await runCli(['-c', conf, '-e', '-n', '-v']);
    expect(verbose.stdout).toMatch(new RegExp(`^new +1000 ${data}/new$`, 'm'));
    expect(verbose.stdout).toMatch(new RegExp(`^changed +25000 ${data}/sub/b$`, 'm'));
    expect(verbose.stdout).toMatch(new RegExp(`^unchanged +10000 ${data}/a$`, 'm'));
    expect(verbose.stdout).toMatch(new RegExp(`^fifo +0 ${data}/pipe \\(its content would be read\\)$`, 'm'));
    // Still the one backup.
    expect((await listed()).map((b) => b.number)).toEqual([1]);
    expect((await runCli(['-c', conf, '-l', '-n'])).stderr).toMatch(/--dry-run \(-n\) goes with -e only/);

    // No server to read the parent from: the counts all the same, without the comparison, and why.
    const offline = path.join(root, 'node', 'offline.conf');
    fs.writeFileSync(offline, fs.readFileSync(conf, 'utf8').replace(/^port = \d+$/m, `port = ${await freePort()}`));
    const alone = await runCli(['-c', offline, '-e', '-n']);
    expect(alone.code).toBe(0);
    expect(alone.stdout).toMatch(/^Dry run, nothing backed up: a backup now would hold 4 files \(64\.5 KiB\)/m);
    expect(alone.stdout).toMatch(/^not compared with a previous backup: the previous backup's file list could not be read \(.*\)$/m);
  });
});
