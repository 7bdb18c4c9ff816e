import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import type { StatusReport } from '@cpsbackup/server';
import { SeededRandom } from '@cpsbackup/testkit';
import { freePort, runCli, until, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

const CHECK = path.resolve(__dirname, '../../scripts/check_cpsbackup');
const TOKEN = 'tok-check-plugin';

/** The plugin as Nagios runs it: its exit code and stdout (stderr is the test's). */
function runCheck(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const { CPSBACKUP_STATUS_TOKEN: _ignored, ...inherited } = process.env;
    const child = spawn(CHECK, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...inherited, ...env } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout }));
  });
}

/**
 * check_cpsbackup through its script against a real cpsbackupd status port
 * (with a status_token) and real clients: good (backed up), late (backed
 * up, then expected_interval = 1s), failing (a backup, then a partial one)
 * and idle (never backed up). The monitoring-plugins guidelines: exit codes,
 * -h/-V, usage errors, -t, ranges, a short first line with the detail on
 * the following lines, and perfdata for every client.
 */
describe('check_cpsbackup as a monitoring plugin', () => {
  const clients = { failing: ['expected_interval = 1h'], good: ['expected_interval = 1h'], idle: ['expected_interval = 1h'], late: ['expected_interval = 1h'] };
  const { root, pki, server } = useServer('check-plugin', { status: true, conf: [`status_token = ${TOKEN}`], clients });
  let url: string;
  const status = async () => (await (await fetch(`${url}/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as StatusReport;
  const client = (report: StatusReport, name: string) => report.clients.find((c) => c.name === name)!;

  beforeAll(async () => {
    url = `http://127.0.0.1:${server.statusPort}`;
    const backup = async (name: string, include: string[], code: number) => {
      const conf = writeNodeConf(path.join(root, name), server, { cname: name, cert: pki.client(name), include });
      const run = await runCli(['-c', conf, '-e']);
      expect([name, run.code, run.stderr]).toEqual([name, code, expect.any(String)]);
    };
    for (const name of ['good', 'late', 'failing']) {
      const data = path.join(root, `${name}-data`);
      fs.mkdirSync(data);
      const rnd = new SeededRandom(name);
      for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(data, `f${i}`), rnd.bytes(2_000 + i));
      await backup(name, [data], 0);
    }
    // failing's next backup misses an include root: stored, but partial (exit 9).
    await backup('failing', [path.join(root, 'failing-data'), path.join(root, 'gone')], 9);
    // late's interval becomes 1 s; once its last success is over 2 s old it is past twice that (CRITICAL by default).
    server.addClient('late', ['expected_interval = 1s']);
    process.kill(server.pid, 'SIGHUP');
    await until('the client files to be reloaded', () => /"msg":"client files reloaded"/.test(server.log));
    await until('the status port to show late overdue and failing partial', async () => {
      const report = await status();
      return client(report, 'late').overdue && client(report, 'failing').lastResult?.status === 'partial';
    });
    const finished = Date.parse(client(await status(), 'late').lastSuccess!.finishedAt);
    await until('late to be more than twice its interval old', () => Date.now() - finished > 2_500);
  });

  test('every client: CRITICAL, a short first line with counts and a few names, one line per client, perfdata for each', async () => {
    const names = (await status()).clients.map((c) => c.name);
    const check = await runCheck(['-u', url, '-T', TOKEN]);
    expect(check.code).toBe(2);
    const lines = check.stdout.split('\n');
    expect(lines.pop()).toBe('');
    // The CRITICAL clients (in the server's order), then the WARNING one.
    const flagged = [...names.filter((n) => n === 'idle' || n === 'late'), 'failing'];
    expect(lines[0]).toBe(
      `CPSBACKUP CRITICAL - 1 never, 1 overdue, 1 failed of 4 clients: ${flagged.join(', ')} | clients=4;;;0 never=1;;;0 overdue=1;;;0 failed=1;;;0 damaged=0;;;0`,
    );
    const detail = lines.slice(1, 5);
    expect(detail.map((l) => l.split(':')[0])).toEqual([...flagged, 'good']);
    expect(detail[flagged.indexOf('idle')]).toBe('idle: no successful backup');
    expect(detail[flagged.indexOf('late')]).toMatch(/^late: last backup 0000001 finished \d+s ago, overdue \(expected every 1s\)$/);
    expect(detail[2]).toMatch(/^failing: last backup 0000001 finished \d+s ago, last attempt partial: include .*gone.* could not be read \(ENOENT\)$/);
    expect(detail[3]).toMatch(/^good: last backup 0000001 finished \d+s ago \| \S+$/);
    // Long-output perfdata: after the "|" on the last text line, then one a line; every client, U where there is no age.
    const perf = [detail[3]!.split(' | ')[1], ...lines.slice(5)];
    expect(perf.sort()).toEqual(
      ['failing_age=\\d+s;3600;7200;0', 'good_age=\\d+s;3600;7200;0', 'idle_age=U;3600;7200;0', 'late_age=\\d+s;1;2;0'].map((p) =>
        expect.stringMatching(new RegExp(`^${p}$`)),
      ),
    );
  });

  test('-C NAME: that client alone on the first line, with its perfdata', async () => {
    const good = await runCheck(['-u', url, '-C', 'good', '-T', TOKEN]);
    expect(good).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^CPSBACKUP OK - good: last backup 0000001 finished \d+s ago \| good_age=\d+s;3600;7200;0\n$/),
    });
    const late = await runCheck(['--url', url, '--client', 'late', '--token', TOKEN]);
    expect(late).toEqual({
      code: 2,
      stdout: expect.stringMatching(
        /^CPSBACKUP CRITICAL - late: last backup 0000001 finished \d+s ago, overdue \(expected every 1s\) \| late_age=\d+s;1;2;0\n$/,
      ),
    });
    const failing = await runCheck(['-u', url, '-C', 'failing', '-T', TOKEN]);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(
      /^CPSBACKUP WARNING - failing: last backup 0000001 finished \d+s ago, last attempt partial: .*gone.* \| failing_age=\d+s;3600;7200;0\n$/,
    );
    const idle = await runCheck(['-u', url, '-C', 'idle', '-T', TOKEN]);
    expect(idle).toEqual({ code: 2, stdout: 'CPSBACKUP CRITICAL - idle: no successful backup | idle_age=U;3600;7200;0\n' });
    const none = await runCheck(['-u', url, '-C', 'nosuch', '-T', TOKEN]);
    expect(none).toEqual({ code: 3, stdout: expect.stringMatching(/^CPSBACKUP UNKNOWN - no client nosuch on the server: check the name .*clientconfdir\n$/) });
  });

  test('-w / -c ranges on the age replace the server interval; perfdata carries them in seconds', async () => {
    const run = async (...args: string[]) => runCheck(['-u', url, '-T', TOKEN, '-C', 'late', ...args]);
    // late is seconds old: older than 1000 days it is not, so plain ranges leave it OK.
    expect(await run('-w', '1000d', '-c', '2000d')).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^CPSBACKUP OK - late: last backup 0000001 finished \d+s ago \| late_age=\d+s;86400000;172800000;0\n$/),
    });
    // "@": alert inside the range.
    expect(await run('-w', '@0:1000d', '-c', '2000d')).toEqual({
      code: 1,
      stdout: expect.stringMatching(/^CPSBACKUP WARNING - late: .* ago, age inside -w @86400000 \| late_age=\d+s;@86400000;172800000;0\n$/),
    });
    expect((await run('-w', '1000d', '-c', '@1s:1000d')).code).toBe(2);
    // "START:": alert when younger than START; "~:END": when older than END.
    expect((await run('-w', '1000d:', '-c', '2000d')).code).toBe(1);
    expect((await run('-w', '~:0', '-c', '~:1000d')).code).toBe(1);
    expect((await run('-w', '~:0', '-c', '~:1s')).code).toBe(2);
    // -w alone: -c stays at twice the interval, or the -w end when that is higher.
    expect((await run('-w', '1000d')).stdout).toMatch(/ \| late_age=\d+s;86400000;86400000;0\n$/);
    // Over every client: the ages pass, the partial and the never-backed-up client still count.
    const all = await runCheck(['-u', url, '-T', TOKEN, '-w', '1000d', '-c', '2000d']);
    expect(all.code).toBe(2);
    expect(all.stdout.split('\n')[0]).toMatch(/^CPSBACKUP CRITICAL - 1 never, 1 failed of 4 clients: idle, failing \| /);
  });

  test('the token: -T, $CPSBACKUP_STATUS_TOKEN; a refused or missing one is UNKNOWN saying so, not "unreachable"', async () => {
    expect((await runCheck(['-u', url, '-C', 'good'], { CPSBACKUP_STATUS_TOKEN: TOKEN })).code).toBe(0);
    expect(await runCheck(['-u', url, '-C', 'good', '-T', 'wrong'])).toEqual({
      code: 3,
      stdout: `CPSBACKUP UNKNOWN - status port ${url} refused the token (HTTP 401): give the status_token of cpsbackupd's server.conf with -T or CPSBACKUP_STATUS_TOKEN\n`,
    });
    expect(await runCheck(['-u', url, '-C', 'good'])).toEqual({
      code: 3,
      stdout: `CPSBACKUP UNKNOWN - status port ${url} needs a token (HTTP 401): give the status_token of cpsbackupd's server.conf with -T or CPSBACKUP_STATUS_TOKEN\n`,
    });
  });

  test('a closed port is UNKNOWN "unreachable"; a listener that never answers is UNKNOWN "timed out after N s"', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    expect(await runCheck(['-u', closed])).toEqual({
      code: 3,
      stdout: `CPSBACKUP UNKNOWN - status port ${closed} unreachable (connect ECONNREFUSED ${closed.slice(7)}: is cpsbackupd running, and -u its status_address and status_port?)\n`,
    });
    // A port fetch will not connect to at all (the ports browsers block) says so.
    expect(await runCheck(['-u', 'http://127.0.0.1:1'])).toEqual({
      code: 3,
      stdout:
        'CPSBACKUP UNKNOWN - status port http://127.0.0.1:1 unreachable (fetch refuses to connect to this port: set status_port in server.conf to another, such as 4201)\n',
    });
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const hung = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
      expect(await runCheck(['-u', hung, '-t', '1'])).toEqual({
        code: 3,
        stdout: `CPSBACKUP UNKNOWN - status port ${hung} timed out after 1 s: is cpsbackupd stuck? (give -t for a longer wait)\n`,
      });
      expect(sockets.length).toBeGreaterThan(0);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('a port that answers something else than the status document is UNKNOWN saying which port to give', async () => {
    const other = http.createServer((req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(req.url === '/status' ? '{"status":"ok"}' : 'nope'),
    );
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const wrong = `http://127.0.0.1:${(other.address() as net.AddressInfo).port}`;
      expect(await runCheck(['-u', wrong])).toEqual({
        code: 3,
        stdout: `CPSBACKUP UNKNOWN - ${wrong}/status answered something other than cpsbackupd's status document (no list of clients): is -u the status port (status_address in server.conf)?\n`,
      });
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  test('-h and -V print and exit 3 (UNKNOWN), as monitoring-plugins do; a usage error is UNKNOWN with the usage', async () => {
    const help = await runCheck(['-h']);
    expect(help.code).toBe(3);
    expect(help.stdout).toMatch(/^check_cpsbackup \d+\.\d+\.\d+\n/);
    for (const option of ['--help', '--version', '--url', '--client', '--warning', '--critical', '--timeout', '--token', '@1h:26h'])
      expect(help.stdout).toContain(option);
    // --help overrides the rest.
    expect(await runCheck(['-u', 'http://127.0.0.1:1', '--help'])).toEqual(help);
    expect(await runCheck(['-V'])).toEqual({ code: 3, stdout: expect.stringMatching(/^check_cpsbackup \d+\.\d+\.\d+\n$/) });
    expect(await runCheck(['--version'])).toEqual(await runCheck(['-V']));
    for (const args of [['-x'], ['--bogus'], ['extra'], ['-t', '0'], ['-t', 'soon'], ['-w', '20:10'], ['-c', 'ten'], ['-w'], ['-u', 'localhost:4201']]) {
      const bad = await runCheck(args);
      expect([args, bad.code]).toEqual([args, 3]);
      expect(bad.stdout).toMatch(/^CPSBACKUP UNKNOWN - \S/);
    }
    expect((await runCheck(['-x'])).stdout).toBe(
      "CPSBACKUP UNKNOWN - Unknown option '-x'\n" +
        'Usage: check_cpsbackup [-u URL] [-C CLIENT] [-w RANGE] [-c RANGE] [-t SECONDS] [-T TOKEN]\n' +
        '       check_cpsbackup -h | -V\n' +
        'See check_cpsbackup --help.\n',
    );
    expect((await runCheck(['-w', '20:10'])).stdout).toBe(
      'CPSBACKUP UNKNOWN - --warning: threshold "20:10" starts above its end: give a range such as 10, 10:, ~:10, 10:20 or @10:20\n',
    );
  });
});

describe('check_cpsbackup over many clients', () => {
  // 51 clients with long names, none backed up yet: the first line must not grow with them.
  const names = Array.from({ length: 51 }, (_, i) => `node-${String(i).padStart(2, '0')}.rack-b.datacentre.example.org`);
  const { server } = useServer('check-many', { status: true, clients: Object.fromEntries(names.map((n) => [n, []])) });

  test('the first line names three and counts the rest; every client has its line and its perfdata', async () => {
    const check = await runCheck(['-u', `http://127.0.0.1:${server.statusPort}`]);
    expect(check.code).toBe(2);
    const lines = check.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe(
      `CPSBACKUP CRITICAL - 51 never of 51 clients: ${names.slice(0, 3).join(', ')} and 48 more | clients=51;;;0 never=51;;;0 overdue=0;;;0 failed=0;;;0 damaged=0;;;0`,
    );
    const [last, firstPerf] = lines[51]!.split(' | ');
    expect([...lines.slice(1, 51), last].sort()).toEqual(names.map((n) => `${n}: no successful backup`));
    expect([firstPerf, ...lines.slice(52)].sort()).toEqual(names.map((n) => `${n}_age=U;86400;172800;0`));
    expect(lines).toHaveLength(52 + 50);
  });
});

/**
 * What a node controls (an include path in its node.conf, named by the
 * reason of a partial backup) reaches the operator's terminal and Nagios
 * escaped; a client with enabled = 0 is OK "disabled", as on the status page.
 */
describe('hostile text and disabled clients in check_cpsbackup, cpsbackup status and cpsbackup -l', () => {
  const { root, pki, server } = useServer('check-hostile', { status: true, clients: { evil: [], idle: [], off: ['enabled = 0'] } });
  const evilPath = () => path.join(root, 'gone-\x1b]0;PWNED\x07\x1b[2J|x=1');
  let evilConf: string;
  beforeAll(async () => {
    const data = path.join(root, 'evil-data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'f'), 'x');
    evilConf = writeNodeConf(path.join(root, 'evil'), server, { cname: 'evil', cert: pki.client('evil'), include: [data, evilPath()] });
    const run = await runCli(['-c', evilConf, '-e']);
    expect([run.code, run.stderr]).toEqual([9, expect.any(String)]);
    // The partial backup's message names the path: escaped on the node's terminal too.
    expect(run.stderr).toContain('\\x1b]0;PWNED');
    expect(run.stderr).not.toContain('\x1b');
  });
  // eslint-disable-next-line no-control-regex
  const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;
  const ESCAPED = '\\x1b]0;PWNED\\x07\\x1b[2J';

  test('check_cpsbackup: the reason escaped, no "|" of the node before the perfdata; off is OK "disabled" with U', async () => {
    const url = `http://127.0.0.1:${server.statusPort}`;
    const all = await runCheck(['-u', url]);
    expect(all.stdout).not.toMatch(CONTROL);
    expect(all.stdout).toContain(`${ESCAPED}\\x7cx=1`);
    const lines = all.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^CPSBACKUP CRITICAL - 2 never of 3 clients: \S+, \S+; 1 disabled \| clients=3;;;0 never=2;;;0 overdue=0;;;0 failed=0;;;0 damaged=0;;;0$/,
    );
    expect(lines.filter((l) => l.includes('|'))).toHaveLength(2);
    expect(lines).toContain('off: disabled (enabled = 0) | evil_age=U;86400;172800;0');
    expect(all.stdout).toMatch(/^off_age=U;/m);
    expect(await runCheck(['-u', url, '-C', 'off'])).toEqual({ code: 0, stdout: 'CPSBACKUP OK - off: disabled (enabled = 0) | off_age=U;86400;172800;0\n' });
    const evil = await runCheck(['-u', url, '-C', 'evil']);
    expect(evil.code).toBe(2);
    expect(evil.stdout.split('|')).toHaveLength(2);
    expect(evil.stdout).not.toMatch(CONTROL);
  });

  test('cpsbackup status: the reason escaped; problems first as the status page orders them, then DISABLED', async () => {
    const table = await runCli(['status', '--url', `http://127.0.0.1:${server.statusPort}`]);
    expect(table.code).toBe(0);
    expect(table.stdout).not.toMatch(CONTROL);
    expect(table.stdout).toContain(ESCAPED);
    const rows = table.stdout.split('\n').slice(2, 5);
    expect(rows.map((r) => r.split(/ {2,}/).at(-1)!.split(';')[0])).toEqual(['PARTIAL', 'NEVER', 'DISABLED']);
    expect(rows.map((r) => r.split(' ')[0])).toEqual(['evil', 'idle', 'off']);
  });

  test("cpsbackup -l: the partial backup's reason escaped", async () => {
    const list = await runCli(['-c', evilConf, '-l']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^Backup: 0000001 .* partial /m);
    expect(list.stdout).not.toMatch(CONTROL);
    expect(list.stdout).toContain(ESCAPED);
  });
});

describe('check_cpsbackup output hygiene: what answers on the port, and the ranges given', () => {
  test('an HTTP error body and a JSON parse error stay on the first line, with no "|"', async () => {
    const other = http.createServer((_req, res) => res.writeHead(500).end('oops | evil=1;;;\nsecond\x1b[2J'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const bad = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"clients":\n\x1b[2J'));
    await new Promise<void>((resolve) => bad.listen(0, '127.0.0.1', resolve));
    try {
      const failing = `http://127.0.0.1:${(other.address() as net.AddressInfo).port}`;
      expect(await runCheck(['-u', failing])).toEqual({
        code: 3,
        stdout: `CPSBACKUP UNKNOWN - status port ${failing} answered HTTP 500: oops \\x7c evil=1;;;\n`,
      });
      const garbled = await runCheck(['-u', `http://127.0.0.1:${(bad.address() as net.AddressInfo).port}`]);
      expect(garbled.code).toBe(3);
      expect(garbled.stdout).toMatch(/^CPSBACKUP UNKNOWN - .*answered something other than cpsbackupd's status document \([^|\n]*\): is -u the status port/);
      expect(garbled.stdout.split('\n')).toEqual([expect.any(String), '']);
      // eslint-disable-next-line no-control-regex
      expect(garbled.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f]/);
    } finally {
      await new Promise((resolve) => other.close(resolve));
      await new Promise((resolve) => bad.close(resolve));
    }
  });

  test('a range beyond 100 years is a usage error, not 1e+23 in perfdata', async () => {
    expect(await runCheck(['-w', '99999999999999999999999'])).toEqual({
      code: 3,
      stdout: 'CPSBACKUP UNKNOWN - --warning: 99999999999999999999999 reaches beyond 100 years (3153600000 s): give an age such as 26h or 7d\n',
    });
    expect((await runCheck(['-c', '@0:40000d'])).code).toBe(3);
  });
});
