import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import type { StatusReport } from '@cpsbackup/server';
import type { GcReport } from '@cpsbackup/store';
import { freePort, requireBuild, runCli, snapshotTree, tempDir, TestPki, TestServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

const MiB = 1024 * 1024;

/** What a node is told by the backup that meets the full disk, and by every one refused after it. */
const ADVICE =
  "its operator must delete old backups (cpsbackup -d NUMBER, or cpsbackupd prune) and run cpsbackupd gc, or free space on the server's disk; " +
  'backups resume by themselves once there is room';

/** Writes files `prefix-N` of up to 16 MiB each until the filesystem refuses another byte; returns them. */
function fillDisk(prefix: string): string[] {
  const files: string[] = [];
  for (let full = false; !full;) {
    const file = `${prefix}-${files.length}`;
    files.push(file);
    const fd = fs.openSync(file, 'a');
    try {
      let written = 0;
      for (const size of [MiB, 4096, 1]) {
        const block = Buffer.alloc(size, 0xa5);
        try {
          while (written + size <= 16 * MiB) written += fs.writeSync(fd, block);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          full = true;
        }
        if (!full) break;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return files;
}

/**
 * A store on a small disk holds two clients' backups whose chunks share
 * packs (alice's and bob's backups took turns filling them). The disk
 * fills, a backup fails, the disk is filled to the last block, cpsbackupd
 * restarts in low-space mode; the operator deletes bob's backups and runs
 * `cpsbackupd gc`. Rewriting every mixed pack at once needs more room than
 * is free; GC must rewrite them in an order the free space allows (the
 * least live data first, each deleted pack making room for the next), or
 * say what it could not rewrite, how much that would free and how much
 * room it needs.
 */
describe('garbage collection on a disk short of space', () => {
  let root: string;
  let pki: TestPki;
  const mounts: string[] = [];

  beforeAll(() => {
    requireBuild();
    root = tempDir('full-disk-gc');
    pki = new TestPki(path.join(root, 'pki'));
  });
  afterAll(() => {
    for (const m of mounts) spawnSync('umount', ['-l', m]);
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** A fresh 96 MiB tmpfs (reserves of 6 MiB each) with a server on it holding alice and bob. */
  async function smallDisk(name: string) {
    const mountPoint = path.join(root, name);
    fs.mkdirSync(mountPoint);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', mountPoint]);
    } catch (err) {
      throw new Error(`this test needs root to mount a small tmpfs: ${(err as Error).message}`, { cause: err });
    }
    mounts.push(mountPoint);
    // A lease renewal that meets the filled disk puts the server in low-space mode at once, so the backup that
    // should be the first to meet it would be refused at its start instead: the lease is not renewed during the test.
    const server = new TestServer(path.join(mountPoint, 'srv'), pki, ['storage_lease = 3600']);
    server.statusPort = await freePort();
    server.addClient('alice');
    server.addClient('bob');
    await server.start();
    const node = (cname: string) => {
      const data = path.join(root, `${name}-data`, cname); // off the small disk
      fs.mkdirSync(data, { recursive: true });
      const conf = writeNodeConf(path.join(root, `${name}-node`), server, { cname, cert: pki.client(cname), include: [data] });
      const put = (file: string, bytes: number) => fs.writeFileSync(path.join(data, file), new SeededRandom(`${name}/${cname}/${file}`).bytes(bytes));
      const backup = async () => {
        const r = await runCli(['-c', conf, '-e']);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
      };
      return { data, conf, put, backup };
    };
    const free = () => {
      const s = fs.statfsSync(mountPoint);
      return s.bavail * s.bsize;
    };
    const status = async () => (await (await fetch(`http://127.0.0.1:${server.statusPort}/status`)).json()) as StatusReport;
    const gc = async () => {
      const r = await server.command(['gc', '--json']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      return (JSON.parse(r.stdout) as { report: GcReport }).report;
    };
    /** Bytes of the store's pack files. */
    const packBytes = () => {
      let n = 0;
      const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
          if (e.isDirectory()) walk(path.join(dir, e.name));
          else n += fs.statSync(path.join(dir, e.name)).size;
        }
      };
      walk(path.join(server.storeDir, 'packs'));
      return n;
    };
    return { mountPoint, server, alice: node('alice'), bob: node('bob'), free, status, gc, packBytes };
  }

  type Disk = Awaited<ReturnType<typeof smallDisk>>;

  /**
   * Fills the disk while cpsbackupd runs: alice's next backup is the first to
   * meet it (and spends the running reserve); then the last free block goes
   * and cpsbackupd restarts in low-space mode. Returns the filler files.
   */
  async function fillAndRestart(d: Disk): Promise<string[]> {
    const fillers = fillDisk(path.join(d.mountPoint, 'filler-a'));
    d.alice.put('new', 6_000_000);
    const failed = await runCli(['-c', d.alice.conf, '-e']);
    expect(failed.code).toBe(1);
    // The first backup to meet the full disk is told what to do, as every one refused after it is.
    expect(failed.stderr).toContain(`the storage is full: this backup was not stored (nothing already stored is affected); ${ADVICE}`);
    fs.rmSync(path.join(d.alice.data, 'new'));
    fillers.push(...fillDisk(path.join(d.mountPoint, 'filler-b')));
    expect(d.free()).toBe(0);
    const port = d.server.port;
    await d.server.stop();
    await d.server.start(port);
    expect((await d.status()).lowSpace).not.toBeNull();
    const refused = await runCli(['-c', d.alice.conf, '-e']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `the storage is full: the server takes no new backup until space is freed (listing, restoring and deleting still work); ${ADVICE}`,
    );
    return fillers;
  }

  /** Backups work again with nothing more freed by hand, and alice's backups (their chunks rewritten) restore bit-exact. */
  async function backupsResume(d: Disk): Promise<void> {
    expect(fs.existsSync(path.join(d.server.storeDir, 'reserve'))).toBe(true); // made again at the end of GC: out of low-space mode
    const before = snapshotTree(d.alice.data);
    const to = path.join(root, `restore-${path.basename(d.mountPoint)}`);
    const restored = await runCli(['-c', d.alice.conf, '-i', '--to', to]);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(snapshotTree(path.join(to, d.alice.data))).toEqual(before);
    d.alice.put('fresh', 1_000_000);
    await d.alice.backup();
    const verify = await runCli(['-c', d.alice.conf, '--verify', '--json']);
    expect(JSON.parse(verify.stdout).ok).toBe(true);
  }

  test('rewrites mixed packs in an order the free space allows, and backups resume with nothing freed by hand', async () => {
    const d = await smallDisk('mixed');
    try {
      // pack 1: alice 2 MiB + bob 30 MiB; pack 2: bob ~1 MiB + alice 8 MiB + bob ~23 MiB; pack 3: the rest of bob's.
      d.alice.put('a1', 2 * MiB);
      await d.alice.backup();
      d.bob.put('b1', 31 * MiB);
      await d.bob.backup();
      d.alice.put('a2', 8 * MiB);
      await d.alice.backup();
      d.bob.put('b2', 24 * MiB);
      await d.bob.backup();
      await fillAndRestart(d);

      // The operator does what the message says: bob's backups go, then GC (each delete starts one too; cpsbackupd gc
      // waits for them and runs one more). The 10 MiB of alice's data in the mixed packs do not fit in what is free
      // (one reserve: 6 MiB), 2 MiB do, and then the rest.
      const packsBefore = d.packBytes();
      for (const n of ['1', '2']) expect((await runCli(['-c', d.bob.conf, '-d', n])).code).toBe(0);
      expect(d.free()).toBeLessThan(10 * MiB);
      const report = await d.gc();
      expect(report.noRoom).toBeUndefined();
      // Bob's 55 MiB are gone: alice's data is all that is left in packs.
      expect(packsBefore - d.packBytes()).toBeGreaterThan(50 * MiB);
      expect(d.packBytes()).toBeLessThan(11 * MiB);
      await backupsResume(d);
    } finally {
      await d.server.stop();
    }
    // Read to its end once stopped: no GC said it had no room.
    expect(d.server.logLines().filter((l) => String(l.msg).includes('not rewritten for lack of room'))).toEqual([]);
    expect(d.server.logLines().filter((l) => l.msg === 'garbage collected' && Number(l.movedChunks) > 0).length).toBeGreaterThan(0);
  });

  test('says what it could not rewrite, what that would free and the room it needs; with that room freed, the next GC reclaims it', async () => {
    const d = await smallDisk('no-room');
    let expectedLog: Record<string, unknown> | undefined;
    try {
      // pack 1: alice 9 MiB + bob 23 MiB; pack 2: bob 17 MiB + alice 9 MiB. Without bob, each holds 9 MiB live:
      // no pack is wholly dead, and the smallest rewrite needs more than the 6 MiB free.
      d.alice.put('a1', 9 * MiB);
      await d.alice.backup();
      d.bob.put('b1', 40 * MiB);
      await d.bob.backup();
      d.alice.put('a2', 9 * MiB);
      await d.alice.backup();
      const fillers = await fillAndRestart(d);
      expect((await runCli(['-c', d.bob.conf, '-d', '1'])).code).toBe(0);

      // Backups are still refused (that one asks for a GC too: cpsbackupd gc waits for it).
      expect(fs.existsSync(path.join(d.server.storeDir, 'reserve'))).toBe(false);
      const stillRefused = await runCli(['-c', d.alice.conf, '-e']);
      expect(stillRefused.code).toBe(1);
      expect(stillRefused.stderr).toContain('the storage is full: the server takes no new backup until space is freed');

      const report = await d.gc();
      expect(report.rewrittenPacks).toBe(0);
      const noRoom = report.noRoom!;
      expect(noRoom).toBeDefined();
      expect(noRoom.packs).toHaveLength(2);
      for (const p of noRoom.packs) expect(p.liveBytes).toBeGreaterThan(9 * MiB);
      expect(noRoom.reclaimableBytes).toBeGreaterThan(38 * MiB);
      expect(noRoom.neededBytes).toBeGreaterThan(9 * MiB);
      expect(noRoom.neededBytes).toBeLessThan(10 * MiB);
      expect(noRoom.freeBytes).toBeLessThan(noRoom.neededBytes);
      expect(noRoom.dir).toBe(d.server.storeDir);
      const mib = (n: number, round: (x: number) => number) => `${(round((n / MiB) * 10) / 10).toFixed(1)} MiB`;
      const said =
        `2 packs not rewritten for lack of room, holding ${mib(noRoom.reclaimableBytes, Math.floor)} that rewriting would free: ` +
        `the smallest rewrite needs ${mib(noRoom.neededBytes, Math.ceil)} free on the disk of ${d.server.storeDir}, ${mib(noRoom.freeBytes, Math.floor)} is free; ` +
        `free ${mib(noRoom.neededBytes - noRoom.freeBytes, Math.ceil)} more there (files that are not the store's, or delete more backups: cpsbackup -d NUMBER, cpsbackupd prune), then run cpsbackupd gc again`;
      expectedLog = { level: 40, msg: `GC: ${said}`, store: d.server.storeDir, packs: 2, neededBytes: noRoom.neededBytes, freeBytes: noRoom.freeBytes };
      // The same for a person (free space may have moved by a few KiB since).
      const out = await d.server.command(['gc']);
      expect(out.stderr).toBe('');
      expect(out.status).toBe(0);
      expect(out.stdout).toMatch(
        /^garbage collected: .* \(0 rewritten, 0 chunks moved\).*\nNOT RECLAIMED: 2 packs not rewritten for lack of room, holding [\d.]+ MiB that rewriting would free: the smallest rewrite needs [\d.]+ MiB free on the disk of .*, [\d.]+ MiB is free; free [\d.]+ MiB more there .*, then run cpsbackupd gc again\n$/,
      );
      expect(fs.existsSync(path.join(d.server.storeDir, 'reserve'))).toBe(false);

      // The operator frees what it said was missing (to the next MiB: the catalog's own writes meanwhile take a
      // few KiB) and runs GC again: the smallest rewrite fits, its old pack goes, and that makes room for the other.
      const more = Math.ceil((noRoom.neededBytes - noRoom.freeBytes) / MiB) * MiB;
      const filler = fillers.find((f) => fs.statSync(f).size >= more)!;
      fs.truncateSync(filler, fs.statSync(filler).size - more);
      const packsBefore = d.packBytes();
      const again = await d.gc();
      expect(again.noRoom).toBeUndefined();
      expect(packsBefore - d.packBytes()).toBeGreaterThan(38 * MiB);
      await backupsResume(d);
    } finally {
      await d.server.stop();
    }
    // Read to its end once stopped: the log said it too, at level warn, with the numbers.
    const logged = d.server.logLines().filter((l) => String(l.msg).includes('not rewritten for lack of room'));
    expect(expectedLog).toBeDefined();
    expect(logged).toContainEqual(expect.objectContaining(expectedLog!));
  });
});
