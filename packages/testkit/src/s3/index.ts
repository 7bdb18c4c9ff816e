/**
 * A real S3-compatible server for tests: s3rver in a child process on
 * 127.0.0.1, or a real Ceph RGW (rgw.ts: CPSBACKUP_S3=rgw, `make
 * test-rgw`), with a fault-injecting HTTP proxy in front of either
 * (throttling answers, connection resets, a slow endpoint, failed
 * requests), which also counts requests by kind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type * as net from 'node:net';
import * as path from 'node:path';
import { type S3Settings } from '@cpsbackup/store/s3';
import { tempDir } from '../temp-dir';
import { type S3Kind, s3Kind, TestRgw } from './rgw';
import { type S3Key, signedFetch } from './sigv4';

export { type S3Kind, s3Kind, TestRgw } from './rgw';

/** The server process, compiled. */
const SERVER_SCRIPT = path.resolve(__dirname, '..', '..', 'dist', 's3', 's3-server-main.js');
/** s3rver's fixed key. */
const S3RVER_KEY: S3Key = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** What a fault does to a request it matches. */
export type FaultAction =
  /** 503 SlowDown, as S3 answers a client over its request rate. */
  | { kind: 'throttle' }
  /** The connection is cut before any answer. */
  | { kind: 'reset' }
  /** The request is held this long before it goes on. */
  | { kind: 'delay'; ms: number }
  /** 500 InternalError. */
  | { kind: 'error' }
  /** This status and XML error body (a 403 AccessDenied, say). */
  | { kind: 'answer'; status: number; body: string };

/** A fault applied to the next `times` requests `match` accepts (all requests when omitted). */
export interface Fault {
  action: FaultAction;
  times: number;
  match?: (req: http.IncomingMessage) => boolean;
}

/** How requests are told apart in the counts: method and S3 operation. */
function kindOf(req: http.IncomingMessage): string {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.searchParams.has('uploadId'))
    return req.method === 'PUT' ? 'UploadPart' : req.method === 'POST' ? 'CompleteMultipartUpload' : `${req.method} multipart`;
  if (url.searchParams.has('uploads')) return 'CreateMultipartUpload';
  if (url.searchParams.has('list-type') || (req.method === 'GET' && url.pathname.split('/').filter(Boolean).length <= 1)) return 'List';
  return ({ GET: 'Get', PUT: 'Put', HEAD: 'Head', DELETE: 'Delete' } as Record<string, string>)[req.method ?? ''] ?? req.method ?? '?';
}

