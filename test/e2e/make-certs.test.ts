/**
 * scripts/make-certs, run as an operator runs it: every line says what was
 * done to which file (made, kept, renewed), and --renew replaces a client
 * certificate that was revoked, keeping the old one to revoke.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { runCli, SERVER_BIN, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

const MAKE_CERTS = path.resolve(__dirname, '../../scripts/make-certs');
const run = promisify(execFile);

async function sh(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The date a certificate file is valid until, as make-certs prints it. */
function until(certFile: string): string {
  return new Date(new X509Certificate(fs.readFileSync(certFile)).validTo).toISOString().slice(0, 10);
}

describe('scripts/make-certs', () => {
  const { root, pki, server } = useServer('make-certs', { clients: { web1: [] } });

  test('a new directory: each file made is named; a second run says it kept each one, unchanged', async () => {
    const dir = path.join(root, 'fresh-certs');
    const first = await sh(MAKE_CERTS, [dir, 'web1']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const f = (name: string) => path.join(dir, name);
    expect(first.stdout).toBe(
      [
        `made CA certificate ${f('ca.pem')} and key ${f('ca.key')} (valid until ${until(f('ca.pem'))})`,
        `made server certificate ${f('cpsbackupd.pem')} and key ${f('cpsbackupd.key')} (valid until ${until(f('cpsbackupd.pem'))})`,
        `made client certificate ${f('web1.pem')} and key ${f('web1.key')} (valid until ${until(f('web1.pem'))})`,
        '',
      ].join('\n'),
    );
    for (const key of ['ca.key', 'cpsbackupd.key', 'web1.key']) expect(fs.statSync(f(key)).mode & 0o777).toBe(0o600);
    const before = fs.readdirSync(dir).map((n) => [n, fs.readFileSync(f(n), 'utf8')]);

    const second = await sh(MAKE_CERTS, [dir, 'web1']);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(
      [
        `kept CA certificate ${f('ca.pem')} (it exists, valid until ${until(f('ca.pem'))})`,
        `kept server certificate ${f('cpsbackupd.pem')} (it exists, valid until ${until(f('cpsbackupd.pem'))})`,
        `kept client certificate ${f('web1.pem')} (it exists, valid until ${until(f('web1.pem'))}); if it was revoked, lost or expires soon, make a new one with --renew`,
        '',
      ].join('\n'),
    );
    expect(fs.readdirSync(dir).map((n) => [n, fs.readFileSync(f(n), 'utf8')])).toEqual(before);

    const noClient = await sh(MAKE_CERTS, ['--renew', dir]);
    expect(noClient.code).toBe(2);
    // In the script's own terms: it has no --client option.
    expect(noClient.stderr).toBe(
      'cpsbackup-certs: --renew renews the certificates of the clients named on the command line; name at least one: scripts/make-certs --renew DIR CLIENT...\n',
    );
    const unknown = await sh(MAKE_CERTS, ['--renw', dir, 'web1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('make-certs: unknown option --renw');
    expect(fs.readdirSync(dir).map((n) => [n, fs.readFileSync(f(n), 'utf8')])).toEqual(before);
  });

  test('a revoked client certificate is kept (and said so) until --renew replaces it; the renewed one connects', async () => {
    pki.writeCaKey(); // the server's CA, as make-certs made it on the server
    const dir = pki.dir;
    const cert = path.join(dir, 'web1.pem');
    const key = path.join(dir, 'web1.key');
    const made = await sh(MAKE_CERTS, [dir, 'web1']);
    expect(made.code).toBe(0);
    expect(made.stdout).toContain(`kept CA certificate ${path.join(dir, 'ca.pem')} (it exists`);
    expect(made.stdout).toContain(`kept server certificate ${path.join(dir, 'cpsbackupd.pem')} (it exists`);
    expect(made.stdout).toContain(`made client certificate ${cert} and key ${key} (valid until ${until(cert)})`);
    const conf = writeNodeConf(root, server, { cname: 'web1', cert: { cert, key }, include: [] });
    expect((await runCli(['-c', conf, '-l'])).code).toBe(0);

    const revoke = await sh(process.execPath, [SERVER_BIN, '-c', server.confFile, '--revoke-cert', cert]);
    expect(revoke.code).toBe(0);
    const refused = await runCli(['-c', conf, '-l']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/it was revoked on the server/);

    const old = fs.readFileSync(cert, 'utf8');
    const oldKey = fs.readFileSync(key, 'utf8');
    const kept = await sh(MAKE_CERTS, [dir, 'web1']);
    expect(kept.stdout).toContain(
      `kept client certificate ${cert} (it exists, valid until ${until(cert)}); if it was revoked, lost or expires soon, make a new one with --renew\n`,
    );
    expect(fs.readFileSync(cert, 'utf8')).toBe(old);

    const renewed = await sh(MAKE_CERTS, ['--renew', dir, 'web1']);
    expect(renewed.stderr).toBe('');
    expect(renewed.code).toBe(0);
    const m = new RegExp(
      `^renewed client certificate ${cert} and key ${key} \\(valid until ${until(cert)}\\); the old certificate is now (${dir}/web1\\.replaced-[0-9TZ-]+\\.pem): ` +
        `revoke it on the server \\(cpsbackupd -c server\\.conf --revoke-cert \\1\\) unless it is revoked already, and copy the new certificate and key to the node$`,
      'm',
    ).exec(renewed.stdout);
    expect(m).not.toBeNull();
    expect(fs.readFileSync(m![1]!, 'utf8')).toBe(old);
    expect(fs.readFileSync(cert, 'utf8')).not.toBe(old);
    expect(fs.readFileSync(key, 'utf8')).not.toBe(oldKey);
    expect(fs.statSync(key).mode & 0o777).toBe(0o600);
    // The CA and the server's certificate are not renewed with it.
    expect(renewed.stdout).toContain(`kept server certificate ${path.join(dir, 'cpsbackupd.pem')} (it exists`);

    const back = await runCli(['-c', conf, '-l']);
    expect(back.stderr).toBe('');
    expect(back.code).toBe(0);
  });
});
