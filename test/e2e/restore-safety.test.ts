/**
 * What a restore gives back beyond the files themselves, and what it never
 * does (issue 31): the directories on the way to an include come back as
 * they were, an include that is a symbolic link keeps its data, any depth
 * is backed up and restored, a local user racing a root restore cannot
 * turn it against the machine, and a forged entry is never restored as a
 * success. Real cpsbackupd and CLI; the local user is a real second
 * process running as nobody.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mkdirAt, openAt } from '@cpsbackup/syscalls';
import { CLI_BIN, SERVER_BIN, rawBackup, runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/** Every entry below `dir`, with type, mode, owner, size and mtime: find walks any depth (its paths are printed, never opened whole). */
function listing(dir: string): string[] {
  const r = spawnSync('find', [dir, '-mindepth', '1', '-printf', '%y %m %U:%G %s %T@ %P\\n'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
}

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
/** Runs a command and stops it when it makes a given name: see the script. */
const STOP_ON_CREATE = path.join(__dirname, '..', 'fixtures', 'stop-on-create.py');

describe('restore: the way to each include, links, depth, hostile local users, forged entries', () => {
  const { root, pki, server } = useServer('restore-safety', { clients: { node: [], forger: [] } });
  const conf = (include: string[], name = 'node') =>
    writeNodeConf(path.join(root, `conf-${name}-${include.length}`), server, { cname: name, cert: pki.client(name), include });

  test('the directories on the way to an include come back with their modes and owners, also on a restore of one path below it', async () => {
    const opt = path.join(root, 'sys', 'opt');
    fs.mkdirSync(path.join(opt, 'canopsis', 'etc', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(opt, 'canopsis', 'etc', 'sub', 'app.conf'), 'conf\n');
    fs.chmodSync(opt, 0o751);
    fs.chmodSync(path.join(opt, 'canopsis'), 0o705);
    fs.chownSync(path.join(opt, 'canopsis'), 1234, 4321);
    const c = conf([path.join(opt, 'canopsis', 'etc')]);
    expect((await runCli(['-c', c, '-e'])).code).toBe(0);

    const modeOf = (p: string) => {
      const st = fs.statSync(p);
      return [(st.mode & 0o7777).toString(8), st.uid, st.gid];
    };
    // A rebuilt node: everything restored into an empty directory.
    const all = path.join(root, 'restore-all');
    expect((await runCli(['-c', c, '-i', '--to', all])).code).toBe(0);
    expect(modeOf(path.join(all, opt))).toEqual(['751', 0, 0]);
    expect(modeOf(path.join(all, opt, 'canopsis'))).toEqual(['705', 1234, 4321]);
    // Every directory up to "/" as it was (the test's own temporary directories included).
    for (let d = path.join(opt, 'canopsis'); d !== '/'; d = path.dirname(d)) expect(modeOf(path.join(all, d))).toEqual(modeOf(d));

    // One path below the include: its parents are made as they were, not 0700.
    const one = path.join(root, 'restore-one');
    const r = await runCli(['-c', c, '-i', '--to', one, '--prefix', path.join(opt, 'canopsis', 'etc', 'sub', 'app.conf'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).entries).toBe(1); // the directories on the way are not counted as restored entries
    expect(fs.readFileSync(path.join(one, opt, 'canopsis', 'etc', 'sub', 'app.conf'), 'utf8')).toBe('conf\n');
    expect(modeOf(path.join(one, opt, 'canopsis'))).toEqual(['705', 1234, 4321]);
    expect(modeOf(path.join(one, opt, 'canopsis', 'etc', 'sub'))).toEqual(modeOf(path.join(opt, 'canopsis', 'etc', 'sub')));

    // Where such a directory exists, it is left as it is: only what was asked for is touched.
    const existing = path.join(root, 'restore-existing');
    fs.mkdirSync(path.join(existing, opt), { recursive: true, mode: 0o700 });
    fs.chmodSync(path.join(existing, opt), 0o700);
    expect((await runCli(['-c', c, '-i', '--to', existing, '--regex', 'app\\.conf$'])).code).toBe(0);
    expect(modeOf(path.join(existing, opt))).toEqual(['700', 0, 0]);
    expect(modeOf(path.join(existing, opt, 'canopsis'))).toEqual(['705', 1234, 4321]);
  });

  test('an include that is a symbolic link to a directory: its data is backed up where it lies, the link too, with a warning', async () => {
    const real = path.join(root, 'links', 'srv', 'app');
    fs.mkdirSync(path.join(real, 'data'), { recursive: true });
    fs.writeFileSync(path.join(real, 'data', 'db'), 'the data\n');
    const link = path.join(root, 'links', 'app');
    fs.symlinkSync(real, link);
    const c = conf([link], 'node');
    const b = await runCli(['-c', c, '-e', '--json']);
    expect(b.code).toBe(5);
    const backup = JSON.parse(b.stdout).backup;
    expect(backup.warnings).toEqual([`include ${link} goes through a symbolic link (${link}): backed up ${real} and the link`]);
    const to = path.join(root, 'restore-link');
    expect((await runCli(['-c', c, '-i', '--to', to])).code).toBe(0);
    expect(fs.readlinkSync(path.join(to, link))).toBe(real);
    expect(fs.readFileSync(path.join(to, real, 'data', 'db'), 'utf8')).toBe('the data\n');
    // --prefix written as node.conf's include (through the link) restores the link and the data it leads to.
    for (const prefix of [link, path.join(link, 'data')]) {
      const one = path.join(root, `restore-link-prefix-${prefix.length}`);
      const r = await runCli(['-c', c, '-i', '--to', one, '--prefix', prefix]);
      expect(r.code).toBe(0);
      expect(fs.readFileSync(path.join(one, real, 'data', 'db'), 'utf8')).toBe('the data\n');
    }
  });

  test('any depth: a tree 5,000 levels deep (paths five times PATH_MAX) is backed up and restored whole', async () => {
    const deep = path.join(root, 'deep');
    fs.mkdirSync(deep);
    let fd = fs.openSync(deep, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    for (let i = 0; i < 5000; i++) {
      mkdirAt(fd, Buffer.from('dd'), 0o750);
      const next = openAt(fd, Buffer.from('dd'), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
      fs.closeSync(fd);
      fd = next;
      if (i % 1000 === 999) {
        const f = openAt(fd, Buffer.from(`file-${i}`), fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o640);
        fs.writeSync(f, `at depth ${i + 1}\n`);
        fs.closeSync(f);
      }
    }
    fs.closeSync(fd);
    const c = conf([deep], 'node');
    const b = await runCli(['-c', c, '-e', '--json']);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    expect(JSON.parse(b.stdout).backup.warnings).toEqual([]);
    const to = path.join(root, 'restore-deep');
    const r = await runCli(['-c', c, '-i', '--to', to]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const want = listing(deep);
    expect(want).toHaveLength(5005);
    expect(listing(path.join(to, deep))).toEqual(want);
  });

  (isRoot ? test : test.skip)(
    'a local user who swaps a directory the root restore just made for a symbolic link gets nothing written or changed outside what is restored',
    async () => {
      // A user's home, restored in place by root after its directories were lost. Where nobody can reach it
      // (the test's own directory is root's, 0700), and the place the user will point the restore at.
      const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsbackup-race-'));
      fs.chmodSync(base, 0o755);
      const home = path.join(base, 'home', 'user');
      fs.mkdirSync(home, { recursive: true });
      fs.chmodSync(path.join(base, 'home'), 0o755);
      fs.chownSync(home, NOBODY, NOBODY);
      for (let d = 0; d < 4; d++) {
        const dir = path.join(home, `d${d}`);
        fs.mkdirSync(dir);
        // The first directory large enough that the restore is still writing into it when it is seen.
        for (let f = 0; f < (d === 0 ? 4000 : 100); f++) fs.writeFileSync(path.join(dir, `f${f}`), `file ${f}\n`);
        fs.chmodSync(dir, 0o777);
        fs.chownSync(dir, NOBODY, NOBODY);
      }
      const outside = path.join(base, 'outside');
      fs.mkdirSync(outside, { mode: 0o755 });
      fs.chmodSync(outside, 0o755);
      const c = conf([home], 'node');
      expect((await runCli(['-c', c, '-e'])).code).toBe(0);
      for (let d = 0; d < 4; d++) fs.rmSync(path.join(home, `d${d}`), { recursive: true });

      // The user swaps the directory the restore makes in their home for a link to `outside`, while the restore is
      // writing into it: decided by what happened (the directory appeared; the restore, stopped, had not finished).
      // Stopped by the kernel's word that the directory was made (inotify), not after some time.
      const output = path.join(base, 'restore.out');
      const child = spawn('python3', [STOP_ON_CREATE, home, 'd0', output, '--', process.execPath, CLI_BIN, '-c', c, '-i', '--prefix', home], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
      const said = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
      expect(said).toBe('stopped'); // mid-restore
      const victim = path.join(home, 'd0');
      // Debian's python3: nobody may not run one installed under root's home.
      const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
      const swap = `import os, sys; os.rename(sys.argv[1], sys.argv[1] + '-moved'); os.symlink(sys.argv[2], sys.argv[1])`;
      const user = spawnSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', python, '-c', swap, victim, outside]);
      expect(user.status).toBe(0);
      child.stdin.end('go\n');
      const r = { code: await exited, stdout: fs.readFileSync(output, 'utf8') };
      // Nothing was written outside what is restored, and the directory outside kept its owner and mode.
      expect(fs.readdirSync(outside)).toEqual([]);
      const st = fs.statSync(outside);
      expect([st.uid, st.mode & 0o7777]).toEqual([0, 0o755]);
      // What could not be restored is said (refused, not followed), with the exit code of warnings.
      expect(r.code).toBe(5);
      expect(r.stdout).toMatch(/warning: .*(refusing to restore through|replaced .*while it was being restored)/);
      // Thousands of files refused for one reason are told in a few lines, not one each.
      expect(r.stdout.split('\n').length).toBeLessThan(50);
      spawnSync('rm', ['-rf', base]);
    },
  );

  (isRoot ? test : test.skip)('--no-devices leaves device nodes out and --no-setuid restores files without setuid bits and capabilities', async () => {
    const data = path.join(root, 'privileged');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'helper'), '#!/bin/sh\n');
    fs.chmodSync(path.join(data, 'helper'), 0o4755);
    fs.writeFileSync(path.join(data, 'pinger'), 'binary');
    expect(spawnSync('setcap', ['cap_net_raw=ep', path.join(data, 'pinger')]).status).toBe(0);
    expect(spawnSync('mknod', [path.join(data, 'null'), 'c', '1', '3']).status).toBe(0);
    fs.mkdirSync(path.join(data, 'shared'));
    fs.chmodSync(path.join(data, 'shared'), 0o2775);
    const c = conf([data], 'node');
    expect((await runCli(['-c', c, '-e'])).code).toBe(0);
    const caps = (p: string) => spawnSync('getcap', [p], { encoding: 'utf8' }).stdout.trim();

    const as = path.join(root, 'restore-privileged');
    expect((await runCli(['-c', c, '-i', '--to', as])).code).toBe(0);
    expect(fs.statSync(path.join(as, data, 'helper')).mode & 0o7777).toBe(0o4755);
    expect(caps(path.join(as, data, 'pinger'))).toMatch(/cap_net_raw=ep/);
    expect(fs.lstatSync(path.join(as, data, 'null')).isCharacterDevice()).toBe(true);

    const plain = path.join(root, 'restore-unprivileged');
    const r = await runCli(['-c', c, '-i', '--to', plain, '--no-devices', '--no-setuid']);
    expect(r.code).toBe(5);
    expect(r.stdout).toContain(`warning: ${data}/null: a device node, left out (--no-devices)`);
    expect(fs.existsSync(path.join(plain, data, 'null'))).toBe(false);
    expect(fs.statSync(path.join(plain, data, 'helper')).mode & 0o7777).toBe(0o755);
    expect(caps(path.join(plain, data, 'pinger'))).toBe('');
    expect(fs.readFileSync(path.join(plain, data, 'pinger'), 'utf8')).toBe('binary');
    // A directory's setgid bit is inheritance, not privilege: kept.
    expect(fs.statSync(path.join(plain, data, 'shared')).mode & 0o7777).toBe(0o2775);
  });

  test('a forged entry claiming 10 GiB with no data is not restored: the file is named, the exit code is 1', async () => {
    await rawBackup(server, 'forger', pki.client('forger'), [
      { path: '/forged/big.db', content: Buffer.alloc(0), size: 10 * 1024 ** 3 },
      { path: '/forged/fine', content: Buffer.from('fine\n') },
    ]);
    const to = path.join(root, 'restore-forged');
    const r = await runCli(['-c', conf([], 'forger'), '-i', '--to', to]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/forged/big.db: not restored: its entry says 10737418240 bytes, its 0 chunks hold 0');
    expect(fs.existsSync(path.join(to, 'forged', 'big.db'))).toBe(false);
    expect(fs.readFileSync(path.join(to, 'forged', 'fine'), 'utf8')).toBe('fine\n');

    // Verify, by the node and by the server's operator, says the same before anyone relies on the backup.
    const v = await runCli(['-c', conf([], 'forger'), '--verify']);
    expect(v.code).toBe(1);
    expect(v.stdout + v.stderr).toContain('damaged /forged/big.db: its entry says 10737418240 bytes, its 0 chunks hold 0');
    expect(v.stdout + v.stderr).not.toContain('/forged/fine');
    const admin = spawnSync(process.execPath, [SERVER_BIN, '-c', server.confFile, 'verify'], { encoding: 'utf8' });
    expect(admin.status).not.toBe(0);
    expect(admin.stdout).toMatch(/DAMAGED forger backup 1: \/forged\/big\.db: its entry says 10737418240 bytes/);
    expect(admin.stdout).toContain('DAMAGE FOUND');
  });
});
