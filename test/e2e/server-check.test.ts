/**
 * `cpsbackupd --check` reads the files server.conf names as the daemon would at
 * its start (CA, certificate, key, records key) and the client files as the
 * daemon's registry does, and says each problem with its file and what to do,
 * exiting 2; OK only when the daemon could use them all.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SERVER_BIN, TestPki } from '@cpsbackup/testkit/e2e';

describe('cpsbackupd --check', () => {
  let dir: string;
  let pki: TestPki;
  let conf: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'server-check-'));
    pki = new TestPki(path.join(dir, 'pki'));
    conf = path.join(dir, 'server.conf');
    fs.mkdirSync(path.join(dir, 'clients'));
    fs.writeFileSync(
      conf,
      [
        'address = 127.0.0.1',
        'port = 0',
        'status_port = 0',
        `directory = ${path.join(dir, 'store')}`,
        `ssl_cert_ca = ${pki.caFile}`,
        `ssl_cert = ${path.join(pki.dir, 'cpsbackupd.pem')}`,
        `ssl_key = ${path.join(pki.dir, 'cpsbackupd.key')}`,
      ].join('\n') + '\n',
    );
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function check() {
    const r = spawnSync(process.execPath, [SERVER_BIN, '-c', conf, '--check'], { encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  test('a short status_token is warned about, with how to make one', () => {
    fs.appendFileSync(conf, 'status_token = abc\n');
    const r = check();
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: \S+server\.conf: status_token is 3 characters: .*at least 16 random characters \(openssl rand -hex 16\)/);
  });

  test('every file there and usable: OK', () => {
    const r = check();
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${conf}: OK\n`);
    expect(r.code).toBe(0);
  });

  test('missing certificate and key: each named with what to do, exit 2', () => {
    fs.rmSync(path.join(pki.dir, 'cpsbackupd.pem'));
    fs.rmSync(path.join(pki.dir, 'cpsbackupd.key'));
    const r = check();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^cpsbackupd: configuration error: ssl_cert \S+cpsbackupd\.pem cannot be read \(ENOENT\): it is missing: make it .*make-certs/),
      expect.stringMatching(/^cpsbackupd: configuration error: ssl_key \S+cpsbackupd\.key cannot be read \(ENOENT\): it is missing: make it .*make-certs/),
    ]);
  });

  test('a key that is not the certificate’s own', () => {
    fs.copyFileSync(pki.client('other').key, path.join(pki.dir, 'cpsbackupd.key'));
    const r = check();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /ssl_cert \S+ ssl_key \S+ and ssl_cert_ca \S+ do not make a TLS identity \(.*\): give PEM files, the key being the certificate's own/,
    );
  });

  test("an empty ssl_cert_ca, or a node's certificate in its place: the daemon would refuse every node", () => {
    fs.writeFileSync(pki.caFile, '');
    expect(check()).toMatchObject({ code: 2, stderr: expect.stringMatching(/ssl_cert_ca \S+ holds no PEM certificate: give the CA that signs/) });
    fs.copyFileSync(pki.client('web1').cert, pki.caFile);
    const r = check();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /ssl_cert_ca \S+ holds no CA certificate \(.*CN=web1.*basicConstraints CA:FALSE\): give the CA that signs the nodes' certificates/,
    );
  });

  test('a client file the daemon would refuse: named with its line, key and what follows, exit 2', () => {
    const file = path.join(dir, 'clients', 'n2');
    fs.writeFileSync(file, 'ssl_peer_cn = n2\nkeep_dayly = 7\n');
    fs.writeFileSync(path.join(dir, 'clients', 'n3'), 'keep = 3\n');
    const r = check();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^cpsbackupd: configuration error: ${file}:2: keep_dayly: unknown key \\(known keys: .*keep_daily.*\\) \\(client "n2" is refused every request until this file loads: fix it, then reload cpsbackupd: systemctl reload cpsbackupd, or SIGHUP\\)$`,
        ),
      ),
    ]);
  });

  test("a client file's zstd_level, and Burp's compression: the node is served, each line named with node.conf as where to set the level", () => {
    const file = path.join(dir, 'clients', 'n2');
    fs.writeFileSync(file, 'ssl_peer_cn = n2\ncompression = 9\nzstd_level = 1\n');
    const r = check();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${conf}: OK\n`);
    expect(r.stderr.trim().split('\n')).toEqual([
      `cpsbackupd: warning: ${file}:2: compression is a Burp setting cpsbackup does not implement; ignored (the node compresses its chunks: set zstd_level in the node's node.conf, -7 to -1 (zstd's fast levels) or 1 to 19, 3 by default; server.conf's zstd_level is only for what the server compresses itself, listings. Burp's compression = 0 (off): exclude_comp in node.conf, naming the extensions of files compressed already)`,
      `cpsbackupd: warning: ${file}:3: zstd_level is not read from this file; ignored (the node compresses its chunks: set zstd_level in that node's node.conf, and remove this line; server.conf's zstd_level is only for what the server compresses itself, listings)`,
    ]);
  });

  test('no client directory: every node would be refused, exit 2', () => {
    fs.rmSync(path.join(dir, 'clients'), { recursive: true });
    const r = check();
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `cpsbackupd: configuration error: cannot read client directory ${path.join(dir, 'clients')} (ENOENT): every node is refused as unknown; ` +
        'make it, one file per client, readable by the user cpsbackupd runs as, or set clientconfdir in server.conf to where the client files are\n',
    );
  });

  test('zstd_level = 0 in server.conf: refused with the range, exit 2', () => {
    fs.appendFileSync(conf, 'zstd_level = 0\n');
    const r = check();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /server\.conf:8: zstd_level: 0 is not a level cpsbackup takes: .* Give -7 to -1 \(zstd's fast levels\) or 1 to 19 .*; 3 is the default/,
    );
  });

  test('a records key others may read, as the daemon would refuse it', () => {
    const key = path.join(dir, 'records.key');
    fs.writeFileSync(key, `${'ab'.repeat(32)}\n`, { mode: 0o644 });
    fs.chmodSync(key, 0o644);
    const r = check();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`records_key: the records key ${key} is open to every user (mode 0644)`);
    expect(r.stderr).toContain(`chmod 0600 ${key}`);
  });
});
