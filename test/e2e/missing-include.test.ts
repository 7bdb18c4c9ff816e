/**
 * An include root that is missing (a typo, a filesystem not mounted) or
 * empty where it held files: the backup is stored but partial, and neither
 * retention nor monitoring may take it for a good one.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StatusReport } from '@cpsbackup/server';
import { SeededRandom } from '@cpsbackup/testkit';
import { rawSession, readUntil, runCli, snapshotTree, writeNodeConf, useServer, directoriesOnTheWay } from '@cpsbackup/testkit/e2e';

const CHECK = path.resolve(__dirname, '../../scripts/check_cpsbackup');

describe('a missing or empty include root makes a partial backup', () => {
  const { root, pki, server } = useServer('missing-include', { conf: ['keep = 2'], status: true, clients: { node: [], empty: [] } });

  test('five backups with the disk unmounted or gone: the last complete one stays, -i restores it, monitoring warns', async () => {
    const etc = path.join(root, 'etc');
    const disk = path.join(root, 'mnt', 'disk');
    const rnd = new SeededRandom('disk');
    fs.mkdirSync(etc, { recursive: true });
    fs.mkdirSync(disk, { recursive: true });
    fs.writeFileSync(path.join(etc, 'app.conf'), 'x = 1\n');
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(disk, `db${i}`), rnd.bytes(50_000));
    const conf = writeNodeConf(root, server, { cname: 'node', cert: pki.client('node'), include: [etc, disk] });
    for (let i = 1; i <= 2; i++) expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    const good = { etc: snapshotTree(etc), disk: snapshotTree(disk) };

    // The filesystem is not mounted: its mount point is an empty directory.
    const moved = path.join(root, 'elsewhere');
    fs.renameSync(disk, moved);
    fs.mkdirSync(disk);
    const unmounted = await runCli(['-c', conf, '-e']);
    // Stdout and the exit code say it too (9: stored, but partial), not only stderr.
    expect(unmounted.code).toBe(9);
    expect(unmounted.stdout).toMatch(/^Backup 0000003 partial: /);
    expect(unmounted.stdout).not.toContain('available');
    expect(unmounted.stderr).toContain(
      `backup 0000003 is PARTIAL: include ${disk} is empty, but held 5 entries in the previous backup (a filesystem not mounted?)`,
    );
    // Then the mount point itself is gone (or the path has a typo).
    fs.rmdirSync(disk);
    for (let n = 4; n <= 7; n++) {
      const missing = await runCli(['-c', conf, '-e', '--json']);
      expect(missing.code).toBe(9);
      expect(JSON.parse(missing.stdout).backup).toMatchObject({ number: n, status: 'partial', partial: `include ${disk} could not be read (ENOENT)` });
      expect(missing.stderr).toContain(`backup ${String(n).padStart(7, '0')} is PARTIAL: include ${disk} could not be read (ENOENT)`);
    }

    const list = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout).backups as Array<{ number: number; status: string; partial: string | null }>;
    expect(list.map((b) => [b.number, b.status])).toEqual([
      [1, 'available'],
      [2, 'available'],
      [3, 'partial'],
      [4, 'partial'],
      [5, 'partial'],
      [6, 'partial'],
      [7, 'partial'],
    ]);
    const lines = (await runCli(['-c', conf, '-l'])).stdout.split('\n');
    expect(lines[6]).toMatch(/^Backup: 0000007 \S+ \S+ partial \(deletable\) include .* could not be read \(ENOENT\)$/);
    const shown = (await runCli(['-c', conf, '-s', '7'])).stdout;
    expect(shown).toMatch(new RegExp(`^Backup 0000007 partial \\(include ${disk} could not be read \\(ENOENT\\)\\): `, 'm'));
    expect((await runCli(['-h'])).stdout).toMatch(/^ {2}9 {2}the backup was stored but is partial/m);

    // A plain -i restores the newest complete backup, with the disk's files.
    const to = path.join(root, 'restore');
    const restored = await runCli(['-c', conf, '-i', '--to', to]);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain('Restored backup 0000002');
    expect(snapshotTree(path.join(to, disk))).toEqual(good.disk);
    expect(snapshotTree(path.join(to, etc))).toEqual(good.etc);

    // Monitoring: the last success is backup 2, the last result partial, and the check warns.
    const status = (await (await fetch(`http://127.0.0.1:${server.statusPort}/status`)).json()) as StatusReport;
    const me = status.clients.find((c) => c.name === 'node')!;
    expect(me.lastSuccess!.number).toBe(2);
    expect(me.lastResult).toMatchObject({ number: 7, status: 'partial' });
    const metrics = await (await fetch(`http://127.0.0.1:${server.statusPort}/metrics`)).text();
    expect(metrics).toMatch(/cpsbackup_client_last_result_ok\{client="node"\} 0/);
    const check = spawnSync(CHECK, ['--url', `http://127.0.0.1:${server.statusPort}`, '--client', 'node'], { encoding: 'utf8' });
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(
      /^CPSBACKUP WARNING - node: last backup 0000002 finished .* ago, last attempt partial: include .* could not be read \(ENOENT\)/,
    );

    // The disk is back: the next backup is complete, and retention (keep = 2) drops the superseded partial ones.
    fs.renameSync(moved, disk);
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    const after = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout).backups as Array<{ number: number; partial: string | null }>;
    expect(after.map((b) => b.number)).toEqual([2, 8]);
    expect(after.every((b) => b.partial === null)).toBe(true);
  });

  test('an agent that sends an empty backup where the parent had files gets a partial one, whatever it says', async () => {
    const data = path.join(root, 'empty-data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'f'), 'content');
    const conf = writeNodeConf(root, server, { cname: 'empty', cert: pki.client('empty'), include: [data] });
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    const { socket, conn } = await rawSession(server, 'empty', pki.client('empty'));
    await conn.send({ beginBackup: {} });
    await readUntil(conn, (m) => m.msg === 'backupStarted');
    await conn.send({ endBackup: { root: [] } });
    const done = await readUntil(conn, (m) => m.msg === 'backupDone');
    socket.destroy();
    // The include and its file, and the directories on the way to it.
    const held = 2 + directoriesOnTheWay(data);
    expect(done!.backupDone!.backup!.partial).toBe(`the backup is empty, but backup 1 held ${held} entries`);
  });
});
