import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { runCli, SERVER_BIN, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/** cpsbackupd verify | gc | prune: against the running daemon (admin socket), or on the stopped store. */
describe('admin commands without signals', () => {
  const { root, pki, server } = useServer('admin', { clients: { adm: ['keep = 1'] } });
  const admin = (...args: string[]) => spawnSync(process.execPath, [SERVER_BIN, '-c', server.confFile, ...args], { encoding: 'utf8' });

  test('verify, gc and prune print their report (or JSON) and exit with the verdict, daemon running or not', async () => {
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    const rnd = new SeededRandom('admin');
    const conf = writeNodeConf(path.join(root, 'node'), server, { cname: 'adm', cert: pki.client('adm'), include: [data] });
    for (let gen = 0; gen < 2; gen++) {
      for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(data, `f${i}`), rnd.bytes(400_000));
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    }

    const v = admin('verify');
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^checked \d+ chunks \(\d+ bytes\) and 1 backups\nstore is sound\n$/);
    expect(fs.statSync(path.join(server.storeDir, 'admin.sock')).mode & 0o777).toBe(0o600);

    // Delete the only backup kept (keep = 1): after gc, no pack is left.
    expect((await runCli(['-c', conf, '-d', '2'])).code).toBe(0);
    const gc = admin('gc', '--json');
    expect(gc.status).toBe(0);
    const g = JSON.parse(gc.stdout) as { op: string; byDaemon: boolean; report: { deadChunks: number; bytesBefore: number; bytesAfter: number } };
    expect([g.op, g.byDaemon]).toEqual(['gc', true]);
    expect(g.report.bytesAfter).toBe(0); // this GC, or the one the delete asked for, took everything

    const prune = admin('prune');
    expect(prune.status).toBe(0);
    expect(prune.stdout).toMatch(/^retention applied: 0 backups deleted\ngarbage collected: \d+ unreferenced chunks dropped/);

    await server.stop();
    const offline = admin('verify', '--json');
    expect(offline.status).toBe(0);
    expect(JSON.parse(offline.stdout)).toMatchObject({ op: 'verify', byDaemon: false, report: { ok: true, backupsChecked: 0 } });
    expect(admin('scrub').stderr).toMatch(/Unknown argument|unknown command/);
    await server.start();
  });

  test('with the daemon stopped, a directory holding no store is refused, not given a fresh store', async () => {
    await server.stop();
    try {
      const missing = path.join(root, 'unmounted', 'store');
      const conf = path.join(root, 'missing-store.conf');
      fs.writeFileSync(conf, fs.readFileSync(server.confFile, 'utf8').replace(/^directory = .*$/m, `directory = ${missing}`));
      for (const args of [['verify'], ['gc'], ['prune'], ['prune', '--dry-run']]) {
        const r = spawnSync(process.execPath, [SERVER_BIN, '-c', conf, ...args], { encoding: 'utf8' });
        expect([args, r.status, r.stdout]).toEqual([args, 2, '']);
        expect(r.stderr).toContain(
          `no store at ${missing} (directory in server.conf): is the disk mounted? cpsbackupd creates a store when the daemon first starts`,
        );
      }
      expect(fs.existsSync(path.join(root, 'unmounted'))).toBe(false);
    } finally {
      await server.start();
    }
  });
});
