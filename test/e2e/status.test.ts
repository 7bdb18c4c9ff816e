import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import parsePrometheus from 'parse-prometheus-text-format';
import type { StatusReport } from '@cpsbackup/server';
import { SeededRandom } from '@cpsbackup/testkit';
import { freePort, runCli, until, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

const CHECK = path.resolve(__dirname, '../../scripts/check_cpsbackup');

interface Family {
  name: string;
  type: string;
  metrics: Array<{ value: string; labels?: Record<string, string> }>;
}

function runCheck(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(CHECK, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout }));
  });
}

describe('status port: /status, /metrics, /health, cpsbackup status, check_cpsbackup', () => {
  const { root, pki, server } = useServer('status', { status: true, clients: { mon: ['expected_interval = 1h'], idle: [] } });
  let base: string;
  beforeAll(() => (base = `http://127.0.0.1:${server.statusPort}`));
  afterAll(() => {
    if (process.env.DEBUG_LOG) console.log(server.log.slice(-3000));
  });

  const getJson = async (p: string) => (await fetch(base + p)).json() as Promise<StatusReport>;
  const clientOf = (st: StatusReport, name: string) => st.clients.find((c) => c.name === name)!;
  const metrics = async (): Promise<Map<string, Family>> => {
    const res = await fetch(base + '/metrics');
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const families = parsePrometheus(await res.text()) as Family[];
    return new Map(families.map((f) => [f.name, f]));
  };
  const valueFor = (m: Map<string, Family>, name: string, client?: string) =>
    Number(m.get(name)!.metrics.find((x) => (client ? x.labels?.client === client : true))!.value);

  test('during and after a backup; overdue flips when the client misses its interval', async () => {
    expect(await (await fetch(base + '/health')).json()).toEqual({ status: 'ok' });
    expect((await fetch(base + '/nope')).status).toBe(404);
    expect((await fetch(base + '/status', { method: 'POST' })).status).toBe(405);

    const data = path.join(root, 'mon-data');
    fs.mkdirSync(data);
    const rnd = new SeededRandom('mon');
    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(data, `f${i}`), rnd.bytes(2_000_000));
    // Walked last: a dump whose writer waits at a gate the test opens once it saw the backup running.
    const fifo = path.join(data, 'zz-slow.dump');
    const gate = path.join(root, 'mon-gate');
    execFileSync('mkfifo', [fifo, gate]);
    const writer = spawn('sh', ['-c', 'exec 3>"$1"; head -c 1000000 /dev/urandom >&3; read x <"$2"; head -c 1000 /dev/urandom >&3', 'sh', fifo, gate], {
      stdio: 'ignore',
    });
    const conf = writeNodeConf(root, server, { cname: 'mon', cert: pki.client('mon'), include: [data], extra: ['read_all_fifos = 1'] });

    const before = await getJson('/status');
    const monBefore = clientOf(before, 'mon');
    expect(monBefore.lastSuccess).toBeNull();
    expect(monBefore.overdue).toBe(true);

    const run = runCli(['-c', conf, '-e']);
    let seenRunning: StatusReport['clients'][number]['running'] | undefined;
    let seenMetrics: Map<string, Family> | undefined;
    let ended = false;
    void run.then(() => (ended = true));
    while (!seenRunning) {
      if (ended) throw new Error(`the backup ended before the status port showed it running: ${JSON.stringify(await run)}`);
      const st = await getJson('/status');
      const mon = clientOf(st, 'mon');
      if (mon.running && mon.running.phase === 'receiving' && mon.running.newBytes > 0) {
        seenRunning = mon.running;
        seenMetrics = await metrics();
      }
      await new Promise((r) => setTimeout(r, 30));
    }
    await fs.promises.writeFile(gate, 'go\n');
    expect(seenRunning!.number).toBe(1);
    expect(seenRunning!.bytesPerSecond).toBeGreaterThan(0);
    expect(valueFor(seenMetrics!, 'cpsbackup_client_running', 'mon')).toBe(1);
    expect(valueFor(seenMetrics!, 'cpsbackup_open_connections')).toBeGreaterThanOrEqual(1);
    expect((await run).code).toBe(0);
    writer.kill();

    // The report is cached for a second: the finished backup shows once the next one is built.
    let after = await getJson('/status');
    while (clientOf(after, 'mon').lastSuccess === null) {
      await new Promise((r) => setTimeout(r, 100));
      after = await getJson('/status');
    }
    expect(after.server.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(after.store.chunks).toBeGreaterThan(0);
    const mon = clientOf(after, 'mon');
    expect(mon.running).toBeNull();
    expect(mon.lastSuccess!.number).toBe(1);
    expect(mon.lastSuccess!.bytes).toBe(80_000_000 + 1_001_000);
    expect(mon.lastResult!.status).toBe('available');
    expect(mon.overdue).toBe(false);
    expect(mon.backups).toBe(1);
    expect(mon.storedBytes).toBeGreaterThan(80_000_000);

    const m = await metrics();
    expect(m.get('cpsbackup_client_last_success_timestamp_seconds')!.type).toBe('GAUGE');
    expect(Math.abs(valueFor(m, 'cpsbackup_client_last_success_timestamp_seconds', 'mon') - Date.parse(mon.lastSuccess!.finishedAt) / 1000)).toBeLessThan(1);
    expect(valueFor(m, 'cpsbackup_client_last_success_new_bytes', 'mon')).toBeGreaterThanOrEqual(80_000_000);
    expect(valueFor(m, 'cpsbackup_client_running', 'mon')).toBe(0);
    expect(valueFor(m, 'cpsbackup_client_overdue', 'mon')).toBe(0);
    expect(valueFor(m, 'cpsbackup_client_overdue', 'idle')).toBe(1);
    expect(m.get('cpsbackup_client_backups_failed_total')!.type).toBe('COUNTER');
    expect(valueFor(m, 'cpsbackup_client_backups_failed_total', 'mon')).toBe(0);
    expect(valueFor(m, 'cpsbackup_client_backups_succeeded_total', 'mon')).toBe(1);
    expect(m.get('cpsbackup_build_info')!.metrics[0]!.labels).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), nodejs: process.version });
    expect(m.get('cpsbackup_backup_duration_seconds')!.type).toBe('HISTOGRAM');
    expect(m.get('process_cpu_seconds_total')!.type).toBe('COUNTER');
    expect(m.get('cpsbackup_gc_runs_total')!.type).toBe('COUNTER');
    expect(valueFor(m, 'cpsbackup_store_stored_bytes')).toBeGreaterThan(80_000_000);
    expect(valueFor(m, 'cpsbackup_store_dedup_ratio')).toBeGreaterThan(0.9);

    const table = await runCli(['status', '--url', base]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^mon +0000001 \d+s ago +1 +7\d\.\d MiB {2}OK$/m);
    expect(table.stdout).toMatch(/^idle +never +0 +0 B {2}NEVER$/m);

    const ok = await runCheck(['--url', base, '--client', 'mon', '--warning', '1h', '--critical', '2h']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^CPSBACKUP OK - mon: last backup 0000001 finished \d+s ago \| mon_age=\d+s;3600;7200;0\n$/);
    const warning = await runCheck(['--url', base, '--client', 'mon', '--warning', '0s', '--critical', '2h']);
    expect(warning.code).toBe(1);
    // An "@" range alerts when the age is inside it.
    const inside = await runCheck(['--url', base, '--client', 'mon', '--warning', '@0:1h', '--critical', '2h']);
    expect(inside.code).toBe(1);
    expect(inside.stdout).toMatch(/^CPSBACKUP WARNING - mon: last backup 0000001 finished \d+s ago, age inside -w @3600 \| /);
    const never = await runCheck(['--url', base, '--client', 'idle']);
    expect(never.code).toBe(2);
    expect(never.stdout).toMatch(/CPSBACKUP CRITICAL - idle: no successful backup/);
    const unknown = await runCheck(['--url', 'http://127.0.0.1:1']);
    expect(unknown.code).toBe(3);

    // The interval becomes 1 s (the client file changed, reloaded on SIGHUP): once that has passed since the
    // backup finished (by the clock the server judges by), the flag flips. An hour before, so that no check above
    // could find it overdue however slow the machine.
    server.addClient('mon', ['expected_interval = 1s']);
    process.kill(server.pid, 'SIGHUP');
    await until('the client files to be reloaded', () => /"msg":"client files reloaded"/.test(server.log));
    // (A report built before the reload may be served for up to a second: the flag is read until it flips.)
    await until('the status port to show mon overdue', async () => clientOf(await getJson('/status'), 'mon').overdue);
    expect(valueFor(await metrics(), 'cpsbackup_client_overdue', 'mon')).toBe(1);
    // Without thresholds the plugin agrees with the server's overdue flag (expected_interval = 1s).
    const byServer = await runCheck(['--url', base, '--client', 'mon']);
    expect(byServer.code).toBeGreaterThanOrEqual(1);
    expect(byServer.stdout).toMatch(
      /^CPSBACKUP (WARNING|CRITICAL) - mon: last backup 0000001 finished \d+s ago, overdue \(expected every 1s\) \| mon_age=\d+s;1;2;0\n$/,
    );
  });
});

