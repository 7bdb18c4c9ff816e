import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { runCli, SERVER_BIN, snapshotTree, writeNodeConf, useServer } from '@cpsbackup/testkit/e2e';

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
  const { root, pki, server } = useServer('install', {
    conf: (p) => [`ca_key = ${p.writeCaKey()}`],
    clients: { fresh: ['password = s3cret-once'], other: ['password = other-pass'] },
  });

  test('install into a fresh directory, enrol once, back up and restore with the installed agent', async () => {
    const prefix = path.join(root, 'node-root');
    const data = path.join(root, 'node-data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'config.yml'), 'important: true\n');
    const inst = await sh(INSTALL, [
      '--prefix',
      prefix,
      '--server',
      '127.0.0.1',
      '--port',
      String(server.port),
      '--cname',
      'fresh',
      '--ca',
      pki.caFile,
      '--password',
      's3cret-once',
      '--include',
      data,
    ]);
    expect(inst.stderr).toBe('');
    expect(inst.code).toBe(0);
    expect(inst.stdout).toMatch(/Enrolled fresh: certificate .*fresh\.pem \(SHA-256 [0-9a-f:]{95}\)/);
    const bin = path.join(prefix, 'usr/bin/cpsbackup');
    const etc = path.join(prefix, 'etc/cpsbackup');
    expect(fs.statSync(path.join(etc, 'certs/fresh.key')).mode & 0o777).toBe(0o600);
    const unit = fs.readFileSync(path.join(prefix, 'lib/systemd/system/cpsbackup-agent.service'), 'utf8');
    expect(unit).toContain(`ExecStart=${bin} -c ${etc}/node.conf --daemon`);
    // The nightly timer is shipped as the alternative to the daemon, with the same paths.
    const oneShot = fs.readFileSync(path.join(prefix, 'lib/systemd/system/cpsbackup-backup.service'), 'utf8');
    expect(oneShot).toContain(`ExecStart=${bin} -c ${etc}/node.conf -e`);
    expect(fs.readFileSync(path.join(prefix, 'lib/systemd/system/cpsbackup-backup.timer'), 'utf8')).toMatch(/^Persistent=true$/m);
    // The agent carries no SQLite: the catalog is the server's alone.
    expect(fs.existsSync(path.join(prefix, 'usr/lib/cpsbackup/node_modules/better-sqlite3'))).toBe(false);
    expect(fs.existsSync(path.join(prefix, 'usr/lib/cpsbackup/node_modules/@cpsbackup/store'))).toBe(false);
    // The installed copy runs on its own: no reference back into the repository.
    expect(fs.readFileSync(bin, 'utf8')).not.toContain(path.resolve(__dirname, '../..') + '/packages');

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

  test('a wrong password or an unknown name is refused without saying which', async () => {
    const prefix = path.join(root, 'intruder');
    const inst = await sh(INSTALL, ['--prefix', prefix, '--server', '127.0.0.1', '--port', String(server.port), '--cname', 'other', '--ca', pki.caFile]);
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
});

describe('enrolment passwords cannot be guessed', () => {
  const { root, server } = useServer('enrol-guess', {
    quiet: true,
    conf: (p) => [`ca_key = ${p.writeCaKey()}`],
    clients: { target: ['password = the-right-one'], bystander: ['password = bystander-pass'] },
  });

  /** An enrolment attempt of `cname` with `password`, from a node with no certificate yet. */
  const enrol = (cname: string, password: string, n: number) => {
    const dir = path.join(root, `node-${cname}-${n}`);
    const conf = writeNodeConf(dir, server, { cname, cert: { cert: path.join(dir, 'c.pem'), key: path.join(dir, 'c.key') }, include: [] });
    return runCli(['-c', conf, '--enrol', '--password', password]);
  };

  /** Runs attempts four at a time: the server serves max_unauthenticated = 4 connections without a certificate at once. */
  async function inFours<T>(n: number, attempt: (i: number) => Promise<T>): Promise<T[]> {
    const out: T[] = [];
    for (let i = 0; i < n; i += 4) out.push(...(await Promise.all(Array.from({ length: Math.min(4, n - i) }, (_, k) => attempt(i + k)))));
    return out;
  }

  test('ten wrong passwords lock the client, even against the right one, until the operator sets a new one; an address that keeps failing is shut out', async () => {
    const guesses = await inFours(10, (i) => enrol('target', `guess-${i}`, i));
    for (const g of guesses) {
      expect(g.code).toBe(3);
      expect(g.stderr).toMatch(/enrolment of "target" refused: unknown client or wrong password/);
    }
    const right = await enrol('target', 'the-right-one', 100);
    expect(right.code).toBe(3);
    expect(right.stderr).toMatch(/enrolment of "target" is locked after 10 failed attempts: the server's operator must set a new password for it/);
    // A restart does not lift it; a new password does.
    const port = server.port;
    await server.stop();
    await server.start(port);
    expect((await enrol('target', 'the-right-one', 101)).stderr).toMatch(/is locked/);
    server.addClient('target', ['password = a-new-one']);
    process.kill(server.pid, 'SIGHUP');
    await new Promise((r) => setTimeout(r, 500));
    expect((await enrol('target', 'a-new-one', 102)).code).toBe(0);

    // Twenty failures from one address (any names): that address is refused for a while, even with a right password.
    await inFours(20, (i) => enrol('nobody', `x${i}`, 200 + i));
    const shut = await enrol('bystander', 'bystander-pass', 300);
    expect(shut.code).toBe(3);
    expect(shut.stderr).toMatch(/too many failed enrolments from 127\.0\.0\.1; try again later/);
  }, 120_000);
});
