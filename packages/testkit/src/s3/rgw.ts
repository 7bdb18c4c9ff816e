/**
 * A real Ceph RGW for tests and benches: a one-host cluster (ceph-main.ts)
 * started as a child process group in a temporary directory, or the one a
 * jest run already started (jest-global-setup.ts hands it on in
 * CPSBACKUP_RGW). The controls fault tests need: the gateway stopped
 * (SIGKILL or SIGTERM) and started again on its port, the cluster made
 * full and not full again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type CephInfo } from './ceph-cluster';
import { type S3Key } from './sigv4';

/** The cluster's process, compiled. */
const CEPH_SCRIPT = path.resolve(__dirname, '..', '..', 'dist', 's3', 'ceph-main.js');
/** The environment variable a jest run's global setup hands its cluster on in. */
export const RGW_ENV = 'CPSBACKUP_RGW';

type Shared = CephInfo & { control: string };

/** Which object store the S3 tests run against. */
export type S3Kind = 's3rver' | 'rgw';

/** CPSBACKUP_S3=rgw: a real Ceph RGW (`make test-rgw`); otherwise s3rver (`make test`: fast, for fault injection). */
export function s3Kind(): S3Kind {
  const kind = process.env.CPSBACKUP_S3 ?? 's3rver';
  if (kind !== 's3rver' && kind !== 'rgw') throw new Error(`CPSBACKUP_S3=${kind}: say s3rver or rgw`);
  return kind;
}

export class TestRgw {
  private constructor(
    private readonly info: Shared,
    /** The cluster's process group when this process started it (undefined: another did, and stops it). */
    private readonly child: ChildProcess | undefined,
  ) {}

  /**
   * Starts a cluster in a new temporary directory; resolves once it is ready (about a minute on 2 cores).
   * Fails, naming what was not ready and where its logs are, if Ceph's packages are missing or it does not come up.
   */
  static async start(): Promise<TestRgw> {
    if (!fs.existsSync(CEPH_SCRIPT)) throw new Error(`${CEPH_SCRIPT} is missing: run make build first`);
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsbackup-ceph-'));
    // A process group of its own: stop() kills it and every daemon at once. Its stdin is ours: if this process dies, it cleans up.
    const child = spawn(process.execPath, [CEPH_SCRIPT, directory], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const info = await new Promise<Shared>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const ready = /^ready (.*)$/m.exec(out);
          if (ready) resolve(JSON.parse(ready[1]!) as Shared);
          const failed = /^failed (.*)$/m.exec(out);
          if (failed) reject(new Error(`the Ceph cluster did not start: ${failed[1]}`));
        });
        child.on('error', (e) => reject(new Error(`the Ceph cluster's process did not start: ${e.message}`)));
        child.on('exit', (code) =>
          reject(
            new Error(
              `the Ceph cluster's process exited (${code}) before it was ready: ${stderr.trim() || out.trim()}; are ceph-mon, ceph-mgr, ceph-osd and radosgw installed (make test-rgw installs them)?`,
            ),
          ),
        );
      });
      return new TestRgw(info, child);
    } catch (e) {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
      throw e;
    }
  }

  /** The cluster a jest run's global setup started, if there is one. */
  static shared(): TestRgw | undefined {
    const text = process.env[RGW_ENV];
    return text ? new TestRgw(JSON.parse(text) as Shared, undefined) : undefined;
  }

  /** What the global setup hands on to the test files. */
  get handOn(): string {
    return JSON.stringify(this.info);
  }

  get endpoint(): string {
    return this.info.endpoint;
  }

  get port(): number {
    return this.info.rgwPort;
  }

  get key(): S3Key {
    return this.info.key;
  }

  /** The bucket the cluster was started with. */
  get bucket(): string {
    return this.info.bucket;
  }

  /** Where the cluster keeps its data, configuration and logs. */
  get directory(): string {
    return this.info.directory;
  }

  /** The daemons' process ids (monitor, manager, OSD, gateway), for their CPU time (the gateway's is the one it had at start). */
  get pids(): number[] {
    return Object.values(this.info.pids);
  }

  private async control(method: string, what: string): Promise<unknown> {
    const res = await fetch(`${this.info.control}${what}`, { method });
    const body = (await res.json()) as { error?: string };
    if (res.status !== 200) throw new Error(`the Ceph cluster's control ${method} ${what} failed: ${body.error ?? res.status}`);
    return body;
  }

  /** A bucket of the test user's. */
  async createBucket(name: string): Promise<void> {
    await this.control('POST', `/bucket?name=${encodeURIComponent(name)}`);
  }

  /** radosgw stopped with `signal` (SIGKILL: as a crash; SIGTERM: as a restart); resolves once it has exited. */
  async stopGateway(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    await this.control('POST', `/gateway/stop?signal=${signal}`);
  }

  /** radosgw started again on the same port; resolves once it answers HTTP. */
  async startGateway(): Promise<void> {
    await this.control('POST', '/gateway/start');
  }

  /** The OSD made full (full ratios below its use); resolves once the cluster reports it full. Writes then wait. */
  async fill(): Promise<void> {
    await this.control('POST', '/full');
  }

  /** The full ratios back to Ceph's defaults; resolves once the cluster no longer reports the OSD full. */
  async unfill(): Promise<void> {
    await this.control('POST', '/not-full');
  }

  /** Kills the cluster's process group and removes its directory, if this process started it. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    }
    // The daemons got the same SIGKILL, but one in the middle of a disk write (an OSD's fsync) ends after its
    // parent: wait until each is gone before the directory goes (a zombie counts as gone).
    while (this.pids.some(running)) await new Promise((r) => setTimeout(r, 20));
    fs.rmSync(this.info.directory, { recursive: true, force: true });
  }
}

/** Whether a process still runs: it exists and is not a zombie waiting for its parent. */
function running(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
