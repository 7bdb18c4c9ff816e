import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '@cpsbackup/testkit';
import { useS3 } from '@cpsbackup/testkit/s3';
import { S3Backend, type S3Settings } from './s3-backend';
import { describeBackendConformance } from './test-support/backend-conformance';

const server = useS3('s3-backend');

let prefixes = 0;
/** A backend on its own prefix of the test bucket (so each test starts empty), through the fault proxy. */
function s3Backend(dir: string, settings: Partial<S3Settings> = {}): S3Backend {
  return new S3Backend(dir, server.s3.settings(settings.prefix ?? `t${++prefixes}/`, { maxAttempts: 4, requestTimeoutMs: 30_000, ...settings }));
}

describeBackendConformance('S3Backend', () => {
  const dir = tempDir('s3-backend');
  const backend = s3Backend(dir);
  return {
    backend,
    cleanup: async () => {
      await backend.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + seed * 17 + (i >> 9)) & 0xff;
  return b;
}

async function writePack(b: S3Backend, name: string, data: Buffer): Promise<void> {
  const w = b.createPack(name);
  w.append(data);
  w.sync();
  w.close();
  await b.publishPack(name);
}

/** Files under a pack directory (<root>/packs/<xx>/<name>.pack), with their sizes. */
function packFiles(root: string): number[] {
  const packs = path.join(root, 'packs');
  if (!fs.existsSync(packs)) return [];
  return fs.readdirSync(packs).flatMap((d) => fs.readdirSync(path.join(packs, d)).map((f) => fs.statSync(path.join(packs, d, f)).size));
}

const hex = (i: number) => i.toString(16).padStart(32, '0');

describe('S3Backend beyond the conformance suite', () => {
  let dir: string;
  let backend: S3Backend;
  beforeEach(() => {
    dir = tempDir('s3-backend-x');
    server.s3.proxy.clearFaults();
    server.s3.proxy.resetCounts();
  });
  afterEach(async () => {
    server.s3.proxy.clearFaults();
    await backend.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('published packs stay in a local cache bounded in bytes; the others are read by ranged GETs with read-ahead', async () => {
    backend = s3Backend(dir, { cacheBytes: 1024 * 1024, readAheadBytes: 256 * 1024 });
    const packs = Array.from({ length: 5 }, (_, i) => bytes(400 * 1024, i));
    for (const [i, p] of packs.entries()) await writePack(backend, hex(i), p);
    const cached = packFiles(path.join(dir, 's3', 'cache')).reduce((a, b) => a + b, 0);
    expect(cached).toBeLessThanOrEqual(1024 * 1024);
    expect(cached).toBeGreaterThan(0);
    expect(packFiles(path.join(dir, 's3', 'staging'))).toEqual([]);
    server.s3.proxy.resetCounts();
    // The oldest pack was evicted: 16 reads of 1 KiB in a row cost one GET (the window read ahead).
    for (let k = 0; k < 16; k++) {
      expect((await backend.readPack(hex(0), k * 1024, 1024)).equals(packs[0]!.subarray(k * 1024, (k + 1) * 1024))).toBe(true);
    }
    expect(server.s3.proxy.counts.get('Get')).toBe(1);
    // The newest is in the cache: no request at all.
    expect((await backend.readPack(hex(4), 1000, 5000)).equals(packs[4]!.subarray(1000, 6000))).toBe(true);
    expect(server.s3.proxy.counts.get('Get')).toBe(1);
  });

  test('a pack published again once its cached copy was evicted is found in the bucket, not failed for want of a local file', async () => {
    backend = s3Backend(dir, { cacheBytes: 100 * 1024 });
    await writePack(backend, hex(7), bytes(80 * 1024, 7));
    await writePack(backend, hex(8), bytes(80 * 1024, 8)); // evicts the first from the cache
    expect(packFiles(path.join(dir, 's3', 'cache'))).toHaveLength(1);
    await backend.publishPack(hex(7));
    await expect(backend.publishPack(hex(9))).rejects.toMatchObject({ code: 'PACK_MISSING' });
  });

  test('throttling answers and dropped connections are retried with backoff until the request goes through', async () => {
    backend = s3Backend(dir);
    const data = bytes(300 * 1024, 7);
    server.s3.proxy.inject({ action: { kind: 'throttle' }, times: 2 });
    server.s3.proxy.inject({ action: { kind: 'reset' }, times: 1 });
    await writePack(backend, hex(1), data);
    expect(server.s3.proxy.counts.get('Put')).toBe(4);
    await backend.close();
    backend = s3Backend(path.join(dir, 'other'), { prefix: `t${prefixes}/` }); // same prefix, no cache: reads go to the server
    server.s3.proxy.inject({ action: { kind: 'reset' }, times: 2 });
    server.s3.proxy.inject({ action: { kind: 'throttle' }, times: 1 });
    expect((await backend.readPack(hex(1), 5, 100)).equals(data.subarray(5, 105))).toBe(true);
  });

  test('an endpoint that stays down fails with a message saying what, where and how many attempts; nothing is half-published', async () => {
    backend = s3Backend(dir, { maxAttempts: 3 });
    server.s3.proxy.inject({ action: { kind: 'error' }, times: 100 });
    const w = backend.createPack(hex(2));
    w.append(bytes(1000, 2));
    w.sync();
    w.close();
    const where = `s3://${server.s3.bucket}/t\\d+/ at ${server.s3.endpoint.replace(/\./g, '\\.')}`;
    await expect(backend.publishPack(hex(2))).rejects.toThrow(new RegExp(`upload of pack ${hex(2)} in ${where} failed after 3 attempts: InternalError`));
    server.s3.proxy.clearFaults();
    expect(await backend.listPacks()).toEqual([]);
    expect(backend.unpublishedPacks()).toEqual([hex(2)]); // still there to publish again
    await backend.publishPack(hex(2));
    expect(await backend.listPacks()).toEqual([hex(2)]);
  });

  test('a slow endpoint: a request that stalls past the timeout is cut and retried; one that always stalls fails clearly', async () => {
    // A stalled request never answers (not a race between a delay and the timeout): the timeout, what is tested,
    // is then the only way on; the requests that are answered have as long as a loaded machine needs.
    const stalled = { kind: 'delay', ms: 3_600_000 } as const;
    backend = s3Backend(dir, { requestTimeoutMs: 1500, maxAttempts: 2 });
    server.s3.proxy.inject({ action: stalled, times: 1 });
    await writePack(backend, hex(3), bytes(2000, 3));
    server.s3.proxy.inject({ action: stalled, times: 10 });
    await expect(backend.listPacks()).rejects.toThrow(/listing of .* failed after 2 attempts/);
  });

  test('a failed multipart upload is aborted (no parts left behind) and the pack stays to be published again', async () => {
    backend = s3Backend(dir, { maxAttempts: 2 });
    const big = bytes(20 * 1024 * 1024 + 123, 4); // three parts
    const w = backend.createPack(hex(5));
    w.append(big);
    w.sync();
    w.close();
    server.s3.proxy.inject({ action: { kind: 'error' }, times: 100, match: (req) => req.method === 'PUT' && (req.url ?? '').includes('partNumber=2') });
    await expect(backend.publishPack(hex(5))).rejects.toThrow(/upload of pack .* failed/);
    expect(server.s3.proxy.counts.get('CreateMultipartUpload')).toBe(1);
    expect(server.s3.proxy.counts.get('DELETE multipart')).toBe(1); // AbortMultipartUpload
    expect(await backend.listPacks()).toEqual([]);
    server.s3.proxy.clearFaults();
    await backend.publishPack(hex(5));
    await backend.close();
    backend = s3Backend(path.join(dir, 'fresh'), { prefix: `t${prefixes}/` });
    expect((await backend.readPack(hex(5), 0, big.length)).equals(big)).toBe(true);
  });

  test('credentials are asked for at each request: a key changed (SIGHUP rereads the file) is used from the next request on', async () => {
    let key = { accessKeyId: 'WRONG', secretAccessKey: 'WRONG' };
    backend = s3Backend(dir, { credentials: () => key, maxAttempts: 1 });
    await expect(backend.listPacks()).rejects.toThrow(/listing of .* failed.*(InvalidAccessKeyId|AccessDenied|SignatureDoesNotMatch|Forbidden)/);
    key = { ...server.s3.key };
    expect(await backend.listPacks()).toEqual([]);
    key = { accessKeyId: 'WRONG', secretAccessKey: 'WRONG' };
    await expect(backend.listPacks()).rejects.toThrow(/failed/);
  });

  test('uploads are queued two at a time however many packs are sealed at once', async () => {
    backend = s3Backend(dir);
    server.s3.proxy.inject({ action: { kind: 'delay', ms: 200 }, times: 1000, match: (req) => req.method === 'PUT' });
    const names = Array.from({ length: 6 }, (_, i) => hex(100 + i));
    for (const n of names) {
      const w = backend.createPack(n);
      w.append(bytes(10_000, 9));
      w.sync();
      w.close();
    }
    server.s3.proxy.resetCounts();
    await Promise.all(names.map((n) => backend.publishPack(n)));
    expect(server.s3.proxy.peakOpenRequests).toBe(2);
    expect((await backend.listPacks()).sort()).toEqual(names);
  });
});