describe('status port beyond loopback: a token, and reasons left out', () => {
  const { root, pki, server } = useServer('status-token', { status: true, conf: ['status_token = tok-123', 'status_redact = 1'], clients: { failing: [] } });
  beforeAll(async () => {
    // A backup that fails with a reason naming a path.
    const conf = writeNodeConf(root, server, { cname: 'failing', cert: pki.client('failing'), include: [path.join(root, 'no-such-dir')] });
    expect((await runCli(['-c', conf, '-e'])).code).toBe(9);
  });

  test('/status and /metrics need the token, /health does not; the reasons are not shown', async () => {
    const base = `http://127.0.0.1:${server.statusPort}`;
    expect((await fetch(`${base}/status`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const res = await fetch(`${base}/status`, { headers: { authorization: 'Bearer tok-123' } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('no-such-dir');
    const report = JSON.parse(text) as StatusReport;
    expect(report.clients.find((c) => c.name === 'failing')!.lastResult).toMatchObject({ status: 'partial', reason: null });
    const check = await runCheck(['--url', base, '--client', 'failing', '--token', 'tok-123']);
    expect(check.stdout).toMatch(/^CPSBACKUP (WARNING|CRITICAL) - failing:.*\(reason withheld: status_redact\)/);
    expect(check.stdout).not.toContain('null');
    expect((await runCheck(['--url', base, '--client', 'failing'])).stdout).toMatch(/^CPSBACKUP UNKNOWN - .*HTTP 401/);
  });

  test('cpsbackup status: a missing or wrong token is exit 3 (AUTH) saying which token to give', async () => {
    const base = `http://127.0.0.1:${server.statusPort}`;
    const refused = 'cpsbackup: the status port refused the token (HTTP 401): give --token or CPSBACKUP_STATUS_TOKEN (status_token in server.conf)\n';
    expect(await runCli(['status', '--url', base])).toMatchObject({ code: 3, stderr: refused });
    expect(await runCli(['status', '--url', base, '--token', 'wrong'])).toMatchObject({ code: 3, stderr: refused });
    const table = await runCli(['status', '--url', base, '--token', 'tok-123']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^failing +.* {2}PARTIAL; last partial: \(reason withheld: status_redact\)$/m);
  });

  test('cpsbackup status: a closed port is exit 4 with the cause', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli(['status', '--url', closed]);
    expect(run.code).toBe(4);
    expect(run.stderr).toBe(
      `cpsbackup: cannot reach the status port at ${closed} (ECONNREFUSED): is cpsbackupd running, and --url its status_address and status_port?\n`,
    );
  });

  test('answers are not cached, sniffed or framed; the scheme name is case-insensitive', async () => {
    const base = `http://127.0.0.1:${server.statusPort}`;
    for (const [path, auth] of [
      ['/', 'bearer tok-123'],
      ['/status', 'BEARER tok-123'],
      ['/metrics', 'Bearer tok-123'],
      ['/', ''],
    ] as const) {
      const res = await fetch(`${base}${path}`, { headers: auth ? { authorization: auth } : {} });
      expect([path, auth, res.status]).toEqual([path, auth, auth ? 200 : 401]);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      if (path === '/') expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    }
  });

  test('a wrong token is said in the log (the address, how many), not the token', async () => {
    const base = `http://127.0.0.1:${server.statusPort}`;
    const res = await fetch(`${base}/status`, { headers: { authorization: 'Bearer guess-42' } });
    expect(res.status).toBe(401);
    const line = server.log.split('\n').find((l) => l.includes('"msg":"status port: wrong token"'));
    expect(line).toMatch(/"wrongTokens":\d+,"last":"[^"]*127\.0\.0\.1"/);
    expect(server.log).not.toContain('guess-42');
  });
});
