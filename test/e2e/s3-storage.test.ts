/**
 * cpsbackupd with storage = s3, end to end: the real daemon and CLI, a real
 * S3-compatible server process (s3rver, or Ceph RGW under CPSBACKUP_S3=rgw)
 * behind the fault proxy. Backups and
 * restores bit-exact; the server's directory lost and rebuilt from the
 * bucket; throttling and dropped connections during a backup; credentials
 * reread on SIGHUP and never logged.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { followAdvice, requireBuild, runCli, snapshotTree, tempDir, TestPki, TestServer, until, writeNodeConf } from '@cpsbackup/testkit/e2e';
import { s3Kind, TestS3 } from '@cpsbackup/testkit/s3';

requireBuild();
const root = tempDir('e2e-s3');
const pki = new TestPki(path.join(root, 'pki'));
let s3: TestS3;
/** The bucket's secret key: the test also checks it never reaches the log. */
let SECRET: string;
/** The bucket's name, as a regular expression. */
const bucketRe = () => s3.bucket.replace(/[-.]/g, '\\$&');
let server: TestServer;
const credentials = path.join(root, 's3-credentials');

beforeAll(async () => {
  s3 = await TestS3.startFor(s3Kind(), path.join(root, 's3-data'), 'e2e-s3');
  SECRET = s3.key.secretAccessKey;
  fs.writeFileSync(credentials, `# the bucket's key\naccess_key_id = ${s3.key.accessKeyId}\nsecret_access_key = ${SECRET}\n`, { mode: 0o600 });
  server = new TestServer(path.join(root, 'server'), pki, [
    'storage = s3',
    `s3_endpoint = ${s3.endpoint}`,
    `s3_bucket = ${s3.bucket}`,
    's3_prefix = fleet1/',
    `s3_credentials_file = ${credentials}`,
    's3_cache_size = 1M',
    's3_retry_time = 10s', // a storage that keeps failing fails the backup after that long
  ]);
  server.addClient('web1');
  await server.start();
});
afterAll(async () => {
  await server?.stop();
  await s3?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

function makeData(dir: string, seed: string): void {
  const rnd = new SeededRandom(seed);
  fs.mkdirSync(path.join(dir, 'etc', 'app'), { recursive: true });
  for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(dir, 'etc', 'app', `conf${i}`), rnd.bytes(500 + ((i * 53) % 9000)));
  fs.writeFileSync(path.join(dir, 'db.dump'), rnd.bytes(6_000_000));
  fs.symlinkSync('etc/app/conf1', path.join(dir, 'link'));
}

test('backups go to the bucket (not the directory) and restore bit-exact; throttling and dropped connections mid-backup are ridden out', async () => {
  const data = path.join(root, 'web1-data');
  makeData(data, 'web1');
  const conf = writeNodeConf(path.join(root, 'web1'), server, { cname: 'web1', cert: pki.client('web1'), include: [data] });
  expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
  expect(fs.existsSync(path.join(server.storeDir, 'packs'))).toBe(false);
  const first = snapshotTree(data);

  fs.writeFileSync(path.join(data, 'etc', 'app', 'conf7'), 'changed');
  s3.proxy.inject({ action: { kind: 'throttle' }, times: 3 });
  s3.proxy.inject({ action: { kind: 'reset' }, times: 2 });
  const second = await runCli(['-c', conf, '-e', '--json']);
  expect(second.stderr).toBe('');
  expect(second.code).toBe(0);
  expect(JSON.parse(second.stdout).backup.number).toBe(2);

  const to = path.join(root, 'restored');
  expect((await runCli(['-c', conf, '-i', '--to', to])).code).toBe(0);
  expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
  const to1 = path.join(root, 'restored-1');
  expect((await runCli(['-c', conf, '-i', '1', '--to', to1])).code).toBe(0);
  expect(snapshotTree(path.join(to1, data))).toEqual(first);
  expect(server.log).not.toContain(SECRET);
  expect(server.log).toMatch(new RegExp(`"packs":"s3://${bucketRe()}/fleet1/`));
});

test('an object store that refuses uploads fails the backup with a message naming it; nothing is acknowledged; the next backup succeeds', async () => {
  const data = path.join(root, 'web1-data');
  const conf = path.join(root, 'web1', 'web1-node.conf');
  fs.writeFileSync(path.join(data, 'new-file'), new SeededRandom('new').bytes(2_000_000));
  s3.proxy.inject({ action: { kind: 'error' }, times: 10_000, match: (req) => req.method === 'PUT' || req.method === 'POST' });
  const failed = await runCli(['-c', conf, '-e']);
  s3.proxy.clearFaults();
  expect(failed.code).not.toBe(0);
  // The agent learns that the server's storage failed, not where it is nor what it answered: the server's log says.
  expect(failed.stderr).toMatch(
    /the server's object storage kept failing or not answering for 10 s \(s3_retry_time; the server's log says what it answered\); nothing was committed: its operator must get the storage answering again/,
  );
  expect(failed.stderr).not.toMatch(/s3:|fleet1|InternalError|127\.0\.0\.1/);
  expect(failed.stderr).not.toMatch(/answers again/); // it never did
  expect(server.log.split('\n').find((l) => l.includes('"msg":"backup failed"'))).toMatch(
    new RegExp(
      `storage did not take a pack \\(upload of pack [0-9a-f]+ in s3://${bucketRe()}/fleet1/ at http://127\\.0\\.0\\.1:\\d+ failed after \\d+ attempts over 10 s \\(the storage kept failing or not answering for all of s3_retry_time = 10 s: check the object store, its gateway and its free space\\): InternalError`,
    ),
  );
  const list = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout);
  expect(list.backups.map((b: { number: number; status: string }) => [b.number, b.status])).toEqual([
    [1, 'available'],
    [2, 'available'],
    [3, 'error'],
  ]);
  const ok = await runCli(['-c', conf, '-e', '--json']);
  expect(ok.code).toBe(0);
  const to = path.join(root, 'restored-4');
  expect((await runCli(['-c', conf, '-i', '--to', to])).code).toBe(0);
  expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
});

