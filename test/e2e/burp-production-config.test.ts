/**
 * Issue 35's "done when": a Burp node configuration written as production
 * ones are (a database quiesced by a pre script that dumps it into an
 * included directory, mounts below the include, .nobackup directories, a
 * size cap, extensions left out, an include inside an exclude) backs up
 * exactly what Burp would. What Burp would is computed here, by a walk of
 * the test's own that follows burp(8) and Burp's find.c rule by rule; the
 * restore of the backup is compared with it, path by path and byte for
 * byte.
 *
 * The network file system: this machine's kernel has neither NFS client
 * nor server (no "nfs" in /proc/filesystems, no modules to load), so
 * nfs-kernel-server cannot export anything and mount -t nfs cannot mount
 * it. The closest real thing is a network file system through FUSE:
 * sshfs, over SSH to an sshd on 127.0.0.1 started here (type fuse.sshfs).
 * What the rules do with it is what they do with an NFS mount: another
 * file system below the include, not crossed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom, tempDir } from '@cpsbackup/testkit';
import {
  freePort,
  LoopDisk,
  loopDevicesUnavailable,
  runCli,
  snapshotTree,
  TestPostgres,
  type TreeRecord,
  until,
  useServer,
  writeNodeConf,
} from '@cpsbackup/testkit/e2e';

const skip = loopDevicesUnavailable();
const maybe = skip ? describe.skip : describe;
if (skip) console.warn(`Burp production configuration test skipped: ${skip}`);

/** The selection keys of the node.conf below, as the test's own walk reads them. */
interface Rules {
  include: string[];
  exclude: string[];
  excludeExt: string[];
  maxFileSize: number;
  nobackup: string[];
  crossFilesystem: string[];
  excludeFs: string[];
}

/** Component-wise: is `p` at or below `dir`? */
const atOrBelow = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith('/') ? dir : dir + '/');

/** Burp's include/exclude: of the include and exclude paths at or above a path, the longest decides (find.c's file_is_included_no_incext). */
function includedByPaths(rules: Rules, p: string): boolean {
  let best: { len: number; include: boolean } | undefined;
  for (const [list, include] of [
    [rules.include, true],
    [rules.exclude, false],
  ] as const) {
    for (const d of list) if (atOrBelow(p, d) && (!best || d.length >= best.len)) best = { len: d.length, include };
  }
  return best?.include ?? false;
}

/** exclude_ext: the name's extension, in any case (in_exclude_ext); a name without a dot has none. */
function excludedByExt(rules: Rules, p: string): boolean {
  const base = path.basename(p);
  const dot = base.lastIndexOf('.');
  return dot >= 0 && rules.excludeExt.some((e) => e.toLowerCase() === base.slice(dot + 1).toLowerCase());
}

/** Burp's lstat of DIR/NAME for each nobackup name: any kind of entry counts. */
const holdsNobackup = (rules: Rules, dir: string) =>
  rules.nobackup.some((n) => {
    try {
      fs.lstatSync(path.join(dir, n));
      return true;
    } catch {
      return false;
    }
  });

/** A file-system type as statfs names it (coreutils' stat -f %T). */
const fsTypeOf = (p: string) => execFileSync('stat', ['-f', '-c', '%T', p], { encoding: 'utf8' }).trim();

/** The record snapshotTree makes of one path. */
function recordOf(abs: string): TreeRecord {
  const st = fs.lstatSync(abs, { bigint: true });
  const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
  const rec: TreeRecord = { type, mode: (st.mode & 0o7777n).toString(8), size: st.isFile() ? Number(st.size) : 0, mtimeNs: st.mtimeNs.toString() };
  if (st.isFile()) rec.sha256 = createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
  if (st.isSymbolicLink()) rec.target = fs.readlinkSync(abs, { encoding: 'buffer' }).toString('latin1');
  return rec;
}

/**
 * What Burp backs up of `root` (an include), relative to it, with what a
 * restore must give back for each path, following find.c: an entry the
 * rules leave out is neither backed up nor entered, but each outermost
 * include below it is walked from there (process_entries_in_directory); a
 * regular file only up to max_file_size (a file of exactly that size is
 * kept: Burp leaves out what is larger); a directory is backed up itself
 * and walked unless it holds a nobackup entry, or is another file system
 * (its device differs from its parent's) of an exclude_fs type or not
 * named in cross_filesystem (found_directory); the directories on the way
 * down to what is backed up (an include inside an exclude) come back too.
 */
