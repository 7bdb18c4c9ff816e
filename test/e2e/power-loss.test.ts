/**
 * Power loss, not process death: cpsbackupd's store lives on an ext4
 * filesystem on a loop device, and the device image is copied at chosen
 * instants (right after an acknowledgement, mid-backup, while GC rewrites
 * packs, right after retention) without syncing anything, as a power cut
 * would leave it. Each copy is then mounted (ext4 replays its journal) and
 * must start, verify clean, and restore every backup acknowledged before
 * the copy, bit for bit; and again after its catalog is deleted and rebuilt
 * from the packs and backup records alone (`cpsbackupd rebuild-catalog`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import {
  freePort,
  loopDevicesUnavailable,
  LoopDisk,
  requireBuild,
  runCli,
  SERVER_BIN,
  snapshotTree,
  tempDir,
  TestPki,
  TestServer,
  type TreeRecord,
  until,
  writeNodeConf,
} from '@cpsbackup/testkit/e2e';
import { useS3 } from '@cpsbackup/testkit/s3';

const unavailable = loopDevicesUnavailable();
if (unavailable) {
  // Said plainly in the output, so a skipped run is not mistaken for a pass.
  console.warn(`power-loss tests SKIPPED: ${unavailable}`);
}
const describeWithLoop = unavailable ? describe.skip : describe;
const objectStore = useS3('power-s3');

/** A copy of the disk image and what it must hold. */
interface PowerCut {
  label: string;
  image: string;
  /** Backups acknowledged before the copy, with the tree each must restore to. */
  acknowledged: Map<number, Map<string, TreeRecord>>;
}

/** Names of the pack files in a store (its packs/<xx>/ directories). */
function packFiles(store: string): Set<string> {
  const out = new Set<string>();
  const dir = path.join(store, 'packs');
  if (!fs.existsSync(dir)) return out;
  for (const sub of fs.readdirSync(dir)) {
    try {
      for (const f of fs.readdirSync(path.join(dir, sub))) out.add(f);
    } catch {
      // a directory being created
    }
  }
  return out;
}

/** The packs a store's catalog records as sealed (read-only). */
function sealedPacks(catalogFile: string): Set<string> {
  const db = new Database(catalogFile, { readonly: true });
  try {
    return new Set(db.prepare(`SELECT name FROM packs WHERE state = 'sealed'`).pluck().all() as string[]);
  } finally {
    db.close();
  }
}

/** Resolves once `pred` holds for the store's pack files (looked at every 2 ms: a copy follows the event closely); `what` names it. */
function whenPacks(store: string, what: string, pred: (packs: Set<string>) => boolean): Promise<void> {
  return until(what, () => pred(packFiles(store)), undefined, 2);
}

/** Every file under a store's records/ directory, by relative path. */
function readRecords(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const visit = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) visit(r);
      else out.set(r, fs.readFileSync(path.join(dir, r)));
    }
  };
  if (fs.existsSync(dir)) visit('');
  return out;
}

function writeFiles(dir: string, seed: string, count: number, size: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const rnd = new SeededRandom(seed);
  for (let i = 0; i < count; i++) fs.writeFileSync(path.join(dir, `${seed}-${i}`), rnd.bytes(size));
}

