/**
 * The Debian packages installed for real (issue 36), in clean Debian 12 and
 * Debian 13 roots (debootstrap minbase: no node, no npm, no compiler),
 * entered by chroot. In one root, apt installs the server package, its
 * make-certs makes the certificates and cpsbackupd runs from it as its own
 * user on 127.0.0.1, and install-agent enrols the server machine itself
 * without touching cpsbackupd's certificates. In another, the install-agent the server package ships
 * installs the agent package with apt and enrols the node; the agent backs
 * a tree (and a dump job) up and restores it (bytes and metadata compared
 * by rsync -aHAX); apt upgrades it to a newer version, which keeps the
 * operator's node.conf, the key and the certificates, and whose next backup
 * builds on its parent; apt remove keeps /etc/cpsbackup, apt purge deletes
 * the configuration and keeps the node's key and certificates.
 * Needs root, debootstrap and the packages (make package); the roots are
 * made once and cached (DebianRoot).
 */
import { type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import {
  buildFidelityTree,
  checkoutVersion,
  DebianRoot,
  type DebianSuite,
  debAsVersion,
  debPackage,
  freePort,
  type RootResult,
  rsyncDiff,
  snapshotTree,
  tempDir,
} from '@cpsbackup/testkit/e2e';

jest.setTimeout(600_000);

/** The version the upgrade goes to: the same checkout, a higher version. */
const NEWER = `${checkoutVersion()}+t2`;
/** Where the test puts what an operator copies to a machine. */
const MEDIA = '/root/cpsbackup-install';
const SUITES: DebianSuite[] = ['bookworm', 'trixie'];

const isRoot = process.getuid?.() === 0;

/** The units of ours enabled in a root: the *.wants symlinks under /etc/systemd/system, as "timers.target.wants/cpsbackup-backup.timer". */
function enabledUnits(root: DebianRoot): string[] {
  const dir = root.path('/etc/systemd/system');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((d) => d.endsWith('.wants'))
    .flatMap((d) => fs.readdirSync(path.join(dir, d)).map((u) => `${d}/${u}`))
    .filter((u) => /\/cpsbackup/.test(u))
    .sort();
}

/** r, which must have exited 0: its output in the failure otherwise. */
function ok(r: RootResult, what: string): RootResult {
  if (r.code !== 0) throw new Error(`${what} exited with ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

(isRoot ? describe : describe.skip)('the packages in clean Debian roots', () => {
  const serverDeb = debPackage('server');
  const olderDeb = debPackage('agent');
  let scratch: string;
  let newerDeb: string;
  beforeAll(() => {
    scratch = tempDir('package');
    newerDeb = debAsVersion(olderDeb, NEWER, scratch);
  });
  afterAll(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  describe.each(SUITES)('Debian %s', (suite) => {
    let serverRoot: DebianRoot;
    let root: DebianRoot;
    let daemon: ChildProcess;
    let daemonLog = '';
    let port: number;
    const cname = `node-${suite}`;
    /** The server machine backed up by its own agent. */
    const serverCname = `backup-${suite}`;
    const password = `once-${suite}-${Date.now()}`;
    const data = '/srv/data';
    const inRoot = (argv: string[]) => root.run(argv);
    /** The node's install-agent (the server package's, copied in) for this suite's node and server; the package and any option after. */
    const installAgent = (options: string[]) =>
      inRoot(['bash', `${MEDIA}/install-agent`, '--server', '127.0.0.1', '--port', String(port), '--cname', cname, '--ca', `${MEDIA}/ca.pem`, ...options]);
    const backup = async (): Promise<{ number: number; parent: number | null; bytes: number; newBytes: number }> => {
      const r = await inRoot(['cpsbackup', '-e', '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout) as { backup: { number: number; parent: number | null; bytes: number; newBytes: number } }).backup;
    };
    const certFiles = () =>
      Object.fromEntries(['ca.pem', `${cname}.pem`, `${cname}.key`].map((f) => [f, fs.readFileSync(root.path(`/etc/cpsbackup/certs/${f}`), 'utf8')]));

    beforeAll(() => {
      serverRoot = DebianRoot.open(suite);
      root = DebianRoot.open(suite);
      fs.mkdirSync(serverRoot.path(MEDIA), { recursive: true });
      for (const deb of [serverDeb, olderDeb]) fs.copyFileSync(deb, serverRoot.path(`${MEDIA}/${path.basename(deb)}`));
      fs.mkdirSync(root.path(MEDIA), { recursive: true });
      for (const deb of [olderDeb, newerDeb]) fs.copyFileSync(deb, root.path(`${MEDIA}/${path.basename(deb)}`));
    });
    afterAll(async () => {
      await root?.dispose();
      await serverRoot?.dispose();
    });

    test("the server package installs with apt; cpsbackupd runs from it as its own user with make-certs' certificates", async () => {
      const inServer = (argv: string[]) => serverRoot.run(argv);
      // A login user named cpsbackup (a person's account) is not handed the store: postinst refuses, saying what to do.
      ok(await inServer(['useradd', '--create-home', '--shell', '/bin/bash', '--uid', '1500', 'cpsbackup']), 'useradd');
      const refused = await inServer(['apt-get', 'install', '-y', '-q', `${MEDIA}/${path.basename(serverDeb)}`]);
      expect(refused.code).not.toBe(0);
      expect(refused.stdout + refused.stderr).toContain(
        "cpsbackup-server: the user cpsbackup exists with uid 1500, not a system user's (100..999): cpsbackupd will not run as an existing login account. Rename or remove that user",
      );
      expect(fs.existsSync(serverRoot.path('/etc/cpsbackup/records.key'))).toBe(false);
      expect(fs.existsSync(serverRoot.path('/var/lib/cpsbackup'))).toBe(false);
      ok(await inServer(['userdel', '--remove', 'cpsbackup']), 'userdel');
      // A conffile the administrator deleted stays deleted: configuring goes through without it.
      const conf = serverRoot.path('/etc/cpsbackup/server.conf');
      const shipped = fs.readFileSync(conf);
      fs.rmSync(conf);
      ok(await inServer(['dpkg', '--configure', '-a']), 'dpkg --configure -a without server.conf');
      expect((await inServer(['dpkg-query', '-W', '-f=${Status}', 'cpsbackup-server'])).stdout).toBe('install ok installed');
      expect(fs.existsSync(conf)).toBe(false);
      fs.writeFileSync(conf, shipped);
      ok(await inServer(['apt-get', 'install', '-y', '-q', '--reinstall', `${MEDIA}/${path.basename(serverDeb)}`]), 'apt-get install of the server package');
      // Nothing enabled by the install: cpsbackupd needs its certificates first.
      expect(enabledUnits(serverRoot)).toEqual([]);
      expect((await inServer(['getent', 'passwd', 'cpsbackup'])).stdout).toMatch(/^cpsbackup:x:\d+:\d+:.*:\/var\/lib\/cpsbackup:\/usr\/sbin\/nologin$/m);
      // The operator's steps (OPERATIONS 1): certificates, the group's read, a port, enrolment on, the node's client file.
      ok(await inServer(['/usr/share/cpsbackup/make-certs', '/etc/cpsbackup/certs']), 'make-certs');
      port = await freePort();
      const edited = fs
        .readFileSync(conf, 'utf8')
        .replace(/^address = .*$/m, 'address = 127.0.0.1')
        .replace(/^port = .*$/m, `port = ${port}`)
        .replace(/^status_port = .*$/m, 'status_port = 0');
      fs.writeFileSync(conf, `${edited}ca_key = /etc/cpsbackup/certs/ca.key\n`);
      fs.writeFileSync(serverRoot.path(`/etc/cpsbackup/clients/${cname}`), `password = ${password}\n`);
      fs.writeFileSync(serverRoot.path(`/etc/cpsbackup/clients/${serverCname}`), `password = ${password}\n`);
      // OPERATIONS 1's group read: only what cpsbackupd reads.
      ok(
        await inServer([
          'sh',
          '-c',
          'cd /etc/cpsbackup/certs && chgrp cpsbackup ca.pem cpsbackupd.pem cpsbackupd.key ca.key && chmod g+r ca.pem cpsbackupd.pem cpsbackupd.key ca.key',
        ]),
        'the group read',
      );
      // As its unit runs it: User=cpsbackup.
      daemon = serverRoot.start(['setpriv', '--reuid=cpsbackup', '--regid=cpsbackup', '--init-groups', 'cpsbackupd', '-c', '/etc/cpsbackup/server.conf']);
      await new Promise<void>((resolve, reject) => {
        const seen = (d: Buffer) => {
          daemonLog += d.toString();
          if (/"msg":"listening"/.test(daemonLog)) resolve();
        };
        daemon.stdout!.on('data', seen);
        daemon.stderr!.on('data', seen);
        daemon.once('exit', (code) => reject(new Error(`cpsbackupd exited with ${code}: ${daemonLog}`)));
      });
      expect(daemonLog).toContain(`"port":${port}`);
      // What the operator copies to the node: the server package's install-agent, the CA.
      fs.copyFileSync(serverRoot.path('/usr/share/cpsbackup/install-agent'), root.path(`${MEDIA}/install-agent`));
      fs.copyFileSync(serverRoot.path('/etc/cpsbackup/certs/ca.pem'), root.path(`${MEDIA}/ca.pem`));
    });

    test("install-agent on the server machine enrols it with cpsbackupd's ca.pem, leaving cpsbackupd's certs directory as it was", async () => {
      const inServer = (argv: string[]) => serverRoot.run(argv);
      const certs = serverRoot.path('/etc/cpsbackup/certs');
      const owner = () => {
        const st = fs.statSync(certs);
        return { mode: st.mode & 0o777, uid: st.uid, gid: st.gid };
      };
      const before = owner();
      expect(before.mode).toBe(0o750);
      const inst = await inServer([
        '/usr/share/cpsbackup/install-agent',
        '--package',
        `${MEDIA}/${path.basename(olderDeb)}`,
        '--server',
        '127.0.0.1',
        '--port',
        String(port),
        '--cname',
        serverCname,
        '--ca',
        '/etc/cpsbackup/certs/ca.pem',
        '--password',
        password,
        '--include',
        '/etc/cpsbackup/clients',
      ]);
      ok(inst, 'install-agent on the server machine');
      expect(inst.stdout).toMatch(new RegExp(`Enrolled ${serverCname}: certificate /etc/cpsbackup/certs/${serverCname}\\.pem`));
      expect(owner()).toEqual(before);
      // cpsbackupd, as its user, still reads its key (its next start) and the CA (each enrolment).
      const asDaemon = await inServer([
        'setpriv',
        '--reuid=cpsbackup',
        '--regid=cpsbackup',
        '--init-groups',
        'cat',
        '/etc/cpsbackup/certs/cpsbackupd.key',
        '/etc/cpsbackup/certs/ca.pem',
      ]);
      ok(asDaemon, 'reading the certificates as cpsbackup');
      const saved = await inServer(['cpsbackup', '-e', '--json']);
      expect(saved.stderr).toBe('');
      expect(saved.code).toBe(0);
    });

    test('install-agent installs the package with apt and enrols; the agent backs up and restores every file type and attribute', async () => {
      // A clean node: no runtime nor build tools the agent could lean on.
      for (const tool of ['node', 'npm', 'gcc', 'python3']) expect((await inRoot(['sh', '-c', `command -v ${tool}`])).code).not.toBe(0);
      const inst = await installAgent(['--package', `${MEDIA}/${path.basename(olderDeb)}`, '--password', password, '--include', data]);
      ok(inst, 'install-agent');
      expect(inst.stdout).toMatch(new RegExp(`Enrolled ${cname}: certificate /etc/cpsbackup/certs/${cname}\\.pem \\(SHA-256 [0-9a-f:]{95}\\)`));
      const status = await inRoot(['dpkg-query', '-W', '-f=${Status} ${Version}', 'cpsbackup-agent']);
      expect(status.stdout).toBe(`install ok installed ${checkoutVersion()}`);
      expect(fs.readFileSync(root.path('/etc/cpsbackup/node.conf'), 'utf8')).toContain(`cname = ${cname}\n`);
      // node.conf may hold encryption_password: root's alone, as the package leaves it.
      expect(fs.statSync(root.path('/etc/cpsbackup/node.conf')).mode & 0o777).toBe(0o600);
      expect(fs.statSync(root.path(`/etc/cpsbackup/certs/${cname}.key`)).mode & 0o777).toBe(0o600);
      for (const unit of ['cpsbackup-agent.service', 'cpsbackup-backup.service', 'cpsbackup-backup.timer']) {
        expect(fs.existsSync(root.path(`/lib/systemd/system/${unit}`))).toBe(true);
      }
      // Neither the daemon nor the timer enabled: the operator chooses one.
      expect(enabledUnits(root)).toEqual([]);

      // Every file type and attribute, and data enough that a re-backup's new bytes say something.
      buildFidelityTree(root.path(data));
      fs.writeFileSync(root.path(`${data}/large.bin`), randomBytes(4 << 20));
      // A dump job: a real writer into a FIFO the agent reads (storage.conf beside node.conf).
      const dumpOf = ['tar', '--sort=name', '--numeric-owner', '-C', '/usr/share/common-licenses', '-cf', '-', '.'];
      fs.writeFileSync(root.path('/etc/cpsbackup/storage.conf'), `dump_directory = /var/lib/cpsbackup/dumps\ndump = docs: ${dumpOf.join(' ')} > {fifo}\n`);
      const first = await backup();
      expect(first.parent).toBeNull();
      const restored = await inRoot(['cpsbackup', '-i', '--to', '/srv/restored']);
      expect(restored.stderr).toBe('');
      expect(restored.code).toBe(0);
      expect(rsyncDiff(root.path(data), root.path(`/srv/restored${data}`))).toEqual([]);
      expect(snapshotTree(root.path(`/srv/restored${data}`))).toEqual(snapshotTree(root.path(data)));
      const dump = fs.readFileSync(root.path('/srv/restored/var/lib/cpsbackup/dumps/docs.dump'));
      const direct = await root.run(['sh', '-c', `${dumpOf.join(' ')} | sha256sum`]);
      expect(dump.length).toBeGreaterThan(10_000);
      expect(createHash('sha256').update(dump).digest('hex')).toBe(direct.stdout.split(' ')[0]);
    });

    test('apt upgrades it keeping node.conf, the key and the certificates; the next backup builds on its parent', async () => {
      // The operator's change to node.conf (a conffile) survives the upgrade byte for byte.
      const conf = root.path('/etc/cpsbackup/node.conf');
      fs.appendFileSync(conf, `exclude_regex = \\.cache$\n# changed by the operator of ${cname}\n`);
      const confBefore = fs.readFileSync(conf, 'utf8');
      const certsBefore = certFiles();
      const listBefore = await inRoot(['cpsbackup', '-l', '--json']);
      expect(listBefore.code).toBe(0);
      // The operator's choice of the timer (the symlink systemctl enable makes) is kept by the upgrade.
      fs.mkdirSync(root.path('/etc/systemd/system/timers.target.wants'), { recursive: true });
      fs.symlinkSync('/lib/systemd/system/cpsbackup-backup.timer', root.path('/etc/systemd/system/timers.target.wants/cpsbackup-backup.timer'));
      expect(enabledUnits(root)).toEqual(['timers.target.wants/cpsbackup-backup.timer']);

      const up = await inRoot(['apt-get', 'install', '-y', '-q', `${MEDIA}/${path.basename(newerDeb)}`]);
      ok(up, 'apt-get install of the newer package');
      expect((await inRoot(['dpkg-query', '-W', '-f=${Status} ${Version}', 'cpsbackup-agent'])).stdout).toBe(`install ok installed ${NEWER}`);
      expect(fs.readFileSync(conf, 'utf8')).toBe(confBefore);
      expect(fs.statSync(conf).mode & 0o777).toBe(0o600);
      expect(certFiles()).toEqual(certsBefore);
      expect(enabledUnits(root)).toEqual(['timers.target.wants/cpsbackup-backup.timer']);
      // The same node to the server: its backups listed as before.
      const listAfter = await inRoot(['cpsbackup', '-l', '--json']);
      expect(listAfter.code).toBe(0);
      expect(JSON.parse(listAfter.stdout)).toEqual(JSON.parse(listBefore.stdout));

      // One small change: the next backup names its parent and stores little new data.
      const previous = (JSON.parse(listAfter.stdout) as { backups: Array<{ number: number }> }).backups.at(-1)!.number;
      fs.writeFileSync(root.path(`${data}/changed-after-upgrade.txt`), 'one more file\n');
      const next = await backup();
      expect(next.parent).toBe(previous);
      expect(next.bytes).toBeGreaterThan(4 << 20);
      expect(next.newBytes).toBeLessThan(64 << 10);

      // install-agent run again, the package fetched from a URL: nothing of the node's replaced.
      const web = http.createServer((_req, res) => fs.createReadStream(newerDeb).pipe(res));
      await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}/${path.basename(newerDeb)}`;
        // Plain http: only with the package's SHA-256, checked before apt runs its scripts.
        const again = await installAgent(['--package', url, '--sha256', createHash('sha256').update(fs.readFileSync(newerDeb)).digest('hex')]);
        ok(again, 'install-agent again');
        expect(again.stdout).toContain('kept the existing /etc/cpsbackup/node.conf');
        expect(again.stderr).not.toContain('install-agent: warning'); // the same values as the options'
        expect(again.stdout).toContain(`already enrolled: kept /etc/cpsbackup/certs/${cname}.pem and its key`);
      } finally {
        web.close();
      }
      expect(fs.readFileSync(conf, 'utf8')).toBe(confBefore);
      expect(certFiles()).toEqual(certsBefore);
    });

    test("apt remove takes the program and keeps /etc/cpsbackup; apt purge deletes the configuration, keeping the node's key", async () => {
      const removed = await inRoot(['apt-get', 'remove', '-y', '-q', 'cpsbackup-agent']);
      ok(removed, 'apt-get remove');
      for (const gone of ['/usr/bin/cpsbackup', '/usr/lib/cpsbackup-agent', '/lib/systemd/system/cpsbackup-agent.service']) {
        expect(fs.existsSync(root.path(gone))).toBe(false);
      }
      expect((await inRoot(['sh', '-c', 'command -v cpsbackup'])).code).not.toBe(0);
      expect(fs.existsSync(root.path('/etc/cpsbackup/node.conf'))).toBe(true);
      expect(fs.existsSync(root.path(`/etc/cpsbackup/certs/${cname}.key`))).toBe(true);
      expect((await inRoot(['dpkg-query', '-W', '-f=${Status}', 'cpsbackup-agent'])).stdout).toBe('deinstall ok config-files');

      // Installed again after node.conf was deleted: configured without it (the deletion kept), the timer still enabled.
      fs.rmSync(root.path('/etc/cpsbackup/node.conf'));
      ok(await inRoot(['apt-get', 'install', '-y', '-q', `${MEDIA}/${path.basename(newerDeb)}`]), 'apt-get install again without node.conf');
      expect((await inRoot(['dpkg-query', '-W', '-f=${Status}', 'cpsbackup-agent'])).stdout).toBe('install ok installed');
      expect(fs.existsSync(root.path('/etc/cpsbackup/node.conf'))).toBe(false);
      expect(enabledUnits(root)).toEqual(['timers.target.wants/cpsbackup-backup.timer']);
      ok(await inRoot(['apt-get', 'remove', '-y', '-q', 'cpsbackup-agent']), 'apt-get remove again');

      const purged = await inRoot(['apt-get', 'purge', '-y', '-q', 'cpsbackup-agent']);
      ok(purged, 'apt-get purge');
      expect(fs.existsSync(root.path('/etc/cpsbackup/node.conf'))).toBe(false);
      expect((await inRoot(['dpkg-query', '-W', '-f=${Status}', 'cpsbackup-agent'])).code).not.toBe(0);
      // The node's identity is kept, and said so: its key and certificate, until no backup needs them.
      expect(fs.existsSync(root.path(`/etc/cpsbackup/certs/${cname}.key`))).toBe(true);
      expect(purged.stdout + purged.stderr).toContain('kept: /etc/cpsbackup/certs');
    });
  });
});
