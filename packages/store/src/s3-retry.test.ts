import * as fs from 'node:fs';
import { tempDir } from '@cpsbackup/testkit';
import { useS3 } from '@cpsbackup/testkit/s3';
import { S3Backend, type S3Settings } from './s3-backend';
import { type RetryErrorInfo, StorageRetryPolicy } from './s3-retry';

const server = useS3('s3-retry');

/** Resolves once `done()` holds, looked at every 20 ms (the event decides, never the time); rejects once `failIf()` says why it cannot happen. */
async function until(what: string, done: () => boolean, failIf: () => string | undefined): Promise<void> {
  for (;;) {
    const why = failIf();
    if (why !== undefined) throw new Error(`gave up waiting for ${what}: ${why}`);
    if (done()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

let prefixes = 0;
const dir = tempDir('s3-retry');
let backend: S3Backend | undefined;
afterEach(async () => {
  server.s3.proxy.clearFaults();
  server.s3.proxy.release();
  await server.s3.proxy.comeBack().catch(() => undefined); // listening already
  await backend?.close();
  backend = undefined;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A backend on its own prefix, retrying with short waits (the policy, not the clock, is what is tested). */
function s3Backend(settings: Partial<S3Settings> = {}): S3Backend {
  backend = new S3Backend(`${dir}/${++prefixes}`, server.s3.settings(`r${prefixes}/`, { retryBaseDelayMs: 50, requestTimeoutMs: 30_000, ...settings }));
  return backend;
}

test('a gateway that goes away and comes back: the request waits (since when, attempts, last error) and goes through once it is back', async () => {
  const b = s3Backend({ retryTimeMs: 120_000 });
  await b.writeObject('before', Buffer.from('x'));
  expect(b.storageWait()).toBeUndefined();
  server.s3.proxy.goDown();
  const started = Date.now();
  let settled = false;
  const write = b.writeObject('during', Buffer.from('written while the gateway restarted')).finally(() => (settled = true));
  // More attempts than the SDK's standard strategy ever makes (6): the request is still waiting, not failed.
  await until(
    'the write to be waiting on its 7th attempt',
    () => (b.storageWait()?.attempts ?? 0) >= 7,
    () => (settled ? 'the write settled while the gateway was down' : undefined),
  );
  const wait = b.storageWait()!;
  expect(wait.since).toBeGreaterThanOrEqual(started);
  expect(wait.lastError).toMatch(/ECONNREFUSED/);
  expect(wait.retryTimeMs).toBe(120_000);
  await server.s3.proxy.comeBack();
  await write;
  expect(b.storageWait()).toBeUndefined();
  expect((await b.readObject('during'))?.toString()).toBe('written while the gateway restarted');
});

test('answers that waiting will not change (403, 400, 404, 501) are not retried; a 503 is, past six attempts', async () => {
  const b = s3Backend({ retryTimeMs: 120_000 });
  const denied = '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
  for (const [status, code] of [
    [403, 'AccessDenied'],
    [400, 'InvalidArgument'],
    [501, 'NotImplemented'],
  ] as const) {
    server.s3.proxy.resetCounts();
    server.s3.proxy.inject({ action: { kind: 'answer', status, body: denied.replace('AccessDenied', code) }, times: 100 });
    await expect(b.writeObject('refused', Buffer.from('x'))).rejects.toThrow(new RegExp(`write of refused .* failed after 1 attempts: ${code}`));
    expect(server.s3.proxy.counts.get('Put')).toBe(1);
    server.s3.proxy.clearFaults();
  }
  server.s3.proxy.resetCounts();
  expect(await b.readObject('missing')).toBeUndefined(); // 404: missing, said at once
  expect(server.s3.proxy.counts.get('Get')).toBe(1);
  expect(b.storageWait()).toBeUndefined();
  server.s3.proxy.resetCounts();
  server.s3.proxy.inject({ action: { kind: 'throttle' }, times: 6 });
  await b.writeObject('throttled', Buffer.from('y'));
  expect(server.s3.proxy.counts.get('Put')).toBe(7);
});

test('a storage that does not answer within the retry time fails the request with a message that says so and what to do', async () => {
  const b = s3Backend({ retryTimeMs: 1_500 });
  server.s3.proxy.goDown();
  await expect(b.writeObject('late', Buffer.from('x'))).rejects.toMatchObject({
    code: 'STORE_REMOTE',
    message: expect.stringMatching(
      /write of late in s3:\/\/.* failed after \d+ attempts over 2 s \(the storage kept failing or not answering for all of s3_retry_time = 2 s: check the object store, its gateway and its free space\): .*ECONNREFUSED/,
    ),
    context: expect.objectContaining({ retriedMs: expect.any(Number) }),
  });
  expect(b.storageWait()).toBeUndefined();
});

test('a request held unanswered (a full cluster) counts as waiting once it is slow, before any attempt fails', async () => {
  const b = s3Backend({ retryTimeMs: 120_000, slowRequestMs: 300 });
  server.s3.proxy.hold();
  let settled = false;
  const write = b.writeObject('held', Buffer.from('z')).finally(() => (settled = true));
  await server.s3.proxy.someHeld();
  await until(
    'the held write to count as waiting',
    () => b.storageWait() !== undefined,
    () => (settled ? 'the write settled while held' : undefined),
  );
  expect(b.storageWait()).toMatchObject({ attempts: 1, lastError: '' });
  server.s3.proxy.release();
  await write;
  expect(b.storageWait()).toBeUndefined();
});

test('a request that ends without an answer (cut short by its caller) no longer counts as waiting', async () => {
  // Lease requests are cut short after the retry time at most (here 1.5 s): the storage holds this one past that.
  const b = s3Backend({ retryTimeMs: 1_500, slowRequestMs: 300 });
  server.s3.proxy.hold();
  let settled = false;
  const read = b.readLease().finally(() => (settled = true));
  await until(
    'the held read to count as waiting',
    () => b.storageWait() !== undefined,
    () => (settled ? 'the read settled while held' : undefined),
  );
  await expect(read).rejects.toMatchObject({ code: 'STORE_REMOTE' });
  expect(b.storageWait()).toBeUndefined();
});

describe('the backoff', () => {
  const transient: RetryErrorInfo = { errorType: 'TRANSIENT', error: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) };

  test('doubles from its base with jitter, is capped at 30 s, and the last attempt is made at the retry time, not after it', async () => {
    let now = 0;
    const rnd = [0, 0.999];
    let i = 0;
    const p = new StorageRetryPolicy({ totalMs: 300_000, baseDelayMs: 500, now: () => now, random: () => rnd[i++ % 2]! });
    const token = await p.acquireInitialRetryToken('');
    const delays: number[] = [];
    for (;;) {
      let t;
      try {
        t = await p.refreshRetryTokenForRetry(token, transient);
      } catch (err) {
        expect(err).toBe(transient.error);
        break;
      }
      delays.push(t.getRetryDelay());
      now += t.getRetryDelay();
    }
    // Each wait within [half, all] of min(30 s, 500 ms × 2^n).
    delays.slice(0, 10).forEach((d, n) => {
      const ceiling = Math.min(30_000, 500 * 2 ** n);
      expect(d).toBeGreaterThanOrEqual(ceiling / 2);
      expect(d).toBeLessThanOrEqual(ceiling);
    });
    expect(Math.max(...delays)).toBeLessThanOrEqual(30_000);
    expect(delays.reduce((a, d) => a + d, 0)).toBe(300_000);
    expect(delays.length).toBeGreaterThan(10);
  });

  test('a Retry-After past the backoff is waited for (capped); client errors end at once', async () => {
    const now = 1_000_000;
    const p = new StorageRetryPolicy({ totalMs: 300_000, baseDelayMs: 500, now: () => now, random: () => 0 });
    const t = await p.refreshRetryTokenForRetry(await p.acquireInitialRetryToken(''), {
      errorType: 'THROTTLING',
      retryAfterHint: new Date(now + 12_000),
    });
    expect(t.getRetryDelay()).toBe(12_000);
    const forbidden = Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    await expect(p.refreshRetryTokenForRetry(await p.acquireInitialRetryToken(''), { errorType: 'CLIENT_ERROR', error: forbidden })).rejects.toBe(forbidden);
  });
});