/** The fault-injecting proxy: forwards to the server unless a fault says otherwise. */
export class FaultProxy {
  private readonly faults: Fault[] = [];
  /** Requests seen, by kind (Get, Put, Head, List, Delete, UploadPart, …). */
  readonly counts = new Map<string, number>();
  /** Bytes of the answers' bodies, by the same kinds (what a client read: a Get's bytes are pack or object bytes). */
  readonly bytes = new Map<string, number>();
  /** Every request answered since resetCounts: its kind, path and the bytes of its answer's body. */
  readonly answered: Array<{ kind: string; path: string; bytes: number }> = [];
  /** Requests being served now, and the most at once since resetCounts. */
  openRequests = 0;
  peakOpenRequests = 0;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
  ) {}

  static async start(upstreamPort: number): Promise<FaultProxy> {
    // Idle client connections kept a minute, as object stores do: node's default 5 s closed every pooled socket
    // of a client that paused (a lease's wait), and the client's retries each took another closed one.
    const server = http.createServer({ keepAliveTimeout: 60_000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new FaultProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (s) => {
      proxy.sockets.add(s);
      s.on('close', () => proxy.sockets.delete(s));
    });
    server.on('request', (req, res) => void proxy.handle(req, res, upstreamPort));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Adds a fault; faults apply in the order added. */
  inject(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  resetCounts(): void {
    this.counts.clear();
    this.bytes.clear();
    this.answered.length = 0;
    this.peakOpenRequests = this.openRequests;
  }

  /** While set, every request is held unanswered (a full cluster's gateway) until release(). */
  private holding: { promise: Promise<void>; release: () => void } | undefined;
  /** Requests held now. */
  heldRequests = 0;
  private readonly heldWaiters: Array<() => void> = [];

  /** Holds every request from now on, unanswered, as a gateway of a full cluster does. */
  hold(): void {
    if (this.holding) return;
    let release!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    this.holding = { promise, release };
  }

  /** Lets the held requests (and those to come) go on. */
  release(): void {
    const h = this.holding;
    this.holding = undefined;
    h?.release();
  }

  /** Resolves once at least one request is being held. */
  async someHeld(): Promise<void> {
    if (this.heldRequests > 0) return;
    await new Promise<void>((r) => this.heldWaiters.push(r));
  }

  /** The gateway goes away: connections are refused (its listening socket closed) and those open are cut, until comeBack(). */
  goDown(): void {
    this.server.close();
    for (const s of this.sockets) s.destroy();
  }

  /** The gateway is back on the same port. */
  async comeBack(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  private take(req: http.IncomingMessage): FaultAction | undefined {
    const f = this.faults.find((x) => x.times > 0 && (!x.match || x.match(req)));
    if (!f) return undefined;
    f.times--;
    return f.action;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, upstreamPort: number): Promise<void> {
    const kind = kindOf(req);
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    this.openRequests++;
    this.peakOpenRequests = Math.max(this.peakOpenRequests, this.openRequests);
    res.once('close', () => this.openRequests--);
    const holding = this.holding;
    if (holding) {
      this.heldRequests++;
      for (const w of this.heldWaiters.splice(0)) w();
      await holding.promise;
      this.heldRequests--;
    }
    const fault = this.take(req);
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'throttle' || fault?.kind === 'error') {
      req.resume();
      const [status, code, message] =
        fault.kind === 'throttle' ? [503, 'SlowDown', 'Please reduce your request rate.'] : [500, 'InternalError', 'We encountered an internal error.'];
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
      return;
    }
    if (fault?.kind === 'answer') {
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/xml' });
      res.end(fault.body);
      return;
    }
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms).unref());
    if (req.socket.destroyed) return;
    // A new connection each time: node's pooled keep-alive sockets race s3rver closing them (a socket hang-up the client sees).
    const up = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent: false }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      let n = 0;
      upRes.on('data', (d: Buffer) => (n += d.length));
      upRes.once('end', () => {
        this.bytes.set(kind, (this.bytes.get(kind) ?? 0) + n);
        this.answered.push({ kind, path: new URL(req.url ?? '/', 'http://x').pathname, bytes: n });
      });
      upRes.pipe(res);
    });
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  }

  async stop(): Promise<void> {
    this.release();
    for (const s of this.sockets) s.destroy();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A test file's S3 server: started before its tests, stopped after them (the object is filled in once started).
 * On RGW, a bucket of its own on the cluster the jest run started (jest-global-setup.ts), or on one of its own.
 */
export function useS3(name: string): { s3: TestS3 } {
  const holder = {} as { s3: TestS3 };
  const dir = tempDir(name);
  beforeAll(async () => {
    holder.s3 = await TestS3.startFor(s3Kind(), dir, name);
  }, 11 * 60_000);
  afterAll(async () => {
    await holder.s3?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return holder;
}

// The test runner's hooks (jest provides them as globals where useS3 runs).
declare function beforeAll(fn: () => Promise<void> | void, timeout?: number): void;
declare function afterAll(fn: () => Promise<void> | void, timeout?: number): void;

/** s3rver processes being stopped by their test (their exit is expected). */
const stopping = new WeakSet<ChildProcess>();

/** A running S3 server (s3rver or RGW) and the proxy in front of it. */
export class TestS3 {
  private constructor(
    readonly kind: S3Kind,
    private readonly child: ChildProcess | undefined,
    /** The RGW cluster, and whether this object started it (and stops it). */
    readonly rgw: TestRgw | undefined,
    private readonly ownsRgw: boolean,
    /** The server's own port (no faults). */
    readonly serverPort: number,
    readonly proxy: FaultProxy,
    readonly bucket: string,
    /** The key the server takes. */
    readonly key: S3Key,
  ) {}

  /** Starts s3rver storing in `directory` with `bucket` made, and a proxy in front of it. */
  static async start(directory: string, bucket = 'cpsbackup-test'): Promise<TestS3> {
    fs.mkdirSync(directory, { recursive: true });
    const child = spawn(process.execPath, [SERVER_SCRIPT, directory, bucket], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`the S3 test server exited (${code}): ${stderr}`)));
    });
    // Dying under a test (not stopped by it) is said with what the server printed: the test's failures then read as
    // "socket hang up" on every request, which names the proxy, not the cause.
    child.once('exit', (code, signal) => {
      if (!stopping.has(child))
        process.stderr.write(`the S3 test server (s3rver, pid ${child.pid}) died under the test (${signal ?? code}): ${stderr.slice(-4000)}\n`);
    });
    return new TestS3('s3rver', child, undefined, false, port, await FaultProxy.start(port), bucket, S3RVER_KEY);
  }

  /**
   * A bucket of its own (named after `name`) on a Ceph RGW: `rgw` when given, else the jest run's
   * (CPSBACKUP_RGW), else a cluster started for it (and stopped with it); a proxy in front.
   */
  static async startRgw(name: string, rgw?: TestRgw): Promise<TestS3> {
    const shared = rgw ?? TestRgw.shared();
    const cluster = shared ?? (await TestRgw.start());
    const bucket = `cpsbackup-${name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-${randomBytes(4).toString('hex')}`.slice(0, 63);
    await cluster.createBucket(bucket);
    return new TestS3('rgw', undefined, cluster, shared === undefined, cluster.port, await FaultProxy.start(cluster.port), bucket, cluster.key);
  }

  /** s3rver storing in `directory`, or a bucket named after `name` on RGW. */
  static startFor(kind: S3Kind, directory: string, name: string): Promise<TestS3> {
    return kind === 'rgw' ? TestS3.startRgw(name) : TestS3.start(directory);
  }

  /** The S3 server's process ids (for their CPU time in benchmarks): s3rver's, or RGW's daemons. */
  get pids(): number[] {
    return this.rgw ? this.rgw.pids : [this.child?.pid ?? 0];
  }

  /** The endpoint clients use: through the proxy. */
  get endpoint(): string {
    return this.proxy.endpoint;
  }

  /** A request straight to the server (no faults, not in the proxy's counts), signed with its key: `what` is "/<bucket>/<key>?<query>". */
  direct(what: string, init: { method?: string; body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<Response> {
    return signedFetch(`http://127.0.0.1:${this.serverPort}${what}`, this.key, init);
  }

  /** S3Backend settings for this server, under `prefix` (each test its own, so each starts empty). */
  settings(prefix: string, more: Partial<S3Settings> = {}): S3Settings {
    return {
      endpoint: this.endpoint,
      bucket: this.bucket,
      region: 'us-east-1',
      prefix,
      pathStyle: true,
      credentials: () => ({ ...this.key }),
      cacheBytes: 64 * 1024 * 1024,
      ...more,
    };
  }

  async stop(): Promise<void> {
    await this.proxy.stop();
    if (this.ownsRgw) await this.rgw!.stop();
    const child = this.child;
    if (!child) return;
    stopping.add(child);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
