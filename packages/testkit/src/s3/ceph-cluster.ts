/**
 * A one-host Ceph cluster (Debian's ceph-mon, ceph-mgr, ceph-osd and
 * radosgw packages) on 127.0.0.1, in one directory, its daemons this
 * process's children (no systemd): a monitor, a manager, one BlueStore OSD
 * on a sparse file, pools of one replica, and an RGW (beast) with a user
 * and a bucket. Readiness is what the cluster says (the monitor answers,
 * the OSD is up, RGW answers HTTP, health is OK), never a sleep.
 *
 * Run by ceph-main.ts (its own process group, so the whole cluster is
 * killed at once); tests reach it through rgw.ts.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { signedFetch, type S3Key } from './sigv4';

/** The BlueStore block file's size: sparse, so it takes on disk only what is written. */
const BLOCK_BYTES = 16 * 1024 ** 3;
/** How long the cluster may take to say it is ready (the issue's run took three minutes). */
const READY_MS = 10 * 60_000;
/** Full ratios to go back to after fill(): Ceph's defaults. */
const RATIOS = { nearfull: 0.85, backfillfull: 0.9, full: 0.95 };

/** What a client needs of the cluster: where its RGW is, a user's key, a bucket, and the daemons' process ids. */
export interface CephInfo {
  directory: string;
  endpoint: string;
  rgwPort: number;
  key: S3Key;
  bucket: string;
  pids: Record<string, number>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

class CephError extends Error {}

export class CephCluster {
  private readonly daemons = new Map<string, ChildProcess>();
  private readonly conf: string;
  private monPort = 0;
  private rgwPort = 0;
  readonly key: S3Key = { accessKeyId: `CPS${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(24).toString('base64url') };
  readonly bucket = 'cpsbackup-test';

  constructor(readonly directory: string) {
    this.conf = path.join(directory, 'ceph.conf');
  }

  get info(): CephInfo {
    return {
      directory: this.directory,
      endpoint: `http://127.0.0.1:${this.rgwPort}`,
      rgwPort: this.rgwPort,
      key: this.key,
      bucket: this.bucket,
      pids: Object.fromEntries([...this.daemons].map(([name, child]) => [name, child.pid ?? 0])),
    };
  }

