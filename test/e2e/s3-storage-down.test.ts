/**
 * storage = s3 with the object store unreachable (every request to it cut,
 * as with its gateway down) while a node reads: a restore is told that the
 * server's object storage failed and that the restore stopped, with what
 * is true of its own operation (not a backup's "nothing was committed"),
 * and so is a show of a backup's files whose file lists the server does not
 * hold on its disk (a show of one it holds needs no answer from the store);
 * once the store answers again the same restore is bit-exact.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { requireBuild, runCli, snapshotTree, tempDir, TestPki, TestServer, writeNodeConf } from '@cpsbackup/testkit/e2e';
import { TestS3 } from '@cpsbackup/testkit/s3';

requireBuild();
const root = tempDir('e2e-s3-down');
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
    's3_prefix = down/',
    `s3_credentials_file = ${credentials}`,
    's3_cache_size = 1M',
    's3_retry_time = 10s', // a storage that stays down fails the request after that long
  ]);
  server.addClient('web1');
  await server.start();
});
afterAll(async () => {
  s3?.proxy.clearFaults();
  await server?.stop();
  await s3?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

test('with the object store unreachable, a restore and a show are told the storage failed and what became of their own request, not that nothing was committed; once it answers, the restore is bit-exact', async () => {
  const data = path.join(root, 'web1-data');
  const rnd = new SeededRandom('down');
  fs.mkdirSync(path.join(data, 'etc'), { recursive: true });
  for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(data, 'etc', `conf${i}`), rnd.bytes(700 + i * 97));
  fs.writeFileSync(path.join(data, 'db.dump'), rnd.bytes(3_000_000));
  const conf = writeNodeConf(path.join(root, 'web1'), server, { cname: 'web1', cert: pki.client('web1'), include: [data] });
  // Less than s3_retry_time: the server keeps the node connected while it retries, and tells it the outcome.
  fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/^network_timeout = .*$/m, 'network_timeout = 5'));
  expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
  // No data of the backup left on the server's disk: every read of a file's content must go to the object store.
  await server.stop();
  fs.rmSync(path.join(server.storeDir, 's3', 'cache'), { recursive: true, force: true });
  await server.start(server.port); // where the node's configuration says

  s3.proxy.inject({ action: { kind: 'reset' }, times: 1_000_000 });
  const to = path.join(root, 'restored');
  const restore = await runCli(['-c', conf, '-i', '1', '--to', to]);
  // A show reads file lists only, which the server keeps on its own disk (tree packs): it needs no answer from the store.
  const shownLocally = await runCli(['-c', conf, '-s', '1']);
  expect(shownLocally.stderr).toBe('');
  expect(shownLocally.code).toBe(0);
  expect(shownLocally.stdout).toContain('db.dump');
  // Without them (a new machine after rebuild-catalog), the show must ask the store: it is told the store failed.
  s3.proxy.clearFaults();
  await server.stop();
  fs.rmSync(path.join(server.storeDir, 's3', 'trees'), { recursive: true, force: true });
  await server.start(server.port);
  s3.proxy.inject({ action: { kind: 'reset' }, times: 1_000_000 });
  const show = await runCli(['-c', conf, '-s', '1']);
  s3.proxy.clearFaults();

  expect(restore.code).toBe(1);
  expect(restore.stderr).toMatch(
    /the server's object storage kept failing or not answering for 10 s \(s3_retry_time; the server's log says what it answered\), so the backup could not be read and this restore stopped \(what it had restored by then stays on this node\); nothing on the server was changed: try again later \(into an empty directory, or with --overwrite\)/,
  );
  expect(show.code).toBe(1);
  expect(show.stderr).toMatch(
    /the server's object storage kept failing or not answering for 10 s \(s3_retry_time; the server's log says what it answered\), so this could not be answered; nothing was changed: try again later/,
  );
  for (const r of [restore, show]) {
    expect(r.stderr).not.toMatch(/committed/);
    expect(r.stderr).not.toMatch(/s3:|down\/|127\.0\.0\.1/); // where the store is stays in the server's log
  }

  const again = path.join(root, 'restored-again');
  expect((await runCli(['-c', conf, '-i', '1', '--to', again])).code).toBe(0);
  expect(snapshotTree(path.join(again, data))).toEqual(snapshotTree(data));
}, 120_000);