describeWithLoop('power loss (ext4 on a loop device, image copied without a sync)', () => {
  let root: string;
  let pki: TestPki;
  let disk: LoopDisk | undefined;
  const cuts: PowerCut[] = [];

  beforeAll(() => {
    requireBuild();
    root = tempDir('power');
    pki = new TestPki(path.join(root, 'pki'));
  });
  afterAll(() => {
    disk?.detach();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('copies taken after acks, mid-backup, during GC and after retention all restore what was acknowledged', async () => {
    disk = LoopDisk.create(path.join(root, 'disk.img'), path.join(root, 'mnt'), 600);
    const server = new TestServer(path.join(disk.mountPoint, 'srv'), pki, ['keep = 2', 'gc_grace = 0']);
    server.addClient('pl');
    server.logLevel = 'warn';
    await server.start(await freePort());
    const store = server.storeDir;
    const data = path.join(root, 'data');
    const conf = writeNodeConf(root, server, { cname: 'pl', cert: pki.client('pl'), include: [data] });
    const acknowledged = new Map<number, Map<string, TreeRecord>>();
    let n = 0;
    const cut = (label: string) => {
      const image = path.join(root, `cut-${++n}.img`);
      disk!.powerCutCopy(server.pid, image);
      cuts.push({ label, image, acknowledged: new Map(acknowledged) });
    };
    const backup = async (number: number) => {
      const r = await runCli(['-c', conf, '-e']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      acknowledged.set(number, snapshotTree(data));
    };

    try {
      // 1. ~70 MB of new data: the packs roll over (32 MiB) twice within one backup.
      writeFiles(path.join(data, 'a'), 'a', 70, 1_000_000);
      await backup(1);
      cut('right after the ack of backup 1 (packs rolled over mid-backup)');

      // 2. Half of backup 1's files go, new ones come; a copy while backup 2 writes its second new pack.
      for (let i = 1; i < 70; i += 2) fs.rmSync(path.join(data, 'a', `a-${i}`));
      writeFiles(path.join(data, 'b'), 'b', 75, 1_000_000);
      const before = packFiles(store);
      const running = backup(2);
      await whenPacks(store, 'two new packs in backup 2', (p) => [...p].filter((f) => !before.has(f)).length >= 2);
      cut('mid-backup 2, just after a pack rolled over');
      await running;
      cut('right after the ack of backup 2');

      // 3. Delete backup 1: its packs are half dead, so GC rewrites them (gc_grace = 0).
      const packsBeforeGc = packFiles(store);
      const deleting = runCli(['-c', conf, '-d', '1']);
      acknowledged.delete(1); // GC starts after the delete committed: backup 1 may be gone in the copies below
      await whenPacks(store, 'a pack written by GC', (p) => [...p].some((f) => !packsBeforeGc.has(f)));
      cut('during GC: a rewritten pack is being written');
      await whenPacks(store, 'a pack deleted by GC', (p) => [...packsBeforeGc].some((f) => !p.has(f)));
      cut('during GC: old packs being removed');
      expect((await deleting).code).toBe(0);

      // 4. Retention (keep = 2): backup 4's commit deletes backup 2.
      writeFiles(path.join(data, 'c'), 'c', 20, 1_000_000);
      await backup(3);
      writeFiles(path.join(data, 'd'), 'd', 20, 1_000_000);
      await backup(4);
      acknowledged.delete(2);
      cut('right after the ack of backup 4, retention having deleted backup 2');
    } finally {
      await server.stop();
      disk.detach();
      disk = undefined;
    }

    // Each copy: mount (journal replay), start cpsbackupd on it, check everything acknowledged.
    const failures: string[] = [];
    for (const [i, c] of cuts.entries()) {
      const mnt = path.join(root, `check-mnt-${i}`);
      const copy = LoopDisk.mountImage(c.image, mnt);
      const checker = new TestServer(path.join(root, `check-${i}`), pki);
      checker.storeDir = path.join(mnt, 'srv', 'store');
      // The server's configuration is restored with its store, records key included: the copy holds it (srv/server-conf).
      checker.restoreRecordsKey(path.join(mnt, 'srv', 'server-conf', 'records.key'));
      checker.addClient('pl');
      // The backup records as the power cut left them (cpsbackupd's start brings them in line with the catalog).
      const recordsAtCut = readRecords(path.join(checker.storeDir, 'records'));
      try {
        try {
          await checker.start();
        } catch (err) {
          failures.push(`${c.label}: cpsbackupd does not start on the copy: ${(err as Error).message}`);
          continue;
        }
        const checkConf = writeNodeConf(path.join(root, `check-${i}`), checker, { cname: 'pl', cert: pki.client('pl'), include: [data] });
        const v = await runCli(['-c', checkConf, '--verify', '--json']);
        if (v.code !== 0) failures.push(`${c.label}: verify exit ${v.code}: ${v.stdout}${v.stderr}`);
        for (const [number, tree] of c.acknowledged) {
          const to = path.join(root, `restore-${i}-${number}`);
          const r = await runCli(['-c', checkConf, '-i', String(number), '--to', to]);
          if (r.code !== 0) failures.push(`${c.label}: restore of backup ${number} exit ${r.code}: ${r.stderr}`);
          else expect(snapshotTree(path.join(to, data))).toEqual(tree);
          fs.rmSync(to, { recursive: true, force: true });
        }
        await checker.stop();
        try {
          execFileSync(process.execPath, [SERVER_BIN, '-c', checker.confFile, '--verify'], { encoding: 'utf8' });
        } catch (err) {
          const e = err as { status: number; stdout: string; stderr: string };
          failures.push(`${c.label}: cpsbackupd --verify exit ${e.status}: ${e.stdout}${e.stderr}`);
        }

        // The catalog lost as well: the packs and the records as they were at the cut must rebuild every acknowledged backup.
        const records = path.join(checker.storeDir, 'records');
        fs.rmSync(records, { recursive: true });
        for (const [rel, bytes] of recordsAtCut) {
          fs.mkdirSync(path.dirname(path.join(records, rel)), { recursive: true });
          fs.writeFileSync(path.join(records, rel), bytes);
        }
        for (const f of fs.readdirSync(checker.storeDir)) if (f.startsWith('catalog.db')) fs.rmSync(path.join(checker.storeDir, f));
        const rebuild = spawnSync(process.execPath, [SERVER_BIN, '-c', checker.confFile, 'rebuild-catalog'], { encoding: 'utf8' });
        if (rebuild.status !== 0) failures.push(`${c.label}: rebuild-catalog exit ${rebuild.status}: ${rebuild.stdout}${rebuild.stderr}`);
        else {
          await checker.start();
          const rebuiltConf = writeNodeConf(path.join(root, `check-${i}`), checker, { cname: 'pl', cert: pki.client('pl'), include: [data] });
          for (const [number, tree] of c.acknowledged) {
            const to = path.join(root, `rebuilt-${i}-${number}`);
            const r = await runCli(['-c', rebuiltConf, '-i', String(number), '--to', to]);
            if (r.code !== 0) failures.push(`${c.label}: after rebuild-catalog, restore of backup ${number} exit ${r.code}: ${r.stderr}`);
            else expect(snapshotTree(path.join(to, data))).toEqual(tree);
            fs.rmSync(to, { recursive: true, force: true });
          }
        }
      } finally {
        await checker.stop();
        copy.detach();
        fs.rmSync(c.image, { force: true });
      }
    }
    const restored = cuts.reduce((n, c) => n + c.acknowledged.size, 0);
    console.log(
      `power loss: ${cuts.length} image copies (${cuts.map((c) => c.label).join('; ')}), ${restored} acknowledged backups restored bit-exact, ${failures.length} failures`,
    );
    expect(failures).toEqual([]);
  }, 600_000);

  test('storage = s3: a cut while sealed packs wait for their upload; the copy uploads them at start and every acknowledged backup restores', async () => {
    const s3 = objectStore.s3;
    const disk2 = LoopDisk.create(path.join(root, 'disk-s3.img'), path.join(root, 'mnt-s3'), 700);
    const credentials = path.join(root, 's3.credentials');
    fs.writeFileSync(credentials, 'access_key_id = S3RVER\nsecret_access_key = S3RVER\n', { mode: 0o600 });
    const s3Conf = ['storage = s3', `s3_endpoint = ${s3.endpoint}`, `s3_bucket = ${s3.bucket}`, 's3_prefix = power/', `s3_credentials_file = ${credentials}`];
    const server = new TestServer(path.join(disk2.mountPoint, 'srv'), pki, s3Conf);
    server.addClient('pl3');
    server.logLevel = 'warn';
    const data = path.join(root, 'data-s3');
    const image = path.join(root, 'cut-s3.img');
    let first: Map<string, TreeRecord>;
    let running: Promise<{ code: number }>;
    try {
      await server.start(await freePort());
      const conf = writeNodeConf(path.join(root, 's3-node'), server, { cname: 'pl3', cert: pki.client('pl3'), include: [data] });
      writeFiles(path.join(data, 'a'), 'sa', 40, 1_000_000);
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
      first = snapshotTree(data);
      // The object store stops answering uploads: backup 2's packs are sealed and wait on the server's disk.
      s3.proxy.inject({ action: { kind: 'delay', ms: 120_000 }, times: 100_000, match: (req) => req.method === 'PUT' || req.method === 'POST' });
      // 220 MB: past the first background round (128 MiB), which records its packs in the catalog, sealed.
      writeFiles(path.join(data, 'b'), 'sb', 220, 1_000_000);
      running = runCli(['-c', conf, '-e']);
      const staging = path.join(server.storeDir, 's3', 'staging');
      // Cut once the catalog names at least three of them sealed (a background round recorded them), not merely once they are written.
      const catalog = path.join(server.storeDir, 'catalog.db');
      await whenPacks(staging, 'six packs staged for the stalled object store, three of them recorded sealed', (p) => {
        if (p.size < 6) return false;
        const known = sealedPacks(catalog);
        return [...p].filter((f) => known.has(f.replace(/\.pack$/, ''))).length >= 3;
      });
      disk2.powerCutCopy(server.pid, image, 'die');
    } finally {
      s3.proxy.clearFaults();
      await server.stop();
      disk2.detach();
    }
    expect((await running!).code).not.toBe(0); // backup 2 was never acknowledged

    const mnt = path.join(root, 'check-s3-mnt');
    const copy = LoopDisk.mountImage(image, mnt);
    const checker = new TestServer(path.join(root, 'check-s3'), pki, s3Conf);
    checker.storeDir = path.join(mnt, 'srv', 'store');
    checker.restoreRecordsKey(path.join(mnt, 'srv', 'server-conf', 'records.key')); // restored with the store, as above
    checker.addClient('pl3');
    try {
      expect(packFiles(path.join(checker.storeDir, 's3', 'staging')).size).toBeGreaterThanOrEqual(4); // what waited for its upload survived the cut
      const known = sealedPacks(path.join(checker.storeDir, 'catalog.db'));
      expect([...packFiles(path.join(checker.storeDir, 's3', 'staging'))].filter((f) => known.has(f.replace(/\.pack$/, ''))).length).toBeGreaterThanOrEqual(3);
      // Without the copy's pack cache, backup 1 can only come from the bucket: its ack waited for its uploads.
      fs.rmSync(path.join(checker.storeDir, 's3', 'cache'), { recursive: true, force: true });
      await checker.start();
      // Started: the sealed packs the catalog names were uploaded (verify below reads them from the bucket), the others discarded.
      expect(packFiles(path.join(checker.storeDir, 's3', 'staging')).size).toBe(0);
      // From here on every pack is read from the bucket: restarted without the cache the uploads filled.
      await checker.stop();
      fs.rmSync(path.join(checker.storeDir, 's3', 'cache'), { recursive: true, force: true });
      await checker.start();
      const conf = writeNodeConf(path.join(root, 'check-s3'), checker, { cname: 'pl3', cert: pki.client('pl3'), include: [data] });
      const v = await runCli(['-c', conf, '--verify', '--json']);
      expect(v.stderr).toBe('');
      expect(JSON.parse(v.stdout).ok).toBe(true);
      const to = path.join(root, 'restore-s3-1');
      expect((await runCli(['-c', conf, '-i', '1', '--to', to])).code).toBe(0);
      expect(snapshotTree(path.join(to, data))).toEqual(first!);
      // And it goes on: the next backup (deduplicated against what the cut left) restores whole.
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
      const to3 = path.join(root, 'restore-s3-3');
      expect((await runCli(['-c', conf, '-i', '--to', to3])).code).toBe(0);
      expect(snapshotTree(path.join(to3, data))).toEqual(snapshotTree(data));
    } finally {
      await checker.stop();
      copy.detach();
      fs.rmSync(image, { force: true });
    }
  }, 300_000);
});
