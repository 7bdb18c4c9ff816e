/**
 * cpsbackupd on an object store that stops answering mid-backup, end to
 * end (the real daemon and CLI, s3rver behind the fault proxy): a gateway
 * that goes away and comes back (connections refused), a full cluster
 * whose gateway holds requests past the node's patience, and a node killed
 * while the server waits on its storage. Each step is decided by what the
 * node printed or the server logged, never by the time waited.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { CLI_BIN, requireBuild, runCli, snapshotTree, tempDir, TestPki, TestServer, until, writeNodeConf } from '@cpsbackup/testkit/e2e';
import { s3Kind, TestS3 } from '@cpsbackup/testkit/s3';

requireBuild();
const root = tempDir('e2e-s3-outage');
const pki = new TestPki(path.join(root, 'pki'));
let s3: TestS3;
let server: TestServer;

beforeAll(async () => {
  s3 = await TestS3.startFor(s3Kind(), path.join(root, 's3-data'), 'e2e-s3-outage');
  const credentials = path.join(root, 's3-credentials');
  fs.writeFileSync(credentials, `access_key_id = ${s3.key.accessKeyId}\nsecret_access_key = ${s3.key.secretAccessKey}\n`, { mode: 0o600 });
  server = new TestServer(path.join(root, 'server'), pki, [
    'storage = s3',
    `s3_endpoint = ${s3.endpoint}`,
    `s3_bucket = ${s3.bucket}`,
    's3_prefix = outage/',
    `s3_credentials_file = ${credentials}`,
    's3_cache_size = 1M',
    's3_retry_time = 2m', // longer than any outage here: the backups wait it out
    'gc_grace = 0', // a failed backup's chunks go at the first GC once it is deleted
    // Shorter than the outages here: the lease lapses while the storage does not answer, and is renewed before the commit.
    'storage_lease = 6',
  ]);
  for (const c of ['gw', 'full', 'gone']) server.addClient(c);
  await server.start();
});
afterEach(async () => {
  s3.proxy.release();
  await s3.proxy.comeBack().catch(() => undefined); // listening already
});
afterAll(async () => {
  await server?.stop();
  await s3?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

/** A node's data and node.conf; network_timeout 5 s: less than any storage wait here. */
function node(name: string): { data: string; conf: string } {
  const data = path.join(root, `${name}-data`);
  const rnd = new SeededRandom(name);
  fs.mkdirSync(path.join(data, 'etc'), { recursive: true });
  for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(data, 'etc', `conf${i}`), rnd.bytes(300 + i * 97));
  fs.writeFileSync(path.join(data, 'db.dump'), rnd.bytes(3_000_000));
  const conf = writeNodeConf(path.join(root, name), server, { cname: name, cert: pki.client(name), include: [data] });
  fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/^network_timeout = .*$/m, 'network_timeout = 5'));
  return { data, conf };
}

/** `cpsbackup` running: what it printed so far, and its exit. */
interface RunningCli {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
  gone: () => string | undefined;
}

function startCli(args: string[]): RunningCli {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exit: number | null | undefined;
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => {
      exit = code;
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, stderr: () => stderr, exited, gone: () => (exit !== undefined ? `cpsbackup exited (${exit}): ${stderr}` : undefined) };
}

const WAITING =
  /cpsbackup: the server is waiting on its storage, which has not answered since \S+ \(attempt \d+\); the backup goes on once it answers, or fails if it does not within 2 min \(s3_retry_time on the server\)/;

async function listed(conf: string): Promise<Array<[number, string]>> {
  const list = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout) as { backups: Array<{ number: number; status: string }> };
  return list.backups.map((b) => [b.number, b.status]);
}

