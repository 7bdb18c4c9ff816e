/**
 * Fencing on one bucket prefix, through the real binaries and a real S3
 * server process (s3rver, which ignores conditional writes: the lease is
 * written, then read back). Two cpsbackupd with their own directories:
 * the second's rebuild-catalog is refused while the first lives; once it
 * took over (the first frozen past its lease), the first, woken with
 * destructive work asked of it (a node's delete, a GC, a restart whose
 * recovery would delete the packs its catalog does not know), changes no
 * object of the bucket, and every backup either acknowledged restores. A
 * rebuild-catalog whose lease another writer took while it read the packs
 * sets no record aside and deletes none.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SeededRandom } from '@cpsbackup/testkit';
import { requireBuild, runCli, snapshotTree, tempDir, TestPki, TestServer, until, writeNodeConf } from '@cpsbackup/testkit/e2e';
import { TestS3 } from '@cpsbackup/testkit/s3';

requireBuild();
const root = tempDir('e2e-s3-fencing');
const pki = new TestPki(path.join(root, 'pki'));
let s3: TestS3;
let direct: S3Client;
const credentials = path.join(root, 's3-credentials');

beforeAll(async () => {
  s3 = await TestS3.start(path.join(root, 's3-data'));
  fs.writeFileSync(credentials, 'access_key_id = S3RVER\nsecret_access_key = S3RVER\n', { mode: 0o600 });
  // Straight to the server, past the fault proxy: what the bucket holds, as another program sees it.
  direct = new S3Client({
    endpoint: `http://127.0.0.1:${s3.serverPort}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
});
afterAll(async () => {
  direct?.destroy();
  await s3?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

function server(dir: string, prefix: string, leaseS: number): TestServer {
  const s = new TestServer(path.join(root, dir), pki, [
    'storage = s3',
    `s3_endpoint = ${s3.endpoint}`,
    `s3_bucket = ${s3.bucket}`,
    `s3_prefix = ${prefix}`,
    `s3_credentials_file = ${credentials}`,
    's3_cache_size = 1M',
    `storage_lease = ${leaseS}`,
  ]);
  s.addClient('db1');
  return s;
}

/** Every object under `prefix` but the lease (which its holder rewrites), with its ETag: what a destructive step would change. */
async function objects(prefix: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await direct.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key !== `${prefix}lease`) out.push(`${o.Key} ${o.ETag}`);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out.sort();
}

/** Milliseconds until the lease under `prefix` may be taken, by the object store's clock (as the servers judge it). */
async function leaseLeftMs(prefix: string): Promise<number> {
  const r = await direct.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `${prefix}lease` }));
  const lease = JSON.parse(await r.Body!.transformToString()) as { durationMs: number; released?: boolean };
  if (lease.released) return 0;
  const date = (r.$metadata as { httpHeaders?: Record<string, string> }).httpHeaders?.date;
  const now = date ? Date.parse(date) : Date.now();
  return lease.durationMs + 3000 - (now - r.LastModified!.getTime());
}

function change(data: string, name: string, bytes: number): void {
  fs.writeFileSync(path.join(data, name), new SeededRandom(name).bytes(bytes));
}