function burpWouldBackUp(rules: Rules, root: string): Map<string, TreeRecord> {
  const out = new Map<string, TreeRecord>();
  const keep = (abs: string) => {
    for (let p = abs; p !== root && !out.has(path.relative(root, p)); p = path.dirname(p)) out.set(path.relative(root, p), recordOf(p));
  };
  const entries = (dir: string, dev: bigint) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const child = path.join(dir, name);
      if (includedByPaths(rules, child) && !excludedByExt(rules, child)) {
        findFiles(child, dev);
        continue;
      }
      // Left out, and not entered; an include below it is walked from there (the outermost ones).
      const below = rules.include.filter((i) => i !== child && atOrBelow(i, child));
      for (const inc of below) if (!below.some((o) => o !== inc && atOrBelow(inc, o))) findFiles(inc, dev);
    }
  };
  const findFiles = (abs: string, parentDev: bigint): void => {
    const st = fs.lstatSync(abs, { bigint: true });
    if (!st.isDirectory()) {
      if (!(st.isFile() && st.size > BigInt(rules.maxFileSize))) keep(abs);
      return;
    }
    keep(abs);
    if (holdsNobackup(rules, abs)) return;
    if (st.dev !== parentDev && (rules.excludeFs.includes(fsTypeOf(abs)) || !rules.crossFilesystem.includes(abs))) return;
    entries(abs, st.dev);
  };
  entries(root, fs.lstatSync(root, { bigint: true }).dev);
  return out;
}