test("the server's directory lost: rebuild-catalog from the bucket alone; every backup lists and restores bit-exact; SIGHUP rereads the credentials", async () => {
  const conf = path.join(root, 'web1', 'web1-node.conf');
  const data = path.join(root, 'web1-data');
  const listOf = async () => (await runCli(['-c', conf, '-l', '--json'])).stdout;
  const before = JSON.parse(await listOf());
  const port = server.port;
  await server.stop();
  for (const f of fs.readdirSync(server.storeDir)) fs.rmSync(path.join(server.storeDir, f), { recursive: true });
  const rebuild = await server.command(['rebuild-catalog']); // not spawnSync: the fault proxy runs in this process and must keep serving
  expect(rebuild.stderr).toBe('');
  expect(rebuild.status).toBe(0);
  expect(rebuild.stdout).toMatch(new RegExp(`backup records in s3://${bucketRe()}/fleet1/records/`));
  expect(rebuild.stdout).toMatch(/rebuilt: 1 clients, 3 available and 0 failed backups/); // a failed backup has no record
  await server.start(port);
  const after = JSON.parse(await listOf());
  expect(after.backups).toEqual(before.backups.filter((b: { status: string }) => b.status === 'available'));
  for (const n of [1, 2, 4]) {
    const to = path.join(root, `rebuilt-${n}`);
    expect((await runCli(['-c', conf, '-i', String(n), '--to', to])).code).toBe(0);
    if (n === 4) expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
  }
  expect(JSON.parse((await runCli(['-c', conf, '--verify', '--json'])).stdout).ok).toBe(true);

  // A broken credentials file on SIGHUP: said so, the previous key stays in use.
  fs.writeFileSync(credentials, `access_key_id = ${s3.key.accessKeyId}\n`);
  process.kill(server.pid, 'SIGHUP');
  await waitFor(() => /s3 credentials not reloaded/.test(server.log));
  expect(server.log).toMatch(/must set access_key_id and secret_access_key/);
  expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
  // A key the object store refuses, then the right one again: each takes effect at the next request, without a restart.
  fs.writeFileSync(credentials, 'access_key_id = REVOKED\nsecret_access_key = not-the-secret\n');
  process.kill(server.pid, 'SIGHUP');
  await waitFor(() => (server.log.match(/s3 credentials reloaded/g) ?? []).length >= 1);
  fs.writeFileSync(path.join(data, 'after-rotation'), 'x');
  const refused = await runCli(['-c', conf, '-e']);
  expect(refused.code).not.toBe(0);
  expect(server.log).toMatch(/InvalidAccessKeyId/);
  fs.writeFileSync(credentials, `access_key_id = ${s3.key.accessKeyId}\nsecret_access_key = ${SECRET}\n`);
  process.kill(server.pid, 'SIGHUP');
  await waitFor(() => (server.log.match(/s3 credentials reloaded/g) ?? []).length >= 2);
  expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
  expect(server.log).not.toContain(SECRET);
  expect(server.log).not.toContain('not-the-secret');
});

