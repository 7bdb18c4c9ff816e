import { execFileSync, spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { requireBuild, runCli, SERVER_BIN, snapshotTree, tempDir, TestPki, TestServer, until, writeNodeConf } from '@cpsbackup/testkit/e2e';

describe('concurrency, a full disk, verify after a flipped bit', () => {
  let root: string;
  let pki: TestPki;

  beforeAll(() => {
    requireBuild();
    root = tempDir('reliability');
    pki = new TestPki(path.join(root, 'pki'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('8 agents backing up overlapping data at once all succeed; verify is clean', async () => {
    const server = new TestServer(path.join(root, 'concurrent'), pki, ['max_children = 10']);
    const names = Array.from({ length: 8 }, (_, i) => `node${i}`);
    for (const n of names) server.addClient(n, ['dedup_group = fleet']);
    await server.start();
    try {
      const shared = new SeededRandom('shared');
      const base = Array.from({ length: 10 }, () => shared.bytes(600_000));
      const confs = names.map((n, i) => {
        const data = path.join(root, 'concurrent', `${n}-data`);
        fs.mkdirSync(data, { recursive: true });
        base.forEach((b, k) => fs.writeFileSync(path.join(data, `base${k}`), b)); // the same on every node
        fs.writeFileSync(path.join(data, 'own'), new SeededRandom(n).bytes(500_000 + i * 1000));
        return { conf: writeNodeConf(path.join(root, 'concurrent'), server, { cname: n, cert: pki.client(n), include: [data] }), data };
      });
      const results = await Promise.all(confs.map((c) => runCli(['-c', c.conf, '-e', '--json'])));
      for (const r of results) {
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
      }
      // The shared data was stored about once for the fleet, not eight times.
      const stored = results.reduce((n, r) => n + JSON.parse(r.stdout).backup.storedBytes, 0);
      expect(stored).toBeLessThan(3 * 6_000_000 + 8 * 600_000);
      for (const c of confs) {
        const v = JSON.parse((await runCli(['-c', c.conf, '--verify', '--json'])).stdout);
        expect(v.ok).toBe(true);
      }
      const to = path.join(root, 'concurrent-restore');
      expect((await runCli(['-c', confs[5]!.conf, '-i', '--to', to])).code).toBe(0);
      expect(snapshotTree(path.join(to, confs[5]!.data))).toEqual(snapshotTree(confs[5]!.data));
    } finally {
      await server.stop();
    }
    execFileSync(process.execPath, [path.resolve(__dirname, '../../packages/server/dist/cli.js'), '-c', server.confFile, '--verify']);
  });

  test('a full disk fails the backup clearly; its space comes back without a restart; the server starts on a full disk', async () => {
    const mountPoint = path.join(root, 'small-disk');
    fs.mkdirSync(mountPoint);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mountPoint]);
    } catch (err) {
      throw new Error(`this test needs root to mount a small tmpfs: ${(err as Error).message}`, { cause: err });
    }
    const server = new TestServer(path.join(mountPoint, 'srv'), pki);
    server.addClient('full');
    const freeMiB = () => {
      const s = fs.statfsSync(mountPoint);
      return (s.bavail * s.bsize) / 1024 / 1024;
    };
    try {
      await server.start();
      const data = path.join(root, 'full-data');
      fs.mkdirSync(data);
      fs.writeFileSync(path.join(data, 'first'), new SeededRandom('first').bytes(4_000_000));
      const conf = writeNodeConf(path.join(root, 'full'), server, { cname: 'full', cert: pki.client('full'), include: [data] });
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
      const before = snapshotTree(data);
      const freeBefore = freeMiB();

      // 80 MB of new data on a 64 MiB disk: the backup fails and says why.
      fs.writeFileSync(path.join(data, 'second'), new SeededRandom('second').bytes(80_000_000));
      const failed = await runCli(['-c', conf, '-e']);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/the storage is full|out of disk space/);
      let list = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout).backups;
      expect(list.map((b: { status: string }) => b.status)).toEqual(['available', 'error']);
      expect(list[1].reason).toMatch(/storage is full|disk space/);

      // Without a restart and without freeing anything by hand, the space comes back and a smaller backup works.
      await until('the space of the failed backup to be freed', () => freeMiB() > freeBefore - 2);
      fs.rmSync(path.join(data, 'second'));
      fs.writeFileSync(path.join(data, 'third'), new SeededRandom('third').bytes(1_000_000));
      const small = await runCli(['-c', conf, '-e']);
      expect(small.stderr).toBe('');
      expect(small.code).toBe(0);
      expect(JSON.parse((await runCli(['-c', conf, '--verify', '--json'])).stdout).ok).toBe(true);
      const to = path.join(root, 'full-restore-1');
      expect((await runCli(['-c', conf, '-i', '1', '--to', to])).code).toBe(0);
      expect(snapshotTree(path.join(to, data))).toEqual(before);

      // The disk filled to the last byte by something else, and a restart: cpsbackupd starts and answers.
      const port = server.port;
      await server.stop();
      const filler = path.join(mountPoint, 'filler');
      const fd = fs.openSync(filler, 'w');
      try {
        const block = Buffer.alloc(1024 * 1024);
        for (;;) fs.writeSync(fd, block);
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      try {
        for (;;) fs.writeSync(fd, Buffer.alloc(4096));
      } catch {
        // full to the block
      } finally {
        fs.closeSync(fd);
      }
      await server.start(port);
      const afterRestart = await runCli(['-c', conf, '-l', '--json']);
      expect(afterRestart.stderr).toBe('');
      list = JSON.parse(afterRestart.stdout).backups;
      expect(list.filter((b: { status: string }) => b.status === 'available')).toHaveLength(2);
      fs.writeFileSync(path.join(data, 'fourth'), new SeededRandom('fourth').bytes(5_000_000));
      const noRoom = await runCli(['-c', conf, '-e']);
      expect(noRoom.code).toBe(1);
      expect(noRoom.stderr).toMatch(/the storage is full|out of disk space/);

      fs.rmSync(filler);
      const again = await runCli(['-c', conf, '-e']);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      const to3 = path.join(root, 'full-restore-last');
      expect((await runCli(['-c', conf, '-i', '--to', to3])).code).toBe(0);
      expect(snapshotTree(path.join(to3, data))).toEqual(snapshotTree(data));
    } finally {
      await server.stop();
      execFileSync('umount', ['-l', mountPoint]);
    }
  });

  test('verify names exactly which backups and files a flipped bit damaged', async () => {
    const server = new TestServer(path.join(root, 'bitrot'), pki);
    server.addClient('rot');
    await server.start();
    const data = path.join(root, 'rot-data');
    fs.mkdirSync(data);
    const rnd = new SeededRandom('rot');
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(data, `f${i}`), rnd.bytes(100_000));
    const conf = writeNodeConf(path.join(root, 'rot'), server, { cname: 'rot', cert: pki.client('rot'), include: [data] });
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    fs.writeFileSync(path.join(data, 'f4'), rnd.bytes(100_000));
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    const port = server.port;
    await server.stop();

    // Flip one bit inside f2's data (shared by both backups): find its record in the pack by content.
    const f2 = fs.readFileSync(path.join(data, 'f2'));
    const packsDir = path.join(server.storeDir, 'packs');
    let flipped = false;
    for (const sub of fs.readdirSync(packsDir)) {
      for (const p of fs.readdirSync(path.join(packsDir, sub))) {
        const file = path.join(packsDir, sub, p);
        const bytes = fs.readFileSync(file);
        const at = bytes.indexOf(f2.subarray(50_000, 50_064)); // random data is stored raw
        if (at >= 0) {
          bytes[at + 10]! ^= 0x01;
          fs.writeFileSync(file, bytes);
          flipped = true;
        }
      }
    }
    expect(flipped).toBe(true);
    await server.start(port);
    try {
      const v = await runCli(['-c', conf, '--verify']);
      expect(v.code).toBe(1);
      expect(v.stdout).toMatch(/Checked \d+ chunks .*: 1 damaged/);
      expect(v.stdout).toContain(`backup 0000001: damaged ${data}/f2`);
      expect(v.stdout).toContain(`backup 0000002: damaged ${data}/f2`);
      expect(v.stdout.match(/damaged \//g)).toHaveLength(2);
      // A restore refuses the damaged bytes rather than writing them.
      const r = await runCli(['-c', conf, '-i', '1', '--to', path.join(root, 'rot-restore')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/does not match its hash: the stored copy is damaged/);
    } finally {
      await server.stop();
    }
    const offline = (() => {
      try {
        execFileSync(process.execPath, [path.resolve(__dirname, '../../packages/server/dist/cli.js'), '-c', server.confFile, '--verify'], { encoding: 'utf8' });
        return { code: 0, out: '' };
      } catch (err) {
        const e = err as { status: number; stdout: string };
        return { code: e.status, out: e.stdout };
      }
    })();
    expect(offline.code).toBe(1);
    expect(offline.out).toContain(`DAMAGED rot backup 1: ${data}/f2`);
    expect(offline.out).toMatch(/BAD CHUNK [0-9a-f]{64} in pack/);
  });
  test('a damaged catalog: verify says so and names the repair, agents get a clear error, --repair-catalog brings the backups back', async () => {
    const server = new TestServer(path.join(root, 'catalog'), pki);
    server.addClient('cat');
    await server.start();
    const data = path.join(root, 'cat-data');
    fs.mkdirSync(data);
    const rnd = new SeededRandom('cat');
    for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(data, `f${i}`), rnd.bytes(3_000 + i));
    const conf = writeNodeConf(path.join(root, 'cat'), server, { cname: 'cat', cert: pki.client('cat'), include: [data] });
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    const port = server.port;
    await server.stop();

    // Garbage over an inner page of the chunks table (300 rows need a few pages).
    const file = path.join(server.storeDir, 'catalog.db');
    const db = new Database(file, { readonly: true });
    const inner = db.prepare(`SELECT pageno FROM dbstat WHERE name = 'chunks' AND pagetype = 'internal'`).pluck().all() as number[];
    db.close();
    const bytes = fs.readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    bytes.fill(0xa5, (inner[0]! - 1) * pageSize + 12, inner[0]! * pageSize);
    fs.writeFileSync(file, bytes);

    const offline = spawnSync(process.execPath, [SERVER_BIN, '-c', server.confFile, '--verify'], { encoding: 'utf8' });
    expect(offline.status).toBe(1);
    expect(offline.stdout).toMatch(/^CATALOG /m);
    expect(offline.stdout).toContain('run cpsbackupd --repair-catalog');
    expect(offline.stderr).not.toMatch(/\n\s+at /); // no stack trace

    await server.start(port);
    const to = path.join(root, 'cat-restore');
    const refused = await runCli(['-c', conf, '-i', '--to', to]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("the server's catalog is damaged: its operator must repair it");
    expect(refused.stderr).not.toContain(server.storeDir); // the server's paths are the operator's business
    expect(server.logLines().find((l) => l.msg === 'CATALOG DAMAGED')?.err).toMatch(/--repair-catalog/);
    // A backup that meets the damage (the chunks it looks up) fails the same way, and the log says again how to repair.
    const told = server.logLines().filter((l) => l.msg === 'CATALOG DAMAGED').length;
    fs.writeFileSync(path.join(data, 'new'), rnd.bytes(50_000));
    const backup = await runCli(['-c', conf, '-e']);
    expect(backup.code).not.toBe(0);
    expect(backup.stderr).toContain("the server's catalog is damaged: its operator must repair it");
    const again = server.logLines().filter((l) => l.msg === 'CATALOG DAMAGED');
    expect(again.length).toBeGreaterThan(told);
    expect(again[again.length - 1]!.err).toMatch(/stop cpsbackupd, keep a copy of .*--repair-catalog/);
    fs.rmSync(path.join(data, 'new'));
    await server.stop();

    const repair = spawnSync(process.execPath, [SERVER_BIN, '-c', server.confFile, '--repair-catalog'], { encoding: 'utf8' });
    expect(repair.stderr).toBe('');
    expect(repair.status).toBe(0);
    expect(repair.stdout).toMatch(/rebuilt: 1 clients, 1 available and 1 failed backups/); // the backup that met the damage failed
    await server.start(port);
    try {
      expect((await runCli(['-c', conf, '-i', '--to', to])).code).toBe(0);
      expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
      expect(JSON.parse((await runCli(['-c', conf, '--verify', '--json'])).stdout).ok).toBe(true);
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0); // and backups go on
    } finally {
      await server.stop();
    }
  });

  test('the catalog lost with its directory: rebuild-catalog brings every backup back from the packs and records alone', async () => {
    const server = new TestServer(path.join(root, 'lost'), pki);
    const clients = ['lost-a', 'lost-b'];
    for (const c of clients) server.addClient(c, ['dedup_group = lost']);
    await server.start();
    try {
      const setups = clients.map((c) => {
        const data = path.join(root, `${c}-data`);
        fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
        const rnd = new SeededRandom(c);
        for (let i = 0; i < 120; i++) fs.writeFileSync(path.join(data, i % 3 ? 'sub' : '', `f${i}`), rnd.bytes(2_000 + i * 37));
        fs.writeFileSync(path.join(data, 'big'), rnd.bytes(3_000_000));
        fs.symlinkSync('sub/f1', path.join(data, 'link'));
        return { c, data, conf: writeNodeConf(path.join(root, c), server, { cname: c, cert: pki.client(c), include: [data] }) };
      });
      const snapshots = new Map<string, ReturnType<typeof snapshotTree>>();
      for (const s of setups) {
        expect((await runCli(['-c', s.conf, '-e'])).code).toBe(0);
        fs.writeFileSync(path.join(s.data, 'sub', 'f1'), 'changed');
        expect((await runCli(['-c', s.conf, '-e', '--name', 'second', '--description', 'after f1 changed'])).code).toBe(0);
        snapshots.set(s.c, snapshotTree(s.data));
      }
      const listOf = async (conf: string) => (await runCli(['-c', conf, '-l', '--json'])).stdout;
      const before = await Promise.all(setups.map((s) => listOf(s.conf)));
      const port = server.port;
      await server.stop();

      // The disaster: everything but the storage (packs and records) is gone.
      for (const f of fs.readdirSync(server.storeDir)) if (f !== 'packs' && f !== 'records') fs.rmSync(path.join(server.storeDir, f), { recursive: true });
      // Started as it is, the daemon would take every pack for garbage: it refuses, and says what to run.
      const started = spawnSync(process.execPath, [SERVER_BIN, '-c', server.confFile], { encoding: 'utf8', timeout: 30_000 });
      expect(started.status).not.toBe(0);
      expect(started.stdout + started.stderr).toMatch(/catalog\.db is missing, but .*packs holds \d+ packs and the records of 2 clients: .*rebuild-catalog/);
      // --repair-catalog has no old rows to go on: it refuses too, rather than name no backup over full packs.
      const refused = spawnSync(process.execPath, [SERVER_BIN, '-c', server.confFile, '--repair-catalog'], { encoding: 'utf8' });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/catalog\.db is missing: a catalog rebuilt from it would name no backup .*rebuild-catalog/);
      expect(fs.readdirSync(server.storeDir).filter((f) => f.startsWith('catalog.db'))).toEqual([]);

      const rebuild = spawnSync(process.execPath, [SERVER_BIN, '-c', server.confFile, 'rebuild-catalog'], { encoding: 'utf8' });
      expect(rebuild.stderr).toBe('');
      expect(rebuild.status).toBe(0);
      expect(rebuild.stdout).toMatch(/backup records/);
      expect(rebuild.stdout).toMatch(/rebuilt: 2 clients, 4 available and 0 failed backups/);
      await server.start(port);
      for (const [i, s] of setups.entries()) {
        expect(await listOf(s.conf)).toBe(before[i]);
        const to = path.join(root, `${s.c}-restored`);
        expect((await runCli(['-c', s.conf, '-i', '--to', to])).code).toBe(0);
        expect(snapshotTree(path.join(to, s.data))).toEqual(snapshots.get(s.c));
        const first = path.join(root, `${s.c}-first`);
        expect((await runCli(['-c', s.conf, '-i', '1', '--to', first])).code).toBe(0);
        expect(fs.readFileSync(path.join(first, s.data, 'sub', 'f1')).length).toBe(2_037);
      }
      expect(JSON.parse((await runCli(['-c', setups[0]!.conf, '--verify', '--json'])).stdout).ok).toBe(true);
      const third = await runCli(['-c', setups[0]!.conf, '-e', '--json']);
      expect(third.code).toBe(0);
      expect(JSON.parse(third.stdout).backup.number).toBe(3);
    } finally {
      await server.stop();
    }
  });
});