maybe('a Burp production node configuration backs up what Burp would', () => {
  const { root, pki, server } = useServer('burp-production', { clients: { db1: [] } });
  // Mounts and the database live outside the server's root, which is removed after the tests, maybe before they are unmounted.
  const base = tempDir('burp-production-node');
  const srv = path.join(base, 'srv');
  const home = path.join(srv, 'home');
  const run = path.join(srv, 'run');
  const net = path.join(srv, 'net');
  const pgRoot = path.join(srv, 'lib', 'postgresql');
  const dumps = path.join(srv, 'backups', 'pg');
  const postOut = path.join(base, 'post-script.out');
  const ssh = path.join(base, 'ssh');
  const mounted: string[] = [];
  let loop: LoopDisk | undefined;
  let sshd: ChildProcess | undefined;
  let pg: TestPostgres | undefined;
  let rules: Rules;
  let conf: string;

  const rnd = new SeededRandom('burp-production');
  const write = (p: string, bytes: number | string) => {
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, typeof bytes === 'string' ? bytes : rnd.bytes(bytes));
  };

  /** An sshd on 127.0.0.1 for this test only, and sshfs mounting `exported` at `at` through it. */
  async function mountSshfs(exported: string, at: string): Promise<void> {
    fs.mkdirSync(ssh, { recursive: true });
    fs.mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation directory
    for (const k of ['host', 'user']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(ssh, k)]);
    fs.copyFileSync(path.join(ssh, 'user.pub'), path.join(ssh, 'authorized_keys'));
    const port = await freePort();
    fs.writeFileSync(
      path.join(ssh, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${path.join(ssh, 'host')}`,
        `AuthorizedKeysFile ${path.join(ssh, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'Subsystem sftp internal-sftp',
      ].join('\n') + '\n',
    );
    let log = '';
    sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(ssh, 'sshd_config')], { stdio: ['ignore', 'pipe', 'pipe'] });
    sshd.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await until(
      'sshd to listen',
      () => log.includes(`Server listening on 127.0.0.1 port ${port}`),
      () => (sshd!.exitCode !== null ? `sshd exited (${sshd!.exitCode}): ${log}` : undefined),
    );
    execFileSync('sshfs', [
      `root@127.0.0.1:${exported}`,
      at,
      '-p',
      String(port),
      '-o',
      `IdentityFile=${path.join(ssh, 'user')},StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,BatchMode=yes`,
    ]);
    mounted.push(at);
  }

  beforeAll(async () => {
    for (const tool of ['sshfs', 'ssh-keygen', '/usr/sbin/sshd']) {
      try {
        execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      } catch {
        throw new Error(`${tool} is not installed: run make test-deps (Debian's sshfs and openssh-server)`);
      }
    }
    // The application's files: configuration, a binary over the size cap and a helper exactly at it, logs, a cache.
    write(path.join(srv, 'etc', 'app.conf'), 'listen = 0.0.0.0:8080\n');
    write(path.join(srv, 'etc', 'ssl', 'app.pem'), 3_000);
    fs.symlinkSync('etc/app.conf', path.join(srv, 'app.conf'));
    write(path.join(srv, 'app', 'bin', 'app'), 1024 * 1024 + 1);
    write(path.join(srv, 'app', 'bin', 'helper'), 1024 * 1024);
    write(path.join(srv, 'app', 'logs', 'app.log'), 20_000);
    write(path.join(srv, 'app', 'logs', 'OLD.LOG'), 5_000);
    write(path.join(srv, 'app', 'logs', 'app.log.1'), 7_000);
    write(path.join(srv, 'app', 'logs', 'README'), 'logs rotate daily\n');
    // A directory with an excluded extension: left out with what it holds (Burp does not enter it).
    write(path.join(srv, 'app', 'upload.tmp', 'part1.txt'), 'half an upload\n');
    write(path.join(srv, 'app', 'cache', 'page1.html'), 9_000);
    write(path.join(srv, 'app', 'cache', 'blobs', 'b1'), 11_000);
    write(path.join(srv, 'app', 'cache', 'keep', 'index.db'), 40_000);
    write(path.join(srv, 'app', 'cache', 'keep', 'session.tmp'), 2_000);
    write(path.join(srv, 'app', 'cache', 'keep', 'sub', 'state.json'), '{"ok":true}\n');
    // A scratch area marked .nobackup: the directory is backed up, nothing in it.
    write(path.join(srv, 'scratch', '.nobackup'), '');
    write(path.join(srv, 'scratch', 'junk.bin'), 30_000);
    write(path.join(srv, 'var', 'spool', 'q1'), 1_000);

    // /home: an ext4 file system of its own, crossed (cross_filesystem), with .nobackup directories inside.
    loop = LoopDisk.create(path.join(base, 'home.img'), home, 32);
    fs.rmSync(path.join(home, 'lost+found'), { recursive: true });
    write(path.join(home, 'alice', 'notes.txt'), 'remember the milk\n');
    write(path.join(home, 'alice', 'Downloads', '.nobackup'), '');
    write(path.join(home, 'alice', 'Downloads', 'image.iso'), 200_000);
    write(path.join(home, 'bob', '.cache', '.nobackup'), 'x');
    write(path.join(home, 'bob', '.cache', 'thumb.png'), 8_000);
    write(path.join(home, 'bob', 'report.TMP'), 4_000);
    write(path.join(home, 'bob', 'report.odt'), 60_000);

    // /run: a tmpfs (exclude_fs = tmpfs).
    fs.mkdirSync(run, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=755', 'tmpfs', run]);
    mounted.push(run);
    write(path.join(run, 'app.pid'), '4242\n');
    write(path.join(run, 'lock', 'app.lock'), '');

    // A network share below the include, not crossed (Burp's default).
    const exported = path.join(base, 'export');
    write(path.join(exported, 'share', 'handbook.pdf'), 50_000);
    fs.mkdirSync(net, { recursive: true });
    await mountSshfs(exported, net);

    // The database: its live files are excluded; the pre script dumps it into an included directory.
    fs.chmodSync(base, 0o755); // PostgreSQL runs as its own user: the way to its directory must be open to it
    pg = new TestPostgres(pgRoot);
    pg.start();
    pg.psql('postgres', 'CREATE DATABASE app');
    pg.psql('app', 'CREATE TABLE orders (id int PRIMARY KEY, customer text NOT NULL, total numeric(10,2), placed timestamptz)');
    pg.psql(
      'app',
      "INSERT INTO orders SELECT g, 'customer-' || g, g * 1.25, '2026-01-01'::timestamptz + g * interval '1 hour' FROM generate_series(1, 5000) g",
    );

    const pre = path.join(base, 'pg-dump-pre');
    fs.writeFileSync(
      pre,
      [
        '#!/bin/sh',
        '# Burp: pre reserved2 reserved3 reserved4 reserved5, then backup_script_pre_arg',
        '[ "$1" = pre ] || { echo "called as $1, not pre" >&2; exit 2; }',
        'mkdir -p "$6" || exit 1',
        `${pg.bin}/pg_dump ${pg.connArgs.join(' ')} -d "$7" -f "$6/$7.sql.part" || exit 1`,
        'mv "$6/$7.sql.part" "$6/$7.sql"',
      ].join('\n') + '\n',
      { mode: 0o755 },
    );
    const post = path.join(base, 'post');
    fs.writeFileSync(post, `#!/bin/sh\necho "$@" >> ${postOut}\n`, { mode: 0o755 });

    // As a Burp operator writes it (Burp's example client configuration, then this node's lines).
    const lines = [
      `include = ${srv}`,
      `exclude = ${path.join(srv, 'app', 'cache')}`,
      `include = ${path.join(srv, 'app', 'cache', 'keep')}`,
      `exclude = ${pgRoot}`,
      'exclude_ext = log',
      'exclude_ext = tmp',
      'max_file_size = 1 Mb',
      'nobackup = .nobackup',
      `cross_filesystem = ${home}`,
      'cross_all_filesystems = 0',
      'exclude_fs = sysfs',
      'exclude_fs = tmpfs',
      `backup_script_pre = ${pre}`,
      `backup_script_pre_arg = ${dumps}`,
      'backup_script_pre_arg = app',
      `backup_script_post = ${post}`,
      'backup_script_post_run_on_fail = 1',
    ];
    conf = writeNodeConf(path.join(root, 'node'), server, { cname: 'db1', cert: pki.client('db1'), include: [], extra: lines });
    rules = {
      include: [srv, path.join(srv, 'app', 'cache', 'keep')],
      exclude: [path.join(srv, 'app', 'cache'), pgRoot],
      excludeExt: ['log', 'tmp'],
      maxFileSize: 1024 * 1024,
      nobackup: ['.nobackup'],
      crossFilesystem: [home],
      excludeFs: ['sysfs', 'tmpfs'],
    };
  }, 120_000);

  afterAll(() => {
    pg?.stop();
    for (const m of mounted.reverse()) execFileSync('umount', ['-l', m]);
    sshd?.kill('SIGTERM');
    loop?.detach();
    fs.rmSync(base, { recursive: true, force: true });
  });

  test('the restore gives back exactly what the rules select, byte for byte, and the dump loads into the same data', async () => {
    const backup = await runCli(['-c', conf, '-e', '--json']);
    // One warning: the network share is a file system the walk does not cross (the tmpfs is left out by exclude_fs, silently).
    expect({ code: backup.code, stderr: backup.stderr }).toEqual({ code: 5, stderr: '' });
    const result = JSON.parse(backup.stdout) as { backup: { number: number; warnings: string[] } };
    expect(result.backup.warnings).toHaveLength(1);
    expect(result.backup.warnings[0]).toContain(`${net} is the mount point of another file system`);
    expect(fs.readFileSync(postOut, 'utf8')).toBe('post 0 reserved3 reserved4 reserved5\n');

    // Computed after the backup: the pre script's dump is part of what it had to back up.
    const expected = burpWouldBackUp(rules, srv);
    // The test's walk itself: what it must have found, so a mistake in it cannot agree with one in the agent.
    const files = [...expected].filter(([, r]) => r.type !== 'dir').map(([p]) => p);
    expect(files.sort()).toEqual(
      [
        'app.conf',
        'app/bin/helper',
        'app/cache/keep/index.db',
        'app/cache/keep/sub/state.json',
        'app/logs/README',
        'app/logs/app.log.1',
        'backups/pg/app.sql',
        'etc/app.conf',
        'etc/ssl/app.pem',
        'home/alice/notes.txt',
        'home/bob/report.odt',
        'var/spool/q1',
      ].sort(),
    );
    for (const dir of ['scratch', 'home/alice/Downloads', 'home/bob/.cache', 'run', 'net', 'app/cache', 'lib']) expect(expected.get(dir)?.type).toBe('dir');

    const to = path.join(root, 'restored');
    const restore = await runCli(['-c', conf, '-i', String(result.backup.number), '--to', to]);
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    const restored = snapshotTree(path.join(to, srv));
    expect(new Map([...restored].sort())).toEqual(new Map([...expected].sort()));

    // The dump the pre script made is whole: loaded into a new database, it holds what the live one does.
    const sum = (db: string) => pg!.psql(db, "SELECT count(*), md5(string_agg(id || customer || total || placed, ',' ORDER BY id)) FROM orders").trim();
    pg!.psql('postgres', 'CREATE DATABASE app_restored');
    execFileSync(path.join(pg!.bin, 'psql'), [...pg!.connArgs, '-d', 'app_restored', '-v', 'ON_ERROR_STOP=1', '-q', '-f', path.join(to, dumps, 'app.sql')]);
    expect(sum('app_restored')).toBe(sum('app'));
    expect(sum('app')).toMatch(/^5000\|[0-9a-f]{32}$/);
  });
});
