import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCa, issueCertificate, type KeyAndCert } from '@cpsbackup/pki';
import { SeededRandom } from '@cpsbackup/testkit';
import { freePort, requireBuild, runCli, SERVER_BIN, snapshotTree, tempDir, until as waitUntil } from '@cpsbackup/testkit/e2e';
import { type ChildProcess, spawn } from 'node:child_process';

/**
 * An operator coming from the Canopsis cpsbackup page or from Burp: the
 * page's server.conf and node.conf as written (no cname, no certificate
 * paths: Burp's file names in ssl/ beside each file), Burp settings
 * cpsbackup does not implement, notify scripts, the page's -l line.
 */
describe("the Canopsis page's files and Burp's conventions", () => {
  requireBuild();
  const root = tempDir('burp-compat');
  const serverDir = path.join(root, 'server');
  const nodeDir = path.join(root, 'node');
  const data = path.join(root, 'data');
  const host = os.hostname();
  let server: ChildProcess;
  let log = '';
  let port = 0;

  const writeSsl = (dir: string, files: Record<string, string>) => {
    fs.mkdirSync(path.join(dir, 'ssl'), { recursive: true });
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'ssl', name), text, { mode: 0o600 });
  };
  /** Waits for `ok()` as long as cpsbackupd runs (a hang fails by the test's timeout). */
  const until = (what: string, ok: () => boolean) =>
    waitUntil(what, ok, () => (server.exitCode !== null ? `cpsbackupd exited (${server.exitCode}); its log:\n${log}` : undefined));

  beforeAll(async () => {
    const ca: KeyAndCert = createCa('page CA');
    const srv = issueCertificate(ca, 'cpsbackupd', 'server', ['127.0.0.1']);
    const node = issueCertificate(ca, host, 'client');
    writeSsl(serverDir, { 'ssl_cert_ca.pem': ca.certPem, 'ssl_cert-server.pem': srv.certPem, 'ssl_cert-server.key': srv.keyPem });
    writeSsl(nodeDir, { 'ssl_cert_ca.pem': ca.certPem, 'ssl_cert-client.pem': node.certPem, 'ssl_cert-client.key': node.keyPem });
    fs.mkdirSync(path.join(serverDir, 'clients'));
    const script = (name: string) => {
      const file = path.join(serverDir, name);
      fs.writeFileSync(file, `#!/bin/sh\nprintf '%s|' "$@" >> "${file}.out"\necho "$CPSBACKUP_STATUS" >> "${file}.out"\n`, { mode: 0o755 });
      return file;
    };
    port = await freePort();
    // The page's keys, plus where the store goes (its default is /var/lib/cpsbackup), Burp keys, and notify scripts.
    fs.writeFileSync(
      path.join(serverDir, 'server.conf'),
      [
        'address = 127.0.0.1',
        `port = ${port}`,
        'status_address = 127.0.0.1',
        `status_port = ${await freePort()}`,
        'keep = 2',
        'directory = store',
        'pidfile = /var/run/burp.server.pid',
        `notify_success_script = ${script('ok.sh')}`,
        'notify_success_arg = admin@example.com',
        `notify_failure_script = ${script('failed.sh')}`,
      ].join('\n') + '\n',
    );
    fs.mkdirSync(data);
    const rnd = new SeededRandom('page');
    for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(data, `f${i}.txt`), rnd.text(1000 + i * 500));
    fs.writeFileSync(path.join(data, 'skip.pyc'), 'compiled');
    fs.writeFileSync(
      path.join(nodeDir, 'node.conf'),
      [
        'server = 127.0.0.1',
        `port = ${port}`,
        `include = ${data}`,
        'exclude_regex = \\.pyc$',
        'read_all_fifos = 1',
        'syslog = 1',
        `lock_file = ${nodeDir}/lock`,
      ].join('\n') + '\n',
    );
    server = spawn(process.execPath, [SERVER_BIN, '-c', path.join(serverDir, 'server.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    server.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await until('cpsbackupd to listen', () => /"msg":"status port listening"/.test(log));
  });

  afterAll(async () => {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('the server starts from the ssl/ directory and logs the Burp key it ignores', () => {
    expect(log).toMatch(/"warning":".*server\.conf:7: pidfile is a Burp setting cpsbackup does not implement; ignored.*"msg":"server.conf: setting ignored"/);
  });

  test('with cname unset, a host name the server does not know is named in the error, with the fix', async () => {
    const r = await runCli(['-c', path.join(nodeDir, 'node.conf'), '-l']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`unknown client ${JSON.stringify(host)}`);
    expect(r.stderr).toContain(`cname is not set in ${path.join(nodeDir, 'node.conf')}, so the host name ${JSON.stringify(host)} was used: set cname = `);
  });

  test('once the host has its client file, the page files back up and restore; -l prints the page line; notify scripts run', async () => {
    fs.writeFileSync(path.join(serverDir, 'clients', host), 'manual_delete = 1\n');
    server.kill('SIGHUP');
    await until('the client files to be reloaded', () => /"msg":"client files reloaded"/.test(log));
    expect(log).toMatch(/manual_delete is a Burp setting.*"msg":"client file: setting ignored"/);

    const conf = path.join(nodeDir, 'node.conf');
    const e = await runCli(['-c', conf, '-e']);
    expect(e.stderr).toContain(`cpsbackup: warning: ${conf}:6: syslog is a Burp setting cpsbackup does not implement; ignored`);
    expect(e.code).toBe(0);
    const okOut = path.join(serverDir, 'ok.sh.out');
    await until('the success script', () => fs.existsSync(okOut));
    expect(fs.readFileSync(okOut, 'utf8')).toBe(`${host}|0000001|available||admin@example.com|available\n`);

    const l = await runCli(['-c', conf, '-l']);
    expect(l.code).toBe(0);
    expect(l.stdout.split('\n')[0]).toMatch(/^Backup: 0000001 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(deletable\)$/);

    const target = path.join(root, 'restored');
    const i = await runCli(['-c', conf, '-i', '1', '--to', target]);
    expect(i.code).toBe(0);
    const want = snapshotTree(data);
    want.delete('skip.pyc');
    expect(snapshotTree(path.join(target, data))).toEqual(want);

    // A backup that cannot read an include is partial: the failure script is told why.
    fs.appendFileSync(conf, `include = ${path.join(root, 'gone')}\n`);
    const p = await runCli(['-c', conf, '-e']);
    expect(p.code).toBe(9);
    const failedOut = path.join(serverDir, 'failed.sh.out');
    await until('the failure script', () => fs.existsSync(failedOut));
    expect(fs.readFileSync(failedOut, 'utf8')).toMatch(
      new RegExp(`^${host}\\|0000002\\|partial\\|include .*gone could not be read \\(ENOENT\\)\\|partial\\n$`),
    );
    expect((await runCli(['-c', conf, '-l'])).stdout.split('\n')[1]).toMatch(/^Backup: 0000002 \S+ \S+ partial \(deletable\) include /);
  });

  test('a Burp key whose absence would lose data stops the CLI before it connects', async () => {
    const conf = path.join(nodeDir, 'pre.conf');
    fs.writeFileSync(conf, `server = 127.0.0.1\nport = ${port}\nssl_key_password = pw\n`);
    const r = await runCli(['-c', conf, '-e']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /configuration error: .*pre\.conf:3: ssl_key_password: is a Burp setting cpsbackup does not implement, and ignoring it could leave data unprotected/,
    );
  });
});