/** How long until the lease in `prefix` may be taken, judged as the servers judge it: the object store's Date and Last-Modified, the duration it names. */
async function leaseLeftMs(prefix: string): Promise<number> {
  const res = await s3.direct(`/${s3.bucket}/${prefix}lease`);
  const lease = JSON.parse(await res.text()) as { durationMs: number; released?: boolean };
  if (lease.released) return 0;
  const age = Date.parse(res.headers.get('date')!) - Date.parse(res.headers.get('last-modified')!);
  return lease.durationMs + 3000 - age;
}

describe('two servers on one prefix', () => {
  const LEASE_S = 6;
  const shared = (dir: string) =>
    new TestServer(path.join(root, dir), pki, [
      'storage = s3',
      `s3_endpoint = ${s3.endpoint}`,
      `s3_bucket = ${s3.bucket}`,
      's3_prefix = shared/',
      `s3_credentials_file = ${credentials}`,
      `storage_lease = ${LEASE_S}`,
    ]);

  test('the second is refused while the first holds the lease, whatever the operator runs of what it says; every backup the first acknowledged restores from the second once it took over', async () => {
    const a = shared('server-a');
    const b = shared('server-b');
    a.addClient('db1');
    b.addClient('db1');
    await a.start();
    const data = path.join(root, 'db1-data');
    makeData(data, 'db1');
    const confA = writeNodeConf(path.join(root, 'db1-a'), a, { cname: 'db1', cert: pki.client('db1'), include: [data] });
    const acknowledged = new Map<number, ReturnType<typeof snapshotTree>>();
    const backupOnA = async (change: string) => {
      fs.writeFileSync(path.join(data, `${change}.bin`), new SeededRandom(change).bytes(700_000));
      const r = await runCli(['-c', confA, '-e', '--json']);
      expect(r.code).toBe(0);
      acknowledged.set(JSON.parse(r.stdout).backup.number, snapshotTree(data));
    };
    try {
      await backupOnA('first');

      // B started on A's prefix: refused, and the operator follows every message it prints, then A goes on acknowledging, and B is started again.
      for (const round of ['second', 'third']) {
        const refused = await b.tryStart();
        expect(refused).toBeDefined();
        expect(refused).toMatch(
          new RegExp(`s3://${bucketRe()}/shared/ is in use by another cpsbackupd \\(store directory .*server-a/store on .*, process \\d+\\)`),
        );
        expect(refused).toContain(`process ${a.pid}`);
        expect(refused).toMatch(/its lease was renewed \d+ s ago and lasts 6 s, so it expires in \d+ s unless that server renews it/);
        for (const step of await followAdvice(refused!, b, a.confDir)) {
          expect(step.status).not.toBe(0); // refused, and says why: the same lease
          expect(step.output).toMatch(/is in use by another cpsbackupd .*rebuild-catalog refuses to run, and nothing was changed/);
        }
        await backupOnA(round);
      }

      // A freezes (a hung process, a paused VM) past its lease: B takes over once the lease expired by the object store's clock.
      process.kill(a.pid, 'SIGSTOP');
      const stillHeld = await b.tryStart();
      expect(stillHeld).toMatch(/is in use by another cpsbackupd/);
      while ((await leaseLeftMs('shared/')) > 0) await new Promise((r) => setTimeout(r, 200));
      const notOurs = await b.tryStart();
      expect(notOurs).toMatch(
        /belongs to another cpsbackupd \(store directory .*server-a\/store on .*\), whose lease expired \d+ s ago: this server's catalog does not describe it/,
      );
      // B was started on A's prefix by mistake, without A's configuration: the operator has A's configuration
      // backup (its records key) and restores the key when a message says to, as OPERATIONS.md says for a rebuild.
      const steps = await followAdvice(notOurs!, b, a.confDir);
      expect(steps.map((x) => [x.command, x.status])).toEqual([
        ['rebuild-catalog', 1],
        ['restore records.key', 0],
        ['rebuild-catalog', 0],
      ]);
      expect(steps[0]!.output).toContain(
        `the key that signs them is not at ${b.recordsKeyFile}: restore it from the backup of the server's configuration, then run this again`,
      );
      expect(await b.tryStart()).toBeUndefined();

      // A wakes up: it acknowledges nothing any more, and says why.
      process.kill(a.pid, 'SIGCONT');
      fs.writeFileSync(path.join(data, 'after-takeover.bin'), new SeededRandom('late').bytes(300_000));
      const late = await runCli(['-c', confA, '-e']);
      expect(late.code).not.toBe(0);
      expect(late.stderr).toMatch(/this server no longer owns its storage \(the server's log says why\); nothing was committed/);
      expect(late.stderr).not.toMatch(/s3:|shared\//);
      await waitFor(() => /storage ownership lost/.test(a.log));
      expect(a.log).toMatch(new RegExp(`this server lost s3://${bucketRe()}/shared/: another server took the lease \\(store directory .*server-b/store`));
      // Restarted, A is refused in turn (B holds the lease), and what it says to run is refused too.
      await a.stop();
      const aRefused = await a.tryStart();
      expect(aRefused).toMatch(/is in use by another cpsbackupd \(store directory .*server-b\/store/);
      for (const step of await followAdvice(aRefused!, a)) expect(step.status).not.toBe(0);

      // Every backup A acknowledged lists and restores bit-exact from B.
      const confB = writeNodeConf(path.join(root, 'db1-b'), b, { cname: 'db1', cert: pki.client('db1'), include: [data] });
      const list = JSON.parse((await runCli(['-c', confB, '-l', '--json'])).stdout) as { backups: Array<{ number: number; status: string }> };
      expect(list.backups.filter((x) => x.status === 'available').map((x) => x.number)).toEqual([...acknowledged.keys()]);
      for (const [n, snap] of acknowledged) {
        const to = path.join(root, `shared-restored-${n}`);
        const r = await runCli(['-c', confB, '-i', String(n), '--to', to]);
        expect(r.code).toBe(0);
        expect(snapshotTree(path.join(to, data))).toEqual(snap);
      }
      expect(JSON.parse((await runCli(['-c', confB, '--verify', '--json'])).stdout).ok).toBe(true);
    } finally {
      try {
        process.kill(a.pid, 'SIGCONT'); // never left stopped, whatever failed
      } catch {
        // it has exited
      }
      await a.stop();
      await b.stop();
    }
  }, 180_000);
});

/** Waits for what `cond` looks at to happen (a hang fails by the test's timeout). */
function waitFor(cond: () => boolean): Promise<void> {
  return until(String(cond), cond);
}
