import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { CLI_BIN, runCli, snapshotTree, until, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/**
 * Burp keys an operator's files carry, honoured as burp(8) says: on the
 * server enabled, network_allow, network_allow_status, client_can_verify,
 * label, notify_success_warnings_only / notify_success_changes_only (in
 * server.conf, overridden by a client file); on the node restoreprefix,
 * enabled and scan_problem_raises_error.
 */
describe("Burp's server and node keys", () => {
  // server.conf disables every client and allows only a network no test connects from: each client file says otherwise.
  const allowed = ['enabled = 1', 'network_allow = 127.0.0.0/8'];
  const { root, pki, server } = useServer('burp-keys', {
    status: true,
    conf: (p) => [
      'enabled = 0',
      'network_allow = 192.0.2.0/24',
      'network_allow_status = 127.0.0.1',
      'label = site: paris',
      `notify_success_script = ${path.join(p.dir, '..', 'notify.sh')}`,
      'notify_success_changes_only = 1',
    ],
    clients: {
      web: [...allowed, 'label = role: web', 'label = tier: 1'],
      off: ['network_allow = 127.0.0.1'],
      lan: ['enabled = 1', 'network_allow = 10.0.0.0/8'],
      dflt: ['enabled = 1'],
      warn: ['enabled = 1', 'network_allow = ::1', 'network_allow = 127.0.0.1', 'notify_success_warnings_only = 1', 'notify_success_changes_only = 0'],
      nover: [...allowed, 'client_can_verify = 0'],
      verifier: [...allowed, 'client_can_list = 0'],
      quiet: [...allowed],
      big: [...allowed, 'hard_quota = 100K', 'soft_quota = 20KB'],
      reader: [...allowed],
      strict: [...allowed, 'fail_on_warning = 1'],
    },
  });
  const notified = path.join(root, 'notified');
  const data = (name: string) => path.join(root, `${name}-data`);
  const conf = (name: string, extra: string[] = [], include = [data(name)]) =>
    writeNodeConf(path.join(root, 'nodes'), server, { cname: name, cert: pki.client(name), include, extra });

  beforeAll(() => {
    fs.writeFileSync(path.join(root, 'notify.sh'), `#!/bin/sh\necho "$1 $2" >> ${notified}\n`, { mode: 0o755 });
    for (const name of ['web', 'off', 'lan', 'dflt', 'warn', 'nover', 'verifier', 'quiet']) {
      fs.mkdirSync(path.join(data(name), 'etc'), { recursive: true });
      const rnd = new SeededRandom(name);
      for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(data(name), 'etc', `f${i}`), rnd.bytes(1000 + i * 4000));
    }
  });

  /** The notify decision the server logged for a client's backup: whether the success script ran. */
  const notifyDecision = async (client: string, backup: number): Promise<'ran' | 'not run'> => {
    const line = () =>
      server
        .logLines()
        .find((l) => l.client === client && l.backup === backup && (l.msg === 'notify script ran' || String(l.msg).startsWith('notify script not run')));
    await until(`the notify decision for ${client} ${backup}`, () => line() !== undefined);
    return line()!.msg === 'notify script ran' ? 'ran' : 'not run';
  };

  test('enabled = 0 (server.conf, or a client file) refuses every request; enabled = 1 in a client file overrides it', async () => {
    const e = await runCli(['-c', conf('off'), '-e']);
    const l = await runCli(['-c', conf('off'), '-l']);
    expect([e.code, l.code]).toEqual([3, 3]);
    for (const r of [e, l]) expect(r.stderr).toContain('client "off" is not enabled on the server (enabled = 0): ask its operator to set enabled = 1');
    expect((await runCli(['-c', conf('web'), '-e'])).code).toBe(0);
  });

  test("network_allow: a client file's networks replace server.conf's; a peer outside them is refused, whatever it asks", async () => {
    for (const name of ['lan', 'dflt']) {
      const r = await runCli(['-c', conf(name), '-e']);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('connections from 127.0.0.1 are not allowed for this client (network_allow on the server)');
      expect((await runCli(['-c', conf(name), '-l'])).code).toBe(3);
    }
    // IPv6 and IPv4 entries side by side: the IPv4 one admits the loopback peer.
    expect((await runCli(['-c', conf('warn'), '-e'])).code).toBe(0);
    expect(server.log).not.toMatch(/"client":"(lan|dflt)".*"msg":"backup started"/);
  });

  test("network_allow_status: the status port answers allowed addresses only; /status carries each client's labels", async () => {
    const get = (localAddress: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: server.statusPort, path: '/status', localAddress }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
      });
    const refused = await get('127.0.0.2');
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('connections from 127.0.0.2 are not allowed (network_allow_status)');
    const ok = await get('127.0.0.1');
    expect(ok.status).toBe(200);
    const clients = (JSON.parse(ok.body) as { clients: Array<{ name: string; labels: string[]; enabled: boolean }> }).clients;
    const byName = new Map(clients.map((c) => [c.name, c]));
    expect(byName.get('web')).toMatchObject({ labels: ['role: web', 'tier: 1'], enabled: true });
    expect(byName.get('off')).toMatchObject({ labels: ['site: paris'], enabled: false });
  });

  test('client_can_verify = 0 refuses a verify; verify needs client_can_verify, not client_can_list', async () => {
    const nover = conf('nover');
    expect((await runCli(['-c', nover, '-e'])).code).toBe(0);
    const refused = await runCli(['-c', nover, '--verify']);
    expect(refused.code).toBe(8);
    expect(refused.stderr).toContain('client nover may not verify backups (client_can_verify = 0 on the server)');

    const verifier = conf('verifier');
    expect((await runCli(['-c', verifier, '-e'])).code).toBe(0);
    expect((await runCli(['-c', verifier, '-l'])).code).toBe(8);
    const v = await runCli(['-c', verifier, '--verify']);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });

  test('notify_success_changes_only: the success script runs for a backup that changed something, not for one identical to its parent', async () => {
    const quiet = conf('quiet');
    expect((await runCli(['-c', quiet, '-e'])).code).toBe(0);
    expect(await notifyDecision('quiet', 1)).toBe('ran');
    expect((await runCli(['-c', quiet, '-e'])).code).toBe(0);
    expect(await notifyDecision('quiet', 2)).toBe('not run');
    fs.appendFileSync(path.join(data('quiet'), 'etc', 'f3'), 'one more line');
    expect((await runCli(['-c', quiet, '-e'])).code).toBe(0);
    expect(await notifyDecision('quiet', 3)).toBe('ran');
    expect(
      fs
        .readFileSync(notified, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('quiet ')),
    ).toEqual(['quiet 0000001', 'quiet 0000003']);
  });

  test('notify_success_warnings_only (a client file overriding server.conf): the success script runs only for a backup with warnings', async () => {
    /** Backs warn up; returns the number of the backup made. */
    const backup = async (include: string[], code: number): Promise<number> => {
      const r = await runCli(['-c', conf('warn', [], include), '-e']);
      expect(r.code).toBe(code);
      return Number(/^Backup (\d+) /.exec(r.stdout)![1]);
    };
    fs.appendFileSync(path.join(data('warn'), 'etc', 'f1'), 'changed, but no warning');
    const plain = await backup([data('warn')], 0);
    expect(await notifyDecision('warn', plain)).toBe('not run');
    fs.symlinkSync(data('warn'), path.join(root, 'warn-link'));
    // Stored with a warning (exit 5): the include goes through a symbolic link.
    const warned = await backup([path.join(root, 'warn-link')], 5);
    expect(await notifyDecision('warn', warned)).toBe('ran');
    expect(
      fs
        .readFileSync(notified, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('warn ')),
    ).toEqual([`warn 000000${warned}`]);
  });

  test('hard_quota: a backup whose files total more than it is refused and not kept; soft_quota: kept, with a warning', async () => {
    const dir = path.join(root, 'big-data');
    fs.mkdirSync(dir);
    const rnd = new SeededRandom('big');
    for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(dir, `f${i}`), rnd.bytes(40_000));
    const big = conf('big', [], [dir]);
    const refused = await runCli(['-c', big, '-e']);
    expect(refused.code).toBe(8);
    expect(refused.stderr).toContain('hard_quota exceeded: the files of this backup of big total more than 100.0 KiB, so it was not kept');
    expect(JSON.parse((await runCli(['-c', big, '-l', '--json'])).stdout).backups.filter((b: { status: string }) => b.status === 'available')).toEqual([]);
    fs.rmSync(path.join(dir, 'f2'));
    const kept = await runCli(['-c', big, '-e', '--json']);
    expect(kept.code).toBe(5);
    const backup = (JSON.parse(kept.stdout) as { backup: { status: string; warnings: string[] } }).backup;
    expect(backup.status).toBe('available');
    expect(backup.warnings).toEqual(['soft_quota exceeded: the files of this backup total 78.1 KiB, more than 20.0 KiB (soft_quota on the server)']);
  });

  test("a backup leaves access times as they were (Burp's default, atime = 0: files and directories read with O_NOATIME)", async () => {
    const dir = path.join(root, 'reader-data');
    const rnd = new SeededRandom('reader');
    // A small file (read on the file pool's workers), a large one (streamed), a directory (listed).
    fs.mkdirSync(path.join(dir, 'docs'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'docs', 'small.txt'), rnd.bytes(3_000));
    fs.writeFileSync(path.join(dir, 'large.bin'), rnd.bytes(6 * 1024 * 1024));
    // Two days old: under relatime (the default mount option), a read would move it to now.
    const old = new Date(Date.now() - 2 * 86400_000);
    const paths = [path.join(dir, 'docs', 'small.txt'), path.join(dir, 'large.bin'), path.join(dir, 'docs')];
    for (const p of paths) fs.utimesSync(p, old, fs.statSync(p).mtime);
    const atimes = () => Object.fromEntries(paths.map((p) => [path.relative(dir, p), fs.statSync(p, { bigint: true }).atimeNs]));
    const before = atimes();
    const r = await runCli(['-c', conf('reader', [], [dir]), '-e']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/read 2 files/);
    expect(atimes()).toEqual(before);
  });

  test('fail_on_warning = 1 (a client file): a backup with a warning fails and is not kept; one without is kept', async () => {
    const dir = path.join(root, 'strict-data');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'a.txt'), 'strict\n');
    fs.symlinkSync(dir, path.join(root, 'strict-link'));
    const list = async () => JSON.parse((await runCli(['-c', conf('strict', [], [dir]), '-l', '--json'])).stdout).backups as Array<{ status: string }>;
    // The include goes through a symbolic link: a warning.
    const warned = await runCli(['-c', conf('strict', [], [path.join(root, 'strict-link')]), '-e']);
    expect(warned.code).toBe(1);
    expect(warned.stderr).toContain('the backup had warnings and fail_on_warning = 1 on the server, so it was not kept: include ');
    expect(warned.stderr).toContain('goes through a symbolic link');
    expect((await list()).filter((b) => b.status === 'available')).toEqual([]);
    expect((await runCli(['-c', conf('strict', [], [dir]), '-e'])).code).toBe(0);
    expect((await list()).filter((b) => b.status === 'available')).toHaveLength(1);
  });

  test('restoreprefix: -i without --to restores under it and leaves the original paths alone; --to still wins', async () => {
    const prefix = path.join(root, 'restore-prefix');
    const web = conf('web', [`restoreprefix = ${prefix}`]);
    const want = snapshotTree(data('web'));
    fs.writeFileSync(path.join(data('web'), 'etc', 'f0'), 'changed since the backup');
    const i = await runCli(['-c', web, '-i']);
    expect(i.stderr).toBe('');
    expect(i.code).toBe(0);
    expect(i.stdout).toContain(`into ${prefix}`);
    expect(snapshotTree(path.join(prefix, data('web')))).toEqual(want);
    expect(fs.readFileSync(path.join(data('web'), 'etc', 'f0'), 'utf8')).toBe('changed since the backup');
    const to = path.join(root, 'restore-to');
    expect((await runCli(['-c', web, '-i', '--to', to])).code).toBe(0);
    expect(snapshotTree(path.join(to, data('web')))).toEqual(want);
  });

  test('scan_problem_raises_error = 1: a missing include fails the backup (exit 1) instead of storing a partial one', async () => {
    const include = [data('web'), path.join(root, 'not-mounted')];
    const before = JSON.parse((await runCli(['-c', conf('web'), '-l', '--json'])).stdout).backups as unknown[];
    const r = await runCli(['-c', conf('web', ['scan_problem_raises_error = 1'], include), '-e']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`include ${path.join(root, 'not-mounted')} could not be read (ENOENT)`);
    expect(r.stderr).toContain('the backup fails because node.conf sets scan_problem_raises_error = 1');
    const after = JSON.parse((await runCli(['-c', conf('web'), '-l', '--json'])).stdout).backups as Array<{ status: string; partial?: string }>;
    // Nothing new that counts as a backup: the attempt is recorded as failed.
    expect(after.filter((b) => b.status === 'available').length).toBe(before.length);
    // Without the key, the same include makes a partial backup (exit 9), as before.
    expect((await runCli(['-c', conf('web', [], include), '-e'])).code).toBe(9);
  });

  test('enabled = 0 in node.conf: -e backs nothing up and exits 0; the daemon makes no backup', async () => {
    const off = conf('quiet', ['enabled = 0', 'backup_interval = 1s', 'backup_window = * 00:00-24:00']);
    const count = async () => (JSON.parse((await runCli(['-c', off, '-l', '--json'])).stdout).backups as unknown[]).length;
    const before = await count();
    const e = await runCli(['-c', off, '-e']);
    expect(e.code).toBe(0);
    expect(e.stdout).toContain(`not backed up: this node is disabled (enabled = 0 in ${off})`);
    let log = '';
    const daemon: ChildProcess = spawn(process.execPath, [CLI_BIN, '-c', off, '--daemon'], { stdio: ['ignore', 'pipe', 'pipe'] });
    daemon.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    daemon.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    try {
      // The daemon decided, with its backup due (interval 1 s, last backup older): it says so and backs nothing up.
      await until('the daemon to say the node is disabled', () => log.includes('this node is disabled (enabled = 0)'));
    } finally {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('exit', r));
    }
    expect(log).not.toContain('backup starting');
    expect(await count()).toBe(before);
  });
});
