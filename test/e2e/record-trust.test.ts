import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { requireBuild, runCli, SERVER_BIN, snapshotTree, tempDir, TestPki, TestServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/**
 * A catalog row the server itself reports as untrusted (it disagrees with
 * its signed record) is never served to a node: restore and show are
 * refused with what the operator must do until --repair-catalog, which
 * brings the backup back bit-exact. A lowered next number is corrected at
 * start instead of failing every backup.
 */
describe('backup records decide what is served', () => {
  let root: string;
  let pki: TestPki;
  beforeAll(() => {
    requireBuild();
    root = tempDir('record-trust');
    pki = new TestPki(path.join(root, 'pki'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test("n1's backup 2 given n2's manifest in catalog.db, next number lowered: refused until repaired, backups go on; after the repair it restores bit-exact", async () => {
    const server = new TestServer(path.join(root, 'srv'), pki);
    server.addClient('n1');
    server.addClient('n2');
    await server.start();
    const nodes = ['n1', 'n2'].map((n) => {
      const data = path.join(root, `${n}-data`);
      fs.mkdirSync(data, { recursive: true });
      const rnd = new SeededRandom(n);
      for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(data, `${n}-f${i}`), rnd.bytes(3_000 + i * 101));
      return { data, conf: writeNodeConf(path.join(root, n), server, { cname: n, cert: pki.client(n), include: [data] }) };
    });
    const [n1, n2] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    expect((await runCli(['-c', n1.conf, '-e'])).code).toBe(0);
    fs.writeFileSync(path.join(n1.data, 'second'), 'only in backup 2');
    expect((await runCli(['-c', n1.conf, '-e'])).code).toBe(0);
    expect((await runCli(['-c', n2.conf, '-e'])).code).toBe(0);
    const atTwo = snapshotTree(n1.data);
    const port = server.port;
    await server.stop();

    const db = new Database(path.join(server.storeDir, 'catalog.db'));
    const id = (c: string, n: number) =>
      db.prepare(`SELECT b.id FROM backups b JOIN clients c ON c.id = b.client_id WHERE c.name = ? AND b.number = ?`).pluck().get(c, n) as number;
    db.prepare(`UPDATE backups SET manifest = (SELECT manifest FROM backups WHERE id = ?) WHERE id = ?`).run(id('n2', 1), id('n1', 2));
    db.prepare(`UPDATE clients SET next_number = 2 WHERE name = 'n1'`).run();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();

    await server.start(port);
    const to = path.join(root, 'restore');
    const restore = await runCli(['-c', n1.conf, '-i', '2', '--to', to]);
    expect(restore.code).toBe(6); // NOT_FOUND, as for a backup in the wrong state
    expect(restore.stderr).toMatch(/backup 2 of n1 cannot be trusted until the server's operator repairs the catalog .*cpsbackupd --repair-catalog/);
    expect(fs.existsSync(path.join(to, n2.data))).toBe(false);
    const show = await runCli(['-c', n1.conf, '-s', '2']);
    expect(show.code).toBe(6);
    expect(show.stdout).not.toContain('n2-f');
    expect(show.stderr).toMatch(/backup 2 of n1 cannot be trusted/);
    // Asked for the newest, the node is refused too (never handed another backup than it asked for), and told which can be.
    const newest = await runCli(['-c', n1.conf, '-i', '--to', to]);
    expect(newest.code).toBe(6);
    expect(newest.stderr).toMatch(/backup 2 of n1 cannot be trusted .*; backup 1 is the newest that can be: give its number \(-i 1, -s 1\)/);
    expect(server.logLines().some((l) => typeof l.correction === 'string' && /next backup number of client n1 was 2, below 3/.test(l.correction))).toBe(true);
    const next = await runCli(['-c', n1.conf, '-e', '--json']);
    expect(next.stderr).toBe('');
    expect(next.code).toBe(0);
    expect(JSON.parse(next.stdout).backup.number).toBe(3);
    await server.stop();

    const repair = spawnSync(process.execPath, [SERVER_BIN, '-c', server.confFile, '--repair-catalog'], { encoding: 'utf8' });
    expect(repair.status).toBe(0);
    expect(repair.stdout).toMatch(/backup 2 of n1/);
    await server.start(port);
    try {
      expect((await runCli(['-c', n1.conf, '-i', '2', '--to', to])).code).toBe(0);
      expect(snapshotTree(path.join(to, n1.data))).toEqual(atTwo);
    } finally {
      await server.stop();
    }
  });
});