test("a server that lost the prefix's lease destroys nothing: not by a node's delete, nor GC, nor the recovery of its restart; every backup either server acknowledged restores", async () => {
  const prefix = 'fenced/';
  const a = server('server-a', prefix, 6);
  const b = server('server-b', prefix, 6);
  const data = path.join(root, 'db1-data');
  fs.mkdirSync(data);
  const acknowledged = new Map<number, ReturnType<typeof snapshotTree>>();
  const backup = async (conf: string, name: string) => {
    change(data, name, 700_000);
    const r = await runCli(['-c', conf, '-e', '--json']);
    expect(r.code).toBe(0);
    acknowledged.set(JSON.parse(r.stdout).backup.number, snapshotTree(data));
  };
  await a.start();
  try {
    const confA = writeNodeConf(path.join(root, 'db1-a'), a, { cname: 'db1', cert: pki.client('db1'), include: [data] });
    await backup(confA, 'one');
    await backup(confA, 'two');

    // The case: a second server's rebuild-catalog on the live server's prefix is refused and changes nothing.
    b.restoreRecordsKey(a.recordsKeyFile); // B set up with A's configuration, its records key too
    const beforeRebuild = await objects(prefix);
    expect(await b.tryStart()).toMatch(/is in use by another cpsbackupd/);
    const refused = await b.command(['rebuild-catalog']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/is in use by another cpsbackupd .*rebuild-catalog refuses to run, and nothing was changed/);
    expect(await objects(prefix)).toEqual(beforeRebuild);

    // A hangs past its lease; B takes the prefix over and acknowledges a backup of its own (new packs, new records).
    process.kill(a.pid, 'SIGSTOP');
    while ((await leaseLeftMs(prefix)) > 0) await new Promise((r) => setTimeout(r, 200));
    const rebuilt = await b.command(['rebuild-catalog']);
    expect(rebuilt.stderr).toBe('');
    expect(rebuilt.status).toBe(0);
    await b.start();
    const confB = writeNodeConf(path.join(root, 'db1-b'), b, { cname: 'db1', cert: pki.client('db1'), include: [data] });
    await backup(confB, 'three');
    const afterTakeover = await objects(prefix);

    // A wakes: each thing that would destroy is refused, and the bucket is as B left it.
    process.kill(a.pid, 'SIGCONT');
    const del = await runCli(['-c', confA, '-d', '1']);
    expect(del.code).not.toBe(0);
    expect(del.stderr).toMatch(/this server no longer owns its storage/);
    const gc = await a.command(['gc']);
    expect(`${gc.stdout}${gc.stderr}`).not.toMatch(/[1-9]\d* packs deleted/);
    expect(await objects(prefix)).toEqual(afterTakeover);
    await a.stop();
    // Its catalog does not know B's packs: its recovery would delete them. It does not start.
    expect(await a.tryStart()).toMatch(/is in use by another cpsbackupd \(store directory .*server-b\/store/);
    expect(await objects(prefix)).toEqual(afterTakeover);

    const list = JSON.parse((await runCli(['-c', confB, '-l', '--json'])).stdout) as { backups: Array<{ number: number; status: string }> };
    expect(list.backups.filter((x) => x.status === 'available').map((x) => x.number)).toEqual([...acknowledged.keys()]);
    for (const [n, snap] of acknowledged) {
      const to = path.join(root, `fenced-restored-${n}`);
      expect((await runCli(['-c', confB, '-i', String(n), '--to', to])).code).toBe(0);
      expect(snapshotTree(path.join(to, data))).toEqual(snap);
    }
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

test('a rebuild-catalog whose lease another writer took while it read the packs sets no record aside and deletes none', async () => {
  const prefix = 'raced/';
  const c = server('server-c', prefix, 60); // long enough that it counts its lease held throughout, by its own clock
  const data = path.join(root, 'raced-data');
  fs.mkdirSync(data);
  change(data, 'one', 400_000);
  await c.start();
  try {
    const conf = writeNodeConf(path.join(root, 'db1-c'), c, { cname: 'db1', cert: pki.client('db1'), include: [data] });
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
  } finally {
    await c.stop();
  }

  // The rebuild's first read of a pack is held; meanwhile another writer takes the lease (as a taker racing it on
  // a store that ignores conditions would) and writes a record of its own.
  let held = false;
  s3.proxy.inject({
    action: { kind: 'delay', ms: 15_000 },
    times: 1,
    match: (req) => req.method === 'GET' && (req.url ?? '').includes(`/${prefix}packs/`) && (held = true),
  });
  // Its packs read from the bucket, not its cache (as after the directory was lost).
  fs.rmSync(path.join(c.storeDir, 's3', 'cache'), { recursive: true, force: true });
  let ended: { status: number; stdout: string; stderr: string } | undefined;
  const rebuilding = c.command(['rebuild-catalog']).then((r) => (ended = r));
  await until(
    'the rebuild reading a pack',
    () => held,
    () => ended && `it ended first: ${JSON.stringify(ended)}`,
  );
  const other = {
    id: 'f'.repeat(32),
    token: 'other',
    host: 'other-host',
    pid: 1,
    directory: '/srv/other',
    durationMs: 60_000,
    writtenAt: new Date().toISOString(),
  };
  await direct.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}lease`, Body: JSON.stringify(other) + '\n' }));
  await direct.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}records/backups/db1/2`, Body: 'written by the new owner\n' }));
  const before = await objects(prefix);

  const r = await rebuilding;
  s3.proxy.clearFaults();
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(
    /rebuilding the catalog refused: this server no longer owns s3:\/\/cpsbackup-test\/raced\/: the lease was written by another server \(store directory \/srv\/other on other-host, process 1\)/,
  );
  expect(await objects(prefix)).toEqual(before); // nothing set aside under rejected/, nothing deleted, nothing rewritten
  const lease = await direct.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `${prefix}lease` }));
  expect(JSON.parse(await lease.Body!.transformToString())).toEqual(other); // not released over the new owner's
}, 120_000);