  /** Runs a tool to completion; its output, or an error naming the command and what it printed. */
  private run(cmd: string, args: string[], timeoutMs = 120_000): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) reject(new CephError(`${cmd} ${args.join(' ')} failed (${err.message.split('\n')[0]}): ${stderr.trim() || stdout.trim()}`));
        else resolve(stdout);
      });
    });
  }

  /** The ceph CLI as client.admin; its JSON answer. */
  async ceph(...args: string[]): Promise<unknown> {
    const out = await this.run('ceph', ['-c', this.conf, '--connect-timeout', '15', ...args, '--format', 'json'], 60_000);
    return out.trim() ? (JSON.parse(out) as unknown) : undefined;
  }

  /** A daemon in the foreground, a child of this process; its stderr and stdout go to log/<name>.out. */
  private startDaemon(name: string, cmd: string, args: string[]): void {
    const out = fs.openSync(path.join(this.directory, 'log', `${name}.out`), 'a');
    const child = spawn(cmd, ['-f', '-c', this.conf, ...args], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.daemons.set(name, child);
  }

  /** Asks `probe` until it says yes; fails, with what `why` says of the cluster, once READY_MS has passed since `since`. */
  private async until(what: string, probe: () => Promise<boolean>, since: number, why?: () => Promise<string>): Promise<void> {
    for (;;) {
      for (const [name, child] of this.daemons)
        if (child.exitCode !== null || child.signalCode !== null)
          throw new CephError(`${name} exited (${child.exitCode ?? child.signalCode}) while waiting for ${what}: see ${path.join(this.directory, 'log')}`);
      if (await probe().catch(() => false)) return;
      if (Date.now() - since > READY_MS)
        throw new CephError(
          `the Ceph cluster in ${this.directory} was not ready in ${READY_MS / 1000} s: ${what}${why ? `: ${await why().catch((e: Error) => e.message)}` : ''}`,
        );
      // Polled, not slept on: each probe is a round trip to the cluster; this spaces them on a shared machine.
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async start(): Promise<void> {
    const t0 = Date.now();
    const d = this.directory;
    for (const sub of ['mon/a', 'mgr/x', 'osd/0', 'rgw', 'run', 'log', 'crash']) fs.mkdirSync(path.join(d, sub), { recursive: true });
    this.monPort = await freePort();
    this.rgwPort = await freePort();
    const fsid = randomUUID();
    fs.writeFileSync(this.conf, this.config(fsid));
    const keyring = path.join(d, 'keyring');
    await this.run('ceph-authtool', ['--create-keyring', keyring, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
    // Every daemon's key in the one keyring the monitor is made with: it imports them all, so no `ceph auth add` later.
    const keys: Array<[string, string[]]> = [
      ['client.admin', ['mon', 'allow *', 'osd', 'allow *', 'mgr', 'allow *', 'mds', 'allow *']],
      ['mgr.x', ['mon', 'allow profile mgr', 'osd', 'allow *', 'mds', 'allow *']],
      ['osd.0', ['mon', 'allow profile osd', 'osd', 'allow *', 'mgr', 'allow profile osd']],
      ['client.rgw.a', ['mon', 'allow rw', 'osd', 'allow rwx', 'mgr', 'allow rw']],
    ];
    for (const [name, caps] of keys) {
      const capArgs = caps.flatMap((c, i) => (i % 2 === 0 ? ['--cap', c] : [c]));
      await this.run('ceph-authtool', [keyring, '--gen-key', '-n', name, ...capArgs]);
    }
    const monmap = path.join(d, 'monmap');
    await this.run('monmaptool', ['--create', '--addv', 'a', `[v2:127.0.0.1:${this.monPort}]`, '--fsid', fsid, monmap]);
    await this.run('ceph-mon', ['-c', this.conf, '--mkfs', '-i', 'a', '--monmap', monmap, '--keyring', keyring]);
    this.startDaemon('mon.a', 'ceph-mon', ['-i', 'a']);
    await this.until('the monitor answering', async () => (await this.ceph('status')) !== undefined, t0);
    this.startDaemon('mgr.x', 'ceph-mgr', ['-i', 'x']);

    const osdUuid = randomUUID();
    const made = (await this.ceph('osd', 'new', osdUuid)) as { osdid: number };
    const id = String(made.osdid);
    if (id !== '0') throw new CephError(`ceph osd new gave osd.${id}, not osd.0`);
    // --no-mon-config: mkfs reads only ceph.conf (the monitor's config store has nothing for it yet).
    await this.run('ceph-osd', ['-c', this.conf, '-i', '0', '--mkfs', '--osd-uuid', osdUuid, '--no-mon-config'], 300_000);
    this.startDaemon('osd.0', 'ceph-osd', ['-i', '0']);
    await this.until(
      'osd.0 up and in',
      async () => {
        const stat = (await this.ceph('osd', 'stat')) as { num_up_osds: number; num_in_osds: number };
        return stat.num_up_osds === 1 && stat.num_in_osds === 1;
      },
      t0,
      async () => JSON.stringify(await this.ceph('osd', 'stat')),
    );
    await this.startGateway(t0);
    await this.run('radosgw-admin', [
      '-c',
      this.conf,
      'user',
      'create',
      '--uid=cpsbackup',
      '--display-name=cpsbackup tests',
      `--access-key=${this.key.accessKeyId}`,
      `--secret=${this.key.secretAccessKey}`,
    ]);
    await this.createBucket(this.bucket);
    await this.until(
      'HEALTH_OK',
      async () => ((await this.ceph('health')) as { status: string }).status === 'HEALTH_OK',
      t0,
      () => this.healthDetail(),
    );
  }

  private async healthDetail(): Promise<string> {
    const h = (await this.ceph('health', 'detail')) as { status: string; checks: Record<string, { summary: { message: string } }> };
    return `${h.status}: ${Object.entries(h.checks)
      .map(([k, c]) => `${k} ${c.summary.message}`)
      .join('; ')}`;
  }

  /** A bucket made by the test user; an error with RGW's answer if it was refused. */
  async createBucket(name: string): Promise<void> {
    const res = await signedFetch(`http://127.0.0.1:${this.rgwPort}/${name}`, this.key, { method: 'PUT' });
    const body = await res.text();
    if (res.status !== 200 && !/BucketAlreadyOwnedByYou/.test(body)) throw new CephError(`RGW did not make bucket ${name}: ${res.status} ${body}`);
  }

  private get gatewayRunning(): boolean {
    const rgw = this.daemons.get('rgw.a');
    return rgw !== undefined && rgw.exitCode === null && rgw.signalCode === null;
  }

  /** Starts radosgw on the port it had (or a free one the first time); resolves once it answers HTTP. */
  async startGateway(since = Date.now()): Promise<void> {
    if (this.gatewayRunning) throw new CephError('the gateway is already running');
    this.startDaemon('rgw.a', 'radosgw', ['-n', 'client.rgw.a']);
    await this.until(
      `RGW answering on 127.0.0.1:${this.rgwPort}`,
      async () => {
        const res = await fetch(`http://127.0.0.1:${this.rgwPort}/`, { signal: AbortSignal.timeout(5000) });
        await res.arrayBuffer();
        // Anonymous: a ListAllMyBuckets answer (or a refusal) from RGW itself, not from something else on the port.
        return /rgw|ceph/i.test(res.headers.get('server') ?? '') || res.status === 200 || res.status === 403;
      },
      since,
    );
  }

  /** Stops radosgw with `signal`; resolves once it has exited. */
  async stopGateway(signal: NodeJS.Signals): Promise<void> {
    const rgw = this.daemons.get('rgw.a');
    if (!rgw || !this.gatewayRunning) throw new CephError('the gateway is not running');
    const exited = new Promise((r) => rgw.once('exit', r));
    rgw.kill(signal);
    await exited;
  }

  /** Full ratios set below what the OSD uses: resolves once the cluster reports the OSD full (writes are held). */
  async fill(): Promise<void> {
    // Lowest first, so the ratios stay in order (nearfull < backfillfull < full) at every step.
    await this.ceph('osd', 'set-nearfull-ratio', '0.001');
    await this.ceph('osd', 'set-backfillfull-ratio', '0.002');
    await this.ceph('osd', 'set-full-ratio', '0.003');
    await this.until(
      'the OSD reported full',
      async () => 'OSD_FULL' in (await this.checks()),
      Date.now(),
      () => this.healthDetail(),
    );
  }

  /** Ceph's default ratios back: resolves once the cluster no longer reports the OSD full. */
  async unfill(): Promise<void> {
    await this.ceph('osd', 'set-full-ratio', String(RATIOS.full));
    await this.ceph('osd', 'set-backfillfull-ratio', String(RATIOS.backfillfull));
    await this.ceph('osd', 'set-nearfull-ratio', String(RATIOS.nearfull));
    await this.until(
      'the OSD no longer full',
      async () => {
        const checks = await this.checks();
        return !('OSD_FULL' in checks) && !('POOL_FULL' in checks);
      },
      Date.now(),
      () => this.healthDetail(),
    );
  }

  private async checks(): Promise<Record<string, unknown>> {
    return ((await this.ceph('health')) as { checks: Record<string, unknown> }).checks;
  }

  /** Every daemon killed (SIGKILL: the directory is thrown away), waited for. */
  async kill(): Promise<void> {
    await Promise.all(
      [...this.daemons.values()].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }),
    );
  }

  private config(fsid: string): string {
    const d = this.directory;
    return `[global]
fsid = ${fsid}
mon_host = [v2:127.0.0.1:${this.monPort}]
mon_initial_members = a
public_network = 127.0.0.0/8
ms_bind_ipv4 = true
ms_bind_ipv6 = false
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
auth_allow_insecure_global_id_reclaim = false
keyring = ${d}/keyring
run_dir = ${d}/run
admin_socket = ${d}/run/$name.asok
pid_file = ${d}/run/$name.pid
log_file = ${d}/log/$name.log
crash_dir = ${d}/crash
mon_data = ${d}/mon/$id
mgr_data = ${d}/mgr/$id
osd_data = ${d}/osd/$id
# One OSD on one host: pools of one replica, placement by OSD, and the warnings that go with it off.
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_max_pg_per_osd = 1000
# The test machine's disk, not the cluster's, decides how full it may get.
mon_data_avail_warn = 1
mgr_initial_modules =
# Memory kept modest: the machine is shared.
osd_objectstore = bluestore
bluestore_block_create = true
bluestore_block_size = ${BLOCK_BYTES}
bluestore_cache_autotune = false
bluestore_cache_size = 134217728
osd_memory_target = 939524096
rgw_thread_pool_size = 64

[osd.0]
# Outside the OSD's directory, as a disk would be.
bluestore_block_path = ${d}/osd-0.block

[client.rgw.a]
rgw_frontends = beast endpoint=127.0.0.1:${this.rgwPort}
rgw_data = ${d}/rgw
`;
  }
}
