/**
 * The records key of a packaged server (issue 32): cpsbackupd runs as its
 * own user and may not write its configuration directory (root's, read
 * through its group, as under systemd with ProtectSystem=strict). Without a
 * key it says, in one line, what is missing, why it cannot make it and the
 * command that does; that command, run as root, makes it for the daemon's
 * group, never over a key or over records another key signed; a key other
 * users may read is refused; make install makes it. Real cpsbackupd (as
 * nobody, through setpriv) and CLI.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, SERVER_BIN, snapshotTree, TestPki, TestServer, tempDir, writeNodeConf } from '@cpsbackup/testkit/e2e';

const NOBODY = 65534;
const NOGROUP = 65534;
const isRoot = process.getuid?.() === 0;
/** cpsbackupd as systemd runs it: its own user and group, no other group. */
const AS_DAEMON = ['setpriv', '--reuid', String(NOBODY), '--regid', String(NOGROUP), '--clear-groups'];

function daemon(args: string[], wrapper: string[] = []): { code: number | null; stdout: string; stderr: string } {
  const command = [...wrapper, process.execPath, SERVER_BIN, ...args];
  const r = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

(isRoot ? describe : describe.skip)('the records key of a server whose configuration directory it cannot write', () => {
  let root: string;
  let server: TestServer;
  let keyFile: string;

  beforeAll(() => {
    root = tempDir('records-key');
    fs.chmodSync(root, 0o755);
    const pki = new TestPki(path.join(root, 'pki'));
    server = new TestServer(root, pki);
    server.addClient('node');
    pki.client('node');
    // The packaged layout: configuration and keys root's, read by the daemon's group
    // (chgrp -R cpsbackup /etc/cpsbackup && chmod -R g+rX,o-rwx); the store the daemon's own.
    for (const dir of [server.confDir, pki.dir]) {
      spawnSync('chgrp', ['-R', String(NOGROUP), dir]);
      spawnSync('chmod', ['-R', 'g+rX,g-w,o-rwx', dir]);
    }
    fs.mkdirSync(server.storeDir, { mode: 0o700 });
    fs.chownSync(server.storeDir, NOBODY, NOGROUP);
    server.wrapper = AS_DAEMON;
    keyFile = path.join(server.confDir, 'records.key');
  });

  afterAll(async () => {
    await server.stop();
    spawnSync('rm', ['-rf', root]);
  });

  test('no key: one line naming the command; the command as root makes it for the daemon; then it starts and backs up', async () => {
    // server.conf written as start() writes it, then the daemon started as its own user.
    await expect(server.start()).rejects.toThrow(/exited with 1/);
    const failed = daemon(['-c', server.confFile], AS_DAEMON);
    expect(failed.code).toBe(1);
    const lines = failed.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      `cpsbackupd: cannot start: the records key ${keyFile} is missing and cpsbackupd cannot make it: ${server.confDir} is not writable by user nobody (EACCES); ` +
        `make it as root with: cpsbackupd --make-records-key -c ${server.confFile}`,
    ]);
    expect(fs.existsSync(keyFile)).toBe(false);
    expect(fs.readdirSync(server.confDir).filter((n) => n.includes('records.key'))).toEqual([]); // no temporary file left either

    // As root: root's key, read by the group owning the store (the daemon's), 0640.
    const made = daemon(['-c', server.confFile, '--make-records-key']);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toBe(`made the records key ${keyFile} (root:nogroup, mode 0640): back it up with server.conf and the TLS keys\n`);
    const st = fs.statSync(keyFile);
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([0, NOGROUP, 0o640]);
    const key = fs.readFileSync(keyFile, 'utf8');
    expect(key).toMatch(/^[0-9a-f]{64}\n$/);

    // Never over a key that is there.
    const again = daemon(['-c', server.confFile, '--make-records-key']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `cpsbackupd: no records key made: a records key is already at ${keyFile}: it is kept (a new key would make every signed backup record untrusted)\n`,
    );
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(key);

    await server.start();
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'a.txt'), 'first file\n');
    fs.writeFileSync(path.join(data, 'b.bin'), Buffer.alloc(300_000, 7));
    const conf = writeNodeConf(path.join(root, 'node'), server, {
      cname: 'node',
      cert: { cert: path.join(root, 'pki/node.pem'), key: path.join(root, 'pki/node.key') },
      include: [data],
    });
    const backup = await runCli(['-c', conf, '-e']);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const to = path.join(root, 'restored');
    expect((await runCli(['-c', conf, '-i', '--to', to])).code).toBe(0);
    expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
    await server.stop();
    expect(fs.readdirSync(path.join(server.storeDir, 'records', 'backups', 'node'))).toHaveLength(1);

    // The key lost while signed records are there: no new key over them.
    fs.renameSync(keyFile, `${keyFile}.saved`);
    const over = daemon(['-c', server.confFile, '--make-records-key']);
    expect(over.code).toBe(1);
    expect(over.stderr).toMatch(
      new RegExp(
        `^cpsbackupd: no records key made: the backup records in ${server.storeDir}/records are signed with a key that is not at ${keyFile}: restore that key`,
      ),
    );
    expect(fs.existsSync(keyFile)).toBe(false);
    expect(fs.existsSync(path.join(server.storeDir, 'packs'))).toBe(true);
    fs.renameSync(`${keyFile}.saved`, keyFile);
  });

  test("a key other users may read or change is refused at start, with what to do; 0640 to the daemon's group and 0600 are taken", async () => {
    expect(fs.existsSync(keyFile)).toBe(true); // made by the test above
    const refusals: Array<[number, number, string[], string]> = [
      [0o644, NOGROUP, AS_DAEMON, 'open to every user (mode 0644)'],
      [0o642, NOGROUP, AS_DAEMON, 'open to every user (mode 0642)'],
      [0o660, NOGROUP, AS_DAEMON, 'writable by its group (mode 0660)'],
      // Readable by a group the daemon is in but does not run as: every member of it can read the key.
      [
        0o640,
        100,
        ['setpriv', '--reuid', String(NOBODY), '--regid', String(NOGROUP), '--groups', '100'],
        'readable by group 100, which is not the group cpsbackupd runs as (mode 0640)',
      ],
    ];
    for (const [mode, gid, wrapper, why] of refusals) {
      fs.chownSync(keyFile, 0, gid);
      fs.chmodSync(keyFile, mode);
      const r = daemon(['-c', server.confFile], wrapper);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `cpsbackupd: cannot start: the records key ${keyFile} is ${why}: whoever reads it can forge backup records; ` +
          `make it readable by its owner only (chmod 0600 ${keyFile}), or by cpsbackupd's group too (chgrp cpsbackup ${keyFile} && chmod 0640 ${keyFile})\n`,
      );
    }
    fs.chownSync(keyFile, 0, NOGROUP);
    fs.chmodSync(keyFile, 0o640);
    await server.start();
    await server.stop();
    // A daemon that runs as root (no group of its own): its key 0600, root's.
    fs.chownSync(keyFile, 0, 0);
    fs.chmodSync(keyFile, 0o600);
    server.wrapper = [];
    spawnSync('chown', ['-R', '0:0', server.storeDir]); // the store is its user's alone: a daemon moved to root takes it over
    await server.start();
    await server.stop();
  });
});