test('a gateway that goes away mid-backup and comes back: the node is told the server waits on its storage, then the backup completes and restores bit-exact', async () => {
  const { data, conf } = node('gw');
  // The packs this backup seals find the gateway gone: RGW's radosgw stopped as for a restart, or the proxy refusing connections.
  if (s3.rgw) await s3.rgw.stopGateway('SIGTERM');
  else s3.proxy.goDown();
  const cli = startCli(['-c', conf, '-e']);
  await until('the node to print that the server waits on its storage', () => WAITING.test(cli.stderr()), cli.gone);
  if (s3.rgw) await s3.rgw.startGateway();
  else await s3.proxy.comeBack();
  const done = await cli.exited;
  expect(done.code).toBe(0);
  expect(done.stderr).toMatch(/cpsbackup: the server's storage answers again \(it waited \d+ s\): the backup goes on/);
  expect(done.stdout).toMatch(/^Backup 0*1 available/m);
  if (!s3.rgw) expect(server.log).toMatch(/"lastError":"[^"]*ECONNREFUSED[^"]*".*"msg":"waiting on the storage; the node is told"/);
  const to = path.join(root, 'gw-restored');
  expect((await runCli(['-c', conf, '-i', '--to', to])).code).toBe(0);
  expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
});

test("a full cluster's gateway holding requests past the node's patience: the node is told it waits on storage, does not drop, and the backup completes once space returns", async () => {
  const { data, conf } = node('full');
  // On RGW the cluster made full (writes wait in the gateway); on s3rver the proxy holds every request.
  if (s3.rgw) await s3.rgw.fill();
  else s3.proxy.hold();
  const cli = startCli(['-c', conf, '-e']);
  await until('the node to print that the server waits on its storage', () => WAITING.test(cli.stderr()), cli.gone);
  // Longer than its network_timeout (5 s) already: the server's notices and keep-alives kept it.
  if (s3.rgw) await s3.rgw.unfill();
  else s3.proxy.release();
  const done = await cli.exited;
  expect(done.stderr).not.toMatch(/connection to the server lost/);
  expect(done.code).toBe(0);
  expect(await listed(conf)).toEqual([[1, 'available']]);
  const to = path.join(root, 'full-restored');
  expect((await runCli(['-c', conf, '-i', '--to', to])).code).toBe(0);
  expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
});

// The bucket is listed through s3rver's anonymous HTTP: on RGW this one is left to s3rver.
(s3Kind() === 'rgw' ? test.skip : test)(
  'a node killed while the server waits on its storage: once the storage answers, that backup is not committed, and its chunks are collectable',
  async () => {
    const { conf } = node('gone');
    const packsBefore = await bucketPacks();
    s3.proxy.hold();
    const cli = startCli(['-c', conf, '-e']);
    await until('the node to print that the server waits on its storage', () => WAITING.test(cli.stderr()), cli.gone);
    cli.child.kill('SIGKILL');
    await cli.exited;
    await until('the server to notice the node is gone', () => /the node's connection was lost while the backup waited on the storage/.test(server.log));
    s3.proxy.release();
    const gone = () => server.log.split('\n').filter((l) => l.includes('"client":"gone"'));
    await until('the server to end the backup', () => gone().some((l) => /"msg":"backup aborted: connection lost"/.test(l)));
    expect(gone().filter((l) => l.includes('"msg":"backup committed"'))).toEqual([]);
    expect(await listed(conf)).toEqual([[1, 'error']]);
    // Its packs were published meanwhile (the storage answered); deleted, the failed backup leaves nothing GC keeps.
    expect((await bucketPacks()).length).toBeGreaterThan(packsBefore.length);
    expect((await runCli(['-c', conf, '-d', '1'])).code).toBe(0);
    const gc = await server.command(['gc']);
    expect(gc.status).toBe(0);
    expect(await bucketPacks()).toEqual(packsBefore);
  },
);

/** The pack objects in the bucket, as the object store lists them. */
async function bucketPacks(): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${s3.serverPort}/${s3.bucket}?list-type=2&prefix=outage/packs/&max-keys=1000`);
  return [...(await res.text()).matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]!).sort();
}
