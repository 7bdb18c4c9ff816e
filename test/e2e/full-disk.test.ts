import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import type { StatusReport } from '@cpsbackup/server';
import { fillDisk, freePort, requireBuild, runCli, SERVER_BIN, snapshotTree, tempDir, TestPki, TestServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

const CHECK = path.resolve(__dirname, '../../scripts/check_cpsbackup');

/**
 * A store whose disk is full and whose space reserve is spent: cpsbackupd
 * still starts, serves lists, restores, deletes and GC, refuses backups
 * saying why and what to do, says so in its log, status page and metrics,
 * and takes backups again (reserve made again) once GC has freed room,
 * without a restart.
 */
describe('a server on a full disk', () => {
  let root: string;
  let mountPoint: string;
  let pki: TestPki;

  beforeAll(() => {
    requireBuild();
    root = tempDir('full-disk');
    pki = new TestPki(path.join(root, 'pki'));
    mountPoint = path.join(root, 'small-disk');
    fs.mkdirSync(mountPoint);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mountPoint]);
    } catch (err) {
      throw new Error(`this test needs root to mount a small tmpfs: ${(err as Error).message}`, { cause: err });
    }
  });
  afterAll(() => {
    spawnSync('umount', ['-l', mountPoint]);
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('starts with its reserve spent, lists, restores, deletes, collects garbage, then backs up again', async () => {
    // A lease renewal that meets the filled disk puts the server in low-space mode at once, so the backup that
    // should be the first to meet it would be refused at its start instead: the lease is not renewed during the test.
    const server = new TestServer(path.join(mountPoint, 'srv'), pki, ['storage_lease = 3600']);
    server.statusPort = await freePort();
    server.addClient('full');
    const reserve = path.join(server.storeDir, 'reserve');
    const free = () => {
      const s = fs.statfsSync(mountPoint);
      return s.bavail * s.bsize;
    };
    const status = async () => (await (await fetch(`http://127.0.0.1:${server.statusPort}/status`)).json()) as StatusReport;
    const lowSpaceMetric = async () => {
      const text = await (await fetch(`http://127.0.0.1:${server.statusPort}/metrics`)).text();
      return /^cpsbackup_store_low_space (\d+)$/m.exec(text)?.[1];
    };
    const runCheck = () => spawnSync(CHECK, ['--url', `http://127.0.0.1:${server.statusPort}`, '--client', 'full'], { encoding: 'utf8' });
    const admin = (...args: string[]) => spawnSync(process.execPath, [SERVER_BIN, '-c', server.confFile, ...args], { encoding: 'utf8' });
    try {
      await server.start();
      expect(fs.existsSync(reserve)).toBe(true);
      expect((await status()).lowSpace).toBeNull();
      expect(await lowSpaceMetric()).toBe('0');
      const data = path.join(root, 'data');
      fs.mkdirSync(data);
      const conf = writeNodeConf(path.join(root, 'node'), server, { cname: 'full', cert: pki.client('full'), include: [data] });
      // Backup 1 holds `old` alone, backup 2 `kept` alone: deleting 1 frees old's 14 MB, well over the room backups need again (twice the reserve) whatever else the disk holds.
      fs.writeFileSync(path.join(data, 'old'), new SeededRandom('old').bytes(14_000_000));
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
      fs.rmSync(path.join(data, 'old'));
      fs.writeFileSync(path.join(data, 'kept'), new SeededRandom('kept').bytes(3_000_000));
      fs.mkdirSync(path.join(data, 'dir'));
      fs.writeFileSync(path.join(data, 'dir', 'small'), 'small file\n');
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
      const kept = snapshotTree(data);

      // Something else fills the disk; a backup then fails for lack of space and spends the reserve.
      fillDisk(path.join(mountPoint, 'filler-1'));
      fs.writeFileSync(path.join(data, 'new'), new SeededRandom('new').bytes(6_000_000));
      const failed = await runCli(['-c', conf, '-e']);
      expect(failed.code).toBe(1);
      // It is told what its operator must do, as the backups refused after it are.
      expect(failed.stderr).toMatch(/the storage is full: this backup was not stored \(nothing already stored is affected\)/);
      expect(failed.stderr).toMatch(/delete old backups \(cpsbackup -d NUMBER, or cpsbackupd prune\) and run cpsbackupd gc/);
      expect(fs.existsSync(reserve)).toBe(false);
      fillDisk(path.join(mountPoint, 'filler-2')); // and whatever the failure left free goes too
      expect(free()).toBe(0);

      // A restart on the full disk: it starts, and says it is short of space in its log, status and metrics.
      const port = server.port;
      await server.stop();
      await server.start(port);
      const lowLine = server.logLines().find((l) => String(l.msg).includes('low-space mode'));
      expect(lowLine).toMatchObject({ level: 50, store: server.storeDir });
      expect(lowLine!.msg).toMatch(/Delete old backups .* and run cpsbackupd gc/);
      const low = (await status()).lowSpace;
      expect(low).not.toBeNull();
      expect(low!.freeBytes).toBeLessThan(low!.neededBytes);
      expect(await lowSpaceMetric()).toBe('1');
      expect(await (await fetch(`http://127.0.0.1:${server.statusPort}/`)).text()).toContain('STORAGE FULL');
      // The monitoring plugin says it too, with the client's own backups fresh: every next backup will fail.
      const check = runCheck();
      expect(check.status).toBe(2);
      expect(check.stdout).toMatch(/^CPSBACKUP CRITICAL - storage full since .*new backups are refused .*run cpsbackupd gc.*; full: last backup/);

      // It lists and restores, bit-exact.
      const list = await runCli(['-c', conf, '-l', '--json']);
      expect(list.stderr).toBe('');
      const listed = (out: string) =>
        (JSON.parse(out) as { backups: Array<{ number: number; status: string }> }).backups.filter((b) => b.status === 'available').map((b) => b.number);
      expect(listed(list.stdout)).toEqual([1, 2]);
      const to = path.join(root, 'restore-2');
      const restored = await runCli(['-c', conf, '-i', '2', '--to', to]);
      expect(restored.stderr).toBe('');
      expect(restored.code).toBe(0);
      expect(snapshotTree(path.join(to, data))).toEqual(kept);

      // A new backup is refused, saying what is wrong and what to do; nothing is left behind.
      const refused = await runCli(['-c', conf, '-e']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/the storage is full: the server takes no new backup until space is freed/);
      expect(refused.stderr).toMatch(/delete old backups \(cpsbackup -d NUMBER, or cpsbackupd prune\) and run cpsbackupd gc/);
      const afterRefusal = await runCli(['-c', conf, '-l', '--json']);
      expect(JSON.parse(afterRefusal.stdout).backups).toEqual(JSON.parse(list.stdout).backups);

      // The operator frees space through the product: deletes backup 1, collects garbage.
      const deleted = await runCli(['-c', conf, '-d', '1']);
      expect(deleted.stderr).toBe('');
      expect(deleted.code).toBe(0);
      const gc = admin('gc', '--json');
      expect(gc.stderr).toBe('');
      expect(gc.status).toBe(0);
      expect(free()).toBeGreaterThan(4_000_000);
      expect(fs.existsSync(reserve)).toBe(true);
      expect((await status()).lowSpace).toBeNull();
      expect(await lowSpaceMetric()).toBe('0');
      expect(runCheck().stdout).toMatch(/^CPSBACKUP OK - full: last backup/);

      // Backups resume without a restart, and what they stored restores.
      fs.rmSync(path.join(data, 'new'));
      fs.writeFileSync(path.join(data, 'fresh'), new SeededRandom('fresh').bytes(1_000_000));
      const again = await runCli(['-c', conf, '-e']);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      const to4 = path.join(root, 'restore-4');
      expect((await runCli(['-c', conf, '-i', '--to', to4])).code).toBe(0);
      expect(snapshotTree(path.join(to4, data))).toEqual(snapshotTree(data));
      expect(JSON.parse((await runCli(['-c', conf, '--verify', '--json'])).stdout).ok).toBe(true);
      await server.stop(); // its log read to the end
      expect(server.logLines().filter((l) => String(l.msg).includes('the store has room again'))).toHaveLength(1);
    } finally {
      await server.stop();
    }
  });
});
