import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { debPackage, runCli, SERVER_BIN, snapshotTree, TestPki, until, writeNodeConf, useServer } from '@cpsbackup/testkit/e2e';

const INSTALL = path.resolve(__dirname, '../../scripts/install-agent');
const run = promisify(execFile);

async function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('enrolment and installing the agent', () => {
  // install-agent --prefix: the agent's package (make package) unpacked below a directory, no root, no package database.
  const deb = debPackage('agent');
  const { root, pki, server } = useServer('install', {
    conf: (p) => [`ca_key = ${p.writeCaKey()}`],
    clients: {
      fresh: ['password = s3cret-once'],
      other: ['password = other-pass'],
      off: ['password = off-pass', 'enabled = 0'],
      rerun: ['password = rerun-pass'],
      certsnode: ['password = certs-pass'],
      canode: ['password = ca-pass'],
    },
  });

  /** install-agent --prefix PREFIX for cname against this server, with extra options after. */
  const installAgent = (prefix: string, cname: string, extra: string[] = []) =>
    sh(INSTALL, ['--package', deb, '--prefix', prefix, '--server', '127.0.0.1', '--port', String(server.port), '--cname', cname, '--ca', pki.caFile, ...extra]);

  test('install into a fresh directory, enrol once, back up and restore with the installed agent', async () => {
    const prefix = path.join(root, 'node-root');
    const data = path.join(root, 'node-data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'config.yml'), 'important: true\n');
    const inst = await installAgent(prefix, 'fresh', ['--password', 's3cret-once', '--include', data]);
    expect(inst.stderr).toBe('');
    expect(inst.code).toBe(0);
    expect(inst.stdout).toMatch(/Enrolled fresh: certificate .*fresh\.pem \(SHA-256 [0-9a-f:]{95}\)/);
    const bin = path.join(prefix, 'usr/bin/cpsbackup');
    const etc = path.join(prefix, 'etc/cpsbackup');
    expect(fs.statSync(path.join(etc, 'certs/fresh.key')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(etc, 'node.conf')).mode & 0o777).toBe(0o600); // it may hold encryption_password
    const unit = fs.readFileSync(path.join(prefix, 'lib/systemd/system/cpsbackup-agent.service'), 'utf8');
    expect(unit).toContain(`ExecStart=${bin} -c ${etc}/node.conf --daemon`);
    // The nightly timer is shipped as the alternative to the daemon, with the same paths.
    const oneShot = fs.readFileSync(path.join(prefix, 'lib/systemd/system/cpsbackup-backup.service'), 'utf8');
    expect(oneShot).toContain(`ExecStart=${bin} -c ${etc}/node.conf -e`);
    expect(fs.readFileSync(path.join(prefix, 'lib/systemd/system/cpsbackup-backup.timer'), 'utf8')).toMatch(/^Persistent=true$/m);
    // The agent carries no SQLite: the catalog is the server's alone.
    const files = fs.readdirSync(path.join(prefix, 'usr/lib/cpsbackup-agent'), { recursive: true }).map(String);
    expect(files.filter((f) => /better-sqlite3|@cpsbackup\/store\b/.test(f))).toEqual([]);
    // The installed copy runs on its own: no reference back into the repository, nor to the system's paths it was unpacked from.
    const program = fs.readFileSync(bin, 'utf8');
    expect(program).not.toContain(path.resolve(__dirname, '../..'));
    for (const dir of ['/usr/lib/cpsbackup-agent', '/etc/cpsbackup']) expect(program.replaceAll(prefix + dir, '')).not.toContain(dir);

    const backup = await sh(bin, ['-e', '--json']);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const to = path.join(root, 'restored');
    expect((await sh(bin, ['-i', '--to', to])).code).toBe(0);
    expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));

    // A second enrolment under that name is refused, even with the right password.
    fs.renameSync(path.join(etc, 'certs/fresh.pem'), path.join(root, 'old-fresh.pem'));
    fs.renameSync(path.join(etc, 'certs/fresh.key'), path.join(root, 'old-fresh.key'));
    const again = await sh(bin, ['--enrol', '--password', 's3cret-once']);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(
      /client fresh is already enrolled \(since \d{4}-.*\); to enrol it again, the server's operator revokes its certificate first \(cpsbackupd --revoke fresh\)/,
    );
    expect(again.stderr).not.toContain(server.storeDir); // no server path told to a peer without a certificate
    expect(fs.existsSync(path.join(etc, 'certs/fresh.pem'))).toBe(false);
    expect(server.logLines().filter((l) => l.msg === 'client enrolled')).toHaveLength(1);

    // Revoked: the old certificate is refused from the next connection, and the node enrols again.
    const revoke = await sh(process.execPath, [SERVER_BIN, '-c', server.confFile, '--revoke', 'fresh']);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toMatch(/^revoked the certificate client fresh enrolled with \(SHA-256 [0-9a-f:]{95}\)/);
    const oldConf = writeNodeConf(root, server, {
      cname: 'fresh',
      cert: { cert: path.join(root, 'old-fresh.pem'), key: path.join(root, 'old-fresh.key') },
      include: [data],
    });
    const refused = await runCli(['-c', oldConf, '-l']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/it was revoked on the server/);
    expect((await sh(bin, ['--enrol', '--password', 's3cret-once'])).code).toBe(0);
    expect((await sh(bin, ['-l'])).code).toBe(0);
  });

  test('install-agent refuses what is not the agent package, saying what to give, and installs nothing', async () => {
    const prefix = path.join(root, 'refused');
    const common = ['--prefix', prefix, '--server', '127.0.0.1', '--cname', 'fresh', '--ca', pki.caFile];
    const cases: Array<[string[], RegExp]> = [
      [
        common,
        /--package is required: the agent's \.deb \(make package writes build\/deb\/cpsbackup-agent_VERSION_amd64\.deb; copy it to this node\) or its http\(s\) URL/,
      ],
      [['--package', path.join(root, 'nowhere.deb'), ...common], /--package .*nowhere\.deb: no such file \(copy the agent's \.deb to this node first\)/],
      [['--package', pki.caFile, ...common], /ca\.pem is not a Debian package \(dpkg-deb cannot read it\)/],
      [['--package', debPackage('server'), ...common], /cpsbackup-server_.*\.deb is the package cpsbackup-server, not cpsbackup-agent/],
    ];
    for (const [args, message] of cases) {
      const r = await sh(INSTALL, args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(fs.existsSync(prefix)).toBe(false);
  });

  /** install-agent into `prefix` for client `cname` (its data `root/<name>-data`), the CA `ca`, and `extra` options. */
  const installer = (name: string, cname: string) => {
    const prefix = path.join(root, name);
    const etc = path.join(prefix, 'etc/cpsbackup');
    const data = path.join(root, `${name}-data`);
    fs.mkdirSync(data, { recursive: true });
    const install = (extra: string[], ca = pki.caFile) =>
      sh(INSTALL, ['--package', deb, '--prefix', prefix, '--server', '127.0.0.1', '--cname', cname, '--ca', ca, '--include', data, ...extra]);
    return { prefix, etc, conf: path.join(etc, 'node.conf'), bin: path.join(prefix, 'usr/bin/cpsbackup'), data, install };
  };
  const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

  test("install-agent keeps an existing certs directory's mode (the server machine's, 0750 for cpsbackupd) and takes --ca in its place", async () => {
    const { etc, bin, install } = installer('server-machine', 'certsnode');
    const certs = path.join(etc, 'certs');
    // As on the server machine: certs/ is there before the agent, group-readable for cpsbackupd, with its key.
    fs.mkdirSync(certs, { recursive: true, mode: 0o750 });
    fs.chmodSync(certs, 0o750);
    fs.copyFileSync(pki.caFile, path.join(certs, 'ca.pem'));
    const first = await install(['--port', String(server.port), '--password', 'certs-pass'], path.join(certs, 'ca.pem'));
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Enrolled certsnode: certificate/);
    expect(modeOf(certs)).toBe(0o750);
    expect(fs.readFileSync(path.join(certs, 'ca.pem'), 'utf8')).toBe(fs.readFileSync(pki.caFile, 'utf8'));
    const again = await install(['--port', String(server.port)], pki.caFile);
    expect(again.code).toBe(0);
    expect(modeOf(certs)).toBe(0o750);
    expect((await sh(bin, ['-l'])).code).toBe(0);
    // Made by install-agent, it is root's alone: it holds the node's key.
    const made = installer('certs-made', 'certsnode');
    expect((await made.install(['--port', String(server.port)])).code).toBe(0);
    expect(modeOf(path.join(made.etc, 'certs'))).toBe(0o700);
  });

  test('install-agent run again replaces the node.conf it wrote (a wrong --port fixed); one the operator edited is kept, what differs said', async () => {
    const { prefix, conf, bin, data, install } = installer('rerun-node', 'rerun');
    // A mistake: nothing listens on port 1.
    const wrong = await install(['--port', '1', '--password', 'rerun-pass']);
    expect(wrong.code).toBe(4);
    expect(fs.readFileSync(conf, 'utf8')).toMatch(/^port = 1$/m);
    const fixed = await install(['--port', String(server.port), '--password', 'rerun-pass']);
    expect(fixed.stderr).toBe('');
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain(`wrote ${conf}`);
    expect(fixed.stdout).toMatch(/Enrolled rerun: certificate/);
    expect(fs.readFileSync(conf, 'utf8')).toMatch(new RegExp(`^port = ${server.port}$`, 'm'));
    // Options not given this time (--port, --include): the node.conf's values, not the defaults.
    const upgrade = await sh(INSTALL, ['--package', deb, '--prefix', prefix, '--server', '127.0.0.1', '--cname', 'rerun', '--ca', pki.caFile]);
    expect(upgrade.stderr).toBe('');
    expect(upgrade.code).toBe(0);
    const upgraded = fs.readFileSync(conf, 'utf8');
    expect(upgraded).toContain(`\nport = ${server.port}\n`);
    expect(upgraded.match(/^include = .*$/gm)).toEqual([`include = ${data}`]);
    // Another --server, --cname, --include on an unedited node.conf: written too.
    const moved = await install(['--port', String(server.port + 1), '--include', '/srv/x', '--cname', 'renamed', '--server', 'localhost']);
    expect(moved.code).toBe(0);
    const movedConf = fs.readFileSync(conf, 'utf8');
    for (const line of [`port = ${server.port + 1}`, 'include = /srv/x', 'cname = renamed', 'server = localhost']) expect(movedConf).toContain(`\n${line}\n`);
    expect((await install(['--port', String(server.port)])).code).toBe(0);

    // Edited by the operator: kept as it is, each differing value said, and how to apply the options.
    const edited = `${fs.readFileSync(conf, 'utf8')}exclude_regex = \\.cache$\n`;
    fs.writeFileSync(conf, edited);
    const elsewhere = path.join(root, 'elsewhere');
    const kept = await install(['--port', String(server.port), '--include', elsewhere, '--cname', 'renamed']);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain(`kept the existing ${conf}`);
    expect(kept.stderr).toContain(`${conf} has cname = rerun, the options give renamed`);
    expect(kept.stderr).toContain(`${conf} has include = ${data}, the options give ${[data, elsewhere].sort().join(',')}`);
    expect(kept.stderr).not.toMatch(/has (port|server|ssl_peer_cn) =/);
    expect(kept.stderr).toContain('edit it, or rerun install-agent with --replace-config');
    expect(fs.readFileSync(conf, 'utf8')).toBe(edited);
    // --replace-config writes it from the options, the edited one kept beside it.
    const replaced = await install(['--port', String(server.port), '--include', elsewhere, '--replace-config']);
    expect(replaced.code).toBe(0);
    expect(fs.readFileSync(`${conf}.old`, 'utf8')).toBe(edited);
    const now = fs.readFileSync(conf, 'utf8');
    expect(now).not.toContain('exclude_regex');
    expect(now).toContain(`\ninclude = ${elsewhere}\n`);
    expect(modeOf(conf)).toBe(0o600);
    expect((await sh(bin, ['-l'])).code).toBe(0);
  });

  test("install-agent refuses another CA on an enrolled node, keeping the node's CA and certificate", async () => {
    const { etc, bin, install } = installer('ca-node', 'canode');
    expect((await install(['--port', String(server.port), '--password', 'ca-pass'])).code).toBe(0);
    const files = () => ['ca.pem', 'canode.pem', 'canode.key'].map((f) => fs.readFileSync(path.join(etc, 'certs', f), 'utf8'));
    const before = files();
    const other = new TestPki(path.join(root, 'other-pki'));
    const otherCa = await install(['--port', String(server.port)], other.caFile);
    expect(otherCa.code).toBe(2);
    expect(otherCa.stderr).toContain(
      `--ca ${other.caFile} is not the CA in ${etc}/certs/ca.pem, which signed this node's certificate ${etc}/certs/canode.pem: kept both, installed nothing`,
    );
    expect(otherCa.stderr).toContain('cpsbackupd --revoke canode');
    expect(files()).toEqual(before);
    const list = await sh(bin, ['-l']);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    // The same CA again: fine.
    expect((await install(['--port', String(server.port)])).code).toBe(0);
  });

  test('install-agent refuses a package over plain http without a matching --sha256', async () => {
    const web = http.createServer((_req, res) => fs.createReadStream(deb).pipe(res));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}/${path.basename(deb)}`;
      const sum = createHash('sha256').update(fs.readFileSync(deb)).digest('hex');
      const prefix = path.join(root, 'http-node');
      const common = ['--prefix', prefix, '--server', '127.0.0.1', '--cname', 'fresh', '--ca', pki.caFile];
      const plain = await sh(INSTALL, ['--package', url, ...common]);
      expect(plain.code).toBe(2);
      expect(plain.stderr).toContain('give an https:// URL, or --sha256 with the package');
      const bad = await sh(INSTALL, ['--package', url, '--sha256', '0'.repeat(64), ...common]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(`${url}: its SHA-256 is ${sum}, not the ${'0'.repeat(64)} given`);
      expect(fs.existsSync(prefix)).toBe(false);
      const good = await sh(INSTALL, ['--package', url, '--sha256', sum.toUpperCase(), ...common]);
      expect(good.stderr).toBe('');
      expect(good.code).toBe(0);
      expect(fs.existsSync(path.join(prefix, 'usr/bin/cpsbackup'))).toBe(true);
    } finally {
      web.close();
    }
  });

  test('install-agent refuses a --prefix it cannot write into the units and the program, installing nothing', async () => {
    for (const odd of ['my agent&x', 'a%b', 'quote"d', "it's", 'back\\slash', 'semi;colon', 'dollar$HOME', 'pipe|d']) {
      const prefix = path.join(root, odd);
      const r = await sh(INSTALL, ['--package', deb, '--prefix', prefix, '--server', '127.0.0.1', '--cname', 'fresh', '--ca', pki.caFile]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--prefix ${prefix}: give an absolute path of letters, digits and / . _ + , @ : - only`);
      expect(fs.existsSync(prefix)).toBe(false);
    }
    expect((await sh(INSTALL, ['--package', deb, '--prefix', 'relative/dir', '--server', 'h', '--cname', 'c', '--ca', pki.caFile])).stderr).toContain(
      '--prefix relative/dir: give an absolute path',
    );
  });

  test('a wrong password or an unknown name is refused without saying which', async () => {
    const prefix = path.join(root, 'intruder');
    const inst = await installAgent(prefix, 'other');
    expect(inst.code).toBe(0);
    const bin = path.join(prefix, 'usr/bin/cpsbackup');
    const wrong = await sh(bin, ['--enrol', '--password', 'guess']);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/enrolment of "other" refused: unknown client or wrong password/);
    const conf = path.join(prefix, 'etc/cpsbackup/node.conf');
    fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace('cname = other', 'cname = nobody'));
    const unknown = await sh(bin, ['--enrol', '--password', 'other-pass']);
    expect(unknown.stderr).toMatch(/enrolment of "nobody" refused: unknown client or wrong password/);
    // Without a certificate, the node cannot do anything else.
    expect((await runCli(['-c', conf, '-l'])).code).toBe(2);
  });

  test('a client not enabled (enabled = 0) is refused enrolment with the right password, nothing signed, and enrols once enabled', async () => {
    const prefix = path.join(root, 'off-node');
    const inst = await installAgent(prefix, 'off');
    expect(inst.code).toBe(0);
    const bin = path.join(prefix, 'usr/bin/cpsbackup');
    const refused = await sh(bin, ['--enrol', '--password', 'off-pass']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('client "off" is not enabled on the server (enabled = 0): ask its operator to set enabled = 1');
    expect(fs.existsSync(path.join(prefix, 'etc/cpsbackup/certs/off.pem'))).toBe(false);
    expect(fs.existsSync(path.join(server.storeDir, 'enrolled', 'off'))).toBe(false);
    // Enabled, and the client files reloaded (SIGHUP, as the operator does): the same node enrols.
    server.addClient('off', ['password = off-pass']);
    const reloads = server.logLines().filter((l) => l.msg === 'client files reloaded').length;
    process.kill(server.pid, 'SIGHUP');
    await until('the client files reloaded', () => server.logLines().filter((l) => l.msg === 'client files reloaded').length > reloads);
    expect((await sh(bin, ['--enrol', '--password', 'off-pass'])).code).toBe(0);
  });
});
