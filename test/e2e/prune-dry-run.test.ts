import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { runCli, SERVER_BIN, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

interface Planned {
  number: number;
  status: string;
  reasons: string[];
}

/** cpsbackupd prune --dry-run: what retention would delete, per client and why, deleting nothing. */
describe('prune --dry-run', () => {
  const { root, pki, server } = useServer('prune-dry', { clients: { pruned: ['keep = 5'], other: ['keep = 5'] } });
  const admin = (...args: string[]) => spawnSync(process.execPath, [SERVER_BIN, '-c', server.confFile, ...args], { encoding: 'utf8' });
  const listed = async (conf: string) =>
    (JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout) as { backups: Array<{ number: number }> }).backups.map((b) => b.number);

  test('lists exactly what a real prune then deletes, with the keep rule, and deletes nothing itself', async () => {
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    const rnd = new SeededRandom('prune-dry');
    const conf = writeNodeConf(path.join(root, 'node'), server, { cname: 'pruned', cert: pki.client('pruned'), include: [data] });
    const otherConf = writeNodeConf(path.join(root, 'node'), server, { cname: 'other', cert: pki.client('other'), include: [data] });
    for (let gen = 0; gen < 5; gen++) {
      fs.writeFileSync(path.join(data, `f${gen}`), rnd.bytes(100_000));
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    }
    expect((await runCli(['-c', otherConf, '-e'])).code).toBe(0);
    // The policy tightened after the backups were made: the next pass deletes the 3 oldest.
    server.addClient('pruned', ['keep = 2']);
    const before = await listed(conf);
    expect(before).toEqual([1, 2, 3, 4, 5]);
    const packsBefore = fs.readdirSync(path.join(server.storeDir, 'packs'), { recursive: true }).sort();

    const dry = admin('prune', '--dry-run');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/^client pruned: would delete 3, keep 2$/m);
    expect(dry.stdout).toMatch(/^ {2}delete 0000001 available: kept by no rule of keep = 2$/m);
    expect(dry.stdout).toMatch(/^ {2}keep {3}0000005 available: the newest; keep = 2 \(the last 2\)$/m);
    expect(dry.stdout).toMatch(/^client other: would delete 0, keep 1$/m);
    expect(dry.stdout).toMatch(/dry run: nothing deleted; cpsbackupd prune would delete 3 backups, then run gc \(what gc would reclaim is not computed/);
    const json = JSON.parse(admin('prune', '--dry-run', '--json').stdout) as {
      op: string;
      byDaemon: boolean;
      report: Array<{ client: string; delete: Planned[]; keep: Planned[] }>;
    };
    expect([json.op, json.byDaemon]).toEqual(['prune-dry-run', true]);
    const plan = json.report.find((p) => p.client === 'pruned')!;
    const doomed = plan.delete.map((b) => b.number);
    expect(doomed).toEqual([1, 2, 3]);
    expect(plan.keep.map((b) => b.number)).toEqual([4, 5]);

    // Nothing went: every backup is still listed and can be read, and no pack changed.
    expect(await listed(conf)).toEqual(before);
    expect(fs.readdirSync(path.join(server.storeDir, 'packs'), { recursive: true }).sort()).toEqual(packsBefore);
    const show1 = await runCli(['-c', conf, '-s', '1']);
    expect(show1.code).toBe(0);
    expect(show1.stdout).toContain(`${data}/f0`);

    // On the stopped store too (the same plan, computed offline).
    const port = server.port;
    await server.stop();
    const offline = JSON.parse(admin('prune', '-n', '--json').stdout) as { byDaemon: boolean; report: Array<{ client: string; delete: Planned[] }> };
    expect(offline.byDaemon).toBe(false);
    expect(offline.report.find((p) => p.client === 'pruned')!.delete.map((b) => b.number)).toEqual(doomed);
    await server.start(port);
    expect(await listed(conf)).toEqual(before);

    // The real prune deletes exactly what the dry run said.
    const real = admin('prune');
    expect(real.status).toBe(0);
    expect(real.stdout).toMatch(/^retention applied: 3 backups deleted$/m);
    expect(await listed(conf)).toEqual(before.filter((n) => !doomed.includes(n)));
    expect(await listed(otherConf)).toEqual([1]);
    for (const command of ['gc', 'verify'])
      expect(admin(command, '--dry-run')).toMatchObject({ status: 2, stderr: expect.stringMatching(/--dry-run goes with prune only/) });
  });
});