(isRoot ? describe : describe.skip)('the records key of a server run as root on a read-only configuration directory (ProtectSystem=strict)', () => {
  const root = isRoot ? tempDir('records-key-ro') : '';
  const server = isRoot ? new TestServer(root, new TestPki(path.join(root, 'pki'))) : (undefined as unknown as TestServer);
  afterAll(async () => {
    await server?.stop();
    spawnSync('rm', ['-rf', root]);
  });

  test("EROFS: one line naming the command; made by it (0600, root's), the daemon starts on the read-only directory", async () => {
    // The configuration directory mounted read-only in the daemon's own mount namespace, as systemd does.
    server.wrapper = ['unshare', '-m', 'sh', '-c', 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"', server.confDir];
    await expect(server.start()).rejects.toThrow(/exited with 1/);
    const keyFile = path.join(server.confDir, 'records.key');
    const failed = daemon(['-c', server.confFile], server.wrapper);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe(
      `cpsbackupd: cannot start: the records key ${keyFile} is missing and cpsbackupd cannot make it: ${server.confDir} is read-only to it ` +
        `(under systemd, ProtectSystem=strict makes /etc so); make it as root with: cpsbackupd --make-records-key -c ${server.confFile}\n`,
    );
    const made = daemon(['-c', server.confFile, '--make-records-key']);
    expect(made.stdout).toBe(`made the records key ${keyFile} (root:root, mode 0600): back it up with server.conf and the TLS keys\n`);
    await server.start();
    expect(server.logLines().some((l) => l.msg === 'listening')).toBe(true);
  });
});

(isRoot ? describe : describe.skip)('make install makes the records key', () => {
  test('once, 0600 root where no unit is installed, kept at the next install', () => {
    const root = tempDir('install-key');
    try {
      const env = { ...process.env, PREFIX: path.join(root, 'usr'), SYSCONFDIR: path.join(root, 'etc'), SYSTEMDDIR: '' };
      const install = path.resolve(__dirname, '../../scripts/install');
      const first = spawnSync('bash', [install], { env, encoding: 'utf8' });
      expect(first.status).toBe(0);
      const keyFile = path.join(root, 'etc', 'records.key');
      expect(first.stdout).toContain(`made the records key ${keyFile} (root:root, mode 0600)`);
      const st = fs.statSync(keyFile);
      expect([st.uid, st.mode & 0o777]).toEqual([0, 0o600]);
      const key = fs.readFileSync(keyFile, 'utf8');
      expect(key).toMatch(/^[0-9a-f]{64}\n$/);
      const second = spawnSync('bash', [install], { env, encoding: 'utf8' });
      expect(second.status).toBe(0);
      expect(second.stdout).toContain(`records key not made: a records key is already at ${keyFile}: it is kept`);
      expect(fs.readFileSync(keyFile, 'utf8')).toBe(key);
    } finally {
      spawnSync('rm', ['-rf', root]);
    }
  });
});
