import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StatusReport } from '@cpsbackup/server';
import { SeededRandom } from '@cpsbackup/testkit';
import { fillDisk, freePort, requireBuild, runCli, SERVER_BIN, tempDir, TestPki, TestServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/**
 * The disk filled by something else while cpsbackupd runs: it keeps its
 * storage's lease (renewed through its space reserve, where before the
 * lease lapsed and the very delete and GC that free room were refused until
 * a restart), says it is short of space, and the operator frees room
 * through the product.
 */
describe('a disk filled by something else while the server runs', () => {
  let root: string;
  let mountPoint: string;
  beforeAll(() => {
    requireBuild();
    root = tempDir('full-running');
    mountPoint = path.join(root, 'small-disk');
    fs.mkdirSync(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mountPoint]);
  });
  afterAll(() => {
    spawnSync('umount', ['-l', mountPoint]);
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('the lease is still renewed, the store goes to low-space mode, a delete and GC free the room, backups resume', async () => {
    const pki = new TestPki(path.join(root, 'pki'));
    const server = new TestServer(path.join(mountPoint, 'srv'), pki, ['storage_lease = 3']);
    server.statusPort = await freePort();
    server.addClient('full');
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    const leases = () => fs.readdirSync(path.join(server.storeDir, 'lease')).map(Number);
    await server.start();
    try {
      const conf = writeNodeConf(path.join(root, 'node'), server, { cname: 'full', cert: pki.client('full'), include: [data] });
      fs.writeFileSync(path.join(data, 'old'), new SeededRandom('old').bytes(12_000_000));
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
      fs.rmSync(path.join(data, 'old'));
      fs.writeFileSync(path.join(data, 'kept'), 'kept\n');
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0);

      fillDisk(path.join(mountPoint, 'filler'));
      // Two renewals after the disk filled (each writes a lease file): the lease holds.
      const before = Math.max(...leases());
      while (Math.max(...leases()) < before + 2) await new Promise((r) => setTimeout(r, 100));
      expect(server.logLines().filter((l) => /lapsed|ownership lost/.test(String(l.msg)) || /lapsed/.test(String(l.err ?? '')))).toEqual([]);
      const status = async () => (await (await fetch(`http://127.0.0.1:${server.statusPort}/status`)).json()) as StatusReport;
      expect((await status()).lowSpace).not.toBeNull();

      // What the message says: delete an old backup, collect garbage.
      const deleted = await runCli(['-c', conf, '-d', '1']);
      expect({ code: deleted.code, stderr: deleted.stderr }).toEqual({ code: 0, stderr: '' });
      const gc = spawnSync(process.execPath, [SERVER_BIN, '-c', server.confFile, 'gc'], { encoding: 'utf8' });
      expect({ status: gc.status, stderr: gc.stderr }).toEqual({ status: 0, stderr: '' });
      // The delete's own GC, or this one, freed the room: the store says so (its status answer is cached a moment).
      while (!server.logLines().some((l) => String(l.msg).startsWith('the store has room again'))) await new Promise((r) => setTimeout(r, 100));
      fs.writeFileSync(path.join(data, 'fresh'), new SeededRandom('fresh').bytes(500_000));
      const again = await runCli(['-c', conf, '-e']);
      expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: '' });
    } finally {
      await server.stop();
    }
  }, 180_000);
});
