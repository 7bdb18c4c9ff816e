/**
 * `cpsbackupd verify` against a daemon whose packs are in an object store:
 * killed while the daemon's verify waits on a read from the bucket, the
 * daemon's verify stops there (the read cut, no other read made, said in
 * the log), and the daemon goes on serving. The same for a node's own
 * verify when the node's connection goes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { rawSession, requireBuild, runCli, SERVER_BIN, tempDir, TestPki, TestServer, until, writeNodeConf } from '@cpsbackup/testkit/e2e';
import { TestS3 } from '@cpsbackup/testkit/s3';

requireBuild();
const root = tempDir('e2e-s3-verify-stop');
const pki = new TestPki(path.join(root, 'pki'));
let s3: TestS3;
let server: TestServer;

beforeAll(async () => {
  s3 = await TestS3.start(path.join(root, 's3-data'));
  const credentials = path.join(root, 's3-credentials');
  fs.writeFileSync(credentials, 'access_key_id = S3RVER\nsecret_access_key = S3RVER\n', { mode: 0o600 });
  server = new TestServer(path.join(root, 'server'), pki, [
    'storage = s3',
    `s3_endpoint = ${s3.endpoint}`,
    `s3_bucket = ${s3.bucket}`,
    's3_prefix = stop/',
    `s3_credentials_file = ${credentials}`,
    's3_cache_size = 1M',
  ]);
  server.addClient('web1');
  await server.start();
});
afterAll(async () => {
  await server?.stop();
  await s3?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Every read of a pack from now on is held at the proxy (until clearFaults): a verify waits in its first one. Returns the reads seen. */
function holdPackReads(): string[] {
  const packReads: string[] = [];
  s3.proxy.inject({
    action: { kind: 'delay', ms: 600_000 },
    times: 1000,
    match: (req) => {
      const pack = req.method === 'GET' && (req.url ?? '').includes('/packs/');
      if (pack) packReads.push(req.url ?? '');
      return pack;
    },
  });
  return packReads;
}

/** `cpsbackupd ARGS` run to its end (not spawnSync: the proxy the daemon reads through runs in this process). */
function admin(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SERVER_BIN, '-c', server.confFile, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('a daemon verify stops when the cpsbackupd verify that asked for it is killed: its read from the bucket is cut, no other is made, the log says so', async () => {
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  const rnd = new SeededRandom('stop');
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(data, `f${i}`), rnd.bytes(200_000));
  const conf = writeNodeConf(path.join(root, 'node'), server, { cname: 'web1', cert: pki.client('web1'), include: [data] });
  expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
  // Started again without its local copies: every pack read now goes to the bucket.
  await server.stop();
  fs.rmSync(path.join(server.storeDir, 's3', 'cache'), { recursive: true, force: true });
  await server.start();

  const packReads = holdPackReads();
  const logFrom = server.log.length;
  const log = () => server.log.slice(logFrom);
  const verify: ChildProcess = spawn(process.execPath, [SERVER_BIN, '-c', server.confFile, 'verify'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => verify.once('exit', () => resolve()));
  await until(
    "the daemon's verify waiting on its first read from the bucket",
    () => packReads.length > 0 && s3.proxy.openRequests > 0,
    () => (verify.exitCode !== null ? `cpsbackupd verify exited (${verify.exitCode}) first` : undefined),
  );
  expect(log()).toMatch(/verify of the whole store started/);
  verify.kill('SIGKILL');
  await exited;

  await until(
    'the daemon saying its verify stopped',
    () => /verify of the whole store stopped before its end: its requester is gone/.test(log()),
    () => (/verify: store is sound|verify: DAMAGE FOUND/.test(log()) ? 'the verify ran to its end' : undefined),
  );
  expect(log()).toMatch(/the cpsbackupd verify that asked for it is gone \(its connection closed before the answer\)/);
  // The held read was cut by the daemon (not answered), and verify made no other.
  await until('the held read closed', () => s3.proxy.openRequests === 0);
  expect(packReads).toHaveLength(1);
  expect(log()).not.toMatch(/verify: store is sound|verify: DAMAGE FOUND/);

  // The daemon goes on: asked again with the bucket answering, verify runs to its end.
  s3.proxy.clearFaults();
  const again = await admin('verify');
  expect(again.stderr).toBe('');
  expect(again.stdout).toMatch(/^checked \d+ chunks \(\d+ bytes\) and 1 backups\nstore is sound\n$/);
  expect(again.status).toBe(0);
});

test("a node's verify stops when the node's connection goes: no read after the one it waits on, the log says so", async () => {
  // The store of the test above, its packs still uncached (verify does not fill the cache).
  const packReads = holdPackReads();
  const logFrom = server.log.length;
  const log = () => server.log.slice(logFrom);
  const { socket, conn } = await rawSession(server, 'web1', pki.client('web1'));
  await conn.send({ verifyRequest: { number: 0 } });
  await until("the node's verify waiting on its first read from the bucket", () => packReads.length > 0 && s3.proxy.openRequests > 0);
  socket.destroy();
  await until(
    'the daemon saying the verify stopped',
    () => /the node's verify stopped before its end: the node is gone/.test(log()),
    () => (/verify finished/.test(log()) ? 'the verify ran to its end' : undefined),
  );
  // No read after the one held (which, a single chunk's, is left to end on its own).
  expect(packReads).toHaveLength(1);
  expect(log()).not.toMatch(/verify finished/);
  s3.proxy.clearFaults();
});
