/**
 * Burp's scripts through the real cpsbackup and cpsbackupd: the node's
 * backup and restore scripts (a quiesce whose output the backup holds, a
 * failing pre script that stops everything, the post script told how the
 * job ended, run_on_fail, a hung script killed) and the server's scripts
 * around each request (a client's own pre script refusing its backups, its
 * notify, server.conf's post script told the outcome).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI_BIN, processEnded, runCli, until, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/** Writes an executable /bin/sh script; returns its path. */
function script(dir: string, name: string, body: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** A script body that appends its arguments, joined by |, as one line of `log`. */
function recorder(log: string, then = ''): string {
  return `(IFS='|'; echo "$*") >> ${log}\n${then}`;
}

function lines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trimEnd().split('\n') : [];
}

/**
 * Resolves once `file` holds `line`: the server runs its post script after
 * answering, so the node may be done before it is (jest's timeout bounds
 * the wait).
 */
async function logged(file: string, line: string): Promise<string[]> {
  await until(`${line} in ${file}`, () => lines(file).includes(line));
  return lines(file);
}

/** The backups `-l` lists for a node. */
async function backups(conf: string): Promise<string[]> {
  const l = await runCli(['-c', conf, '-l']);
  return l.stdout.split('\n').filter((x) => x.startsWith('Backup: '));
}

describe('backup and restore scripts on the node, server scripts around requests', () => {
  const { root, pki, server } = useServer('scripts', {
    clients: {
      quiesce: [],
      prefail: [],
      postfail: [],
      both: [],
      partial: [],
      restorer: [],
      hung: [],
      interrupted: [],
      plain: [],
      // Their own server scripts, written by their tests (a relative path is relative to the client file: clients/ in server-conf/).
      guarded: [
        'server_script_pre = ../../guarded-srv/window.sh',
        'server_script_pre_arg = from-client',
        'server_script_pre_notify = 1',
        'notify_failure_script = ../../guarded-srv/notify.sh',
      ],
      sched: [],
      slowsrv: ['server_script_pre = ../../slow-srv/hang.sh', 'server_script_timeout = 1s'],
    },
    // server.conf's scripts, for every client: a pre script that lets everything through, a post script told the outcome.
    conf: (p) => {
      const top = path.dirname(p.dir);
      const srv = path.join(top, 'srv');
      return [
        `server_script_pre = ${script(srv, 'allow.sh', recorder(path.join(srv, 'pre.log')))}`,
        'server_script_pre_arg = from-server',
        `server_script_post = ${script(srv, 'post.sh', recorder(path.join(srv, 'post.log')))}`,
        'server_script_post_arg = from-server',
        'server_script_post_run_on_fail = 1',
      ];
    },
  });
  const srv = path.join(root, 'srv');
  let daemon: ChildProcess | undefined;
  afterAll(() => daemon?.kill('SIGKILL'));

  /** A node of its own: its data directory (with one file), its conf with `extra` lines, its scripts' directory. */
  function node(cname: string, extra: (dir: string, data: string) => string[]) {
    const dir = path.join(root, cname);
    const data = path.join(dir, 'data');
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, 'app.conf'), `${cname}\n`);
    const conf = writeNodeConf(dir, server, { cname, cert: pki.client(cname), include: [data], extra: extra(dir, data) });
    return { dir, data, conf, log: path.join(dir, 'scripts.log') };
  }

  test('the pre script runs before the walk (what it writes is backed up), with Burp arguments; the post script is told 0', async () => {
    const n = node('quiesce', (dir, data) => [
      // A quiesce: the "database" is dumped into an included file, with the arguments the script got.
      `backup_script_pre = ${script(dir, 'pre.sh', recorder(path.join(dir, 'scripts.log'), `(IFS='|'; echo "quiesced $*") > ${data}/db.dump`))}`,
      'backup_script_pre_arg = main',
      'backup_script_pre_arg = with space',
      `backup_script_post = ${script(dir, 'post.sh', recorder(path.join(dir, 'scripts.log')))}`,
      'backup_script_post_arg = after',
    ]);
    const e = await runCli(['-c', n.conf, '-e']);
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    expect(lines(n.log)).toEqual(['pre|reserved2|reserved3|reserved4|reserved5|main|with space', 'post|0|reserved3|reserved4|reserved5|after']);
    const target = path.join(n.dir, 'restored');
    const i = await runCli(['-c', n.conf, '-i', '1', '--to', target]);
    expect(i.code).toBe(0);
    expect(fs.readFileSync(path.join(target, n.data, 'db.dump'), 'utf8')).toBe('quiesced pre|reserved2|reserved3|reserved4|reserved5|main|with space\n');
    // The server's scripts ran around the backup, told it succeeded.
    expect(lines(path.join(srv, 'pre.log'))).toContain('pre|backupphase1|quiesce|0|0|from-server');
    expect(await logged(path.join(srv, 'post.log'), 'post|backupphase1|quiesce|0|0|from-server')).toContain('post|backupphase1|quiesce|0|0|from-server');
  });

  test('a failing pre script stops the backup before the dumps start and anything is sent; its output is in the message; the post script runs only with run_on_fail', async () => {
    const n = node('prefail', (dir) => {
      const storage = path.join(dir, 'storage.conf');
      fs.writeFileSync(storage, `dump_directory = ${path.join(dir, 'dumps')}\ndump = db: touch ${path.join(dir, 'dump-ran')}; echo x > {fifo}\n`);
      return [
        `storage_conf = ${storage}`,
        `backup_script_pre = ${script(dir, 'pre.sh', `${recorder(path.join(dir, 'scripts.log'))}echo "checking the database" ; echo "database is read-only" >&2; exit 3`)}`,
        `backup_script_post = ${script(dir, 'post.sh', recorder(path.join(dir, 'scripts.log')))}`,
      ];
    });
    const e = await runCli(['-c', n.conf, '-e']);
    expect(e.code).toBe(1);
    expect(e.stderr).toContain(
      `backup_script_pre ${path.join(n.dir, 'pre.sh')} exited with status 3; its output: checking the database\ndatabase is read-only; so the backup was not started (nothing was sent to the server)`,
    );
    expect(lines(n.log)).toEqual(['pre|reserved2|reserved3|reserved4|reserved5']);
    expect(fs.existsSync(path.join(n.dir, 'dump-ran'))).toBe(false);
    expect(await backups(n.conf)).toEqual([]);
    expect(lines(path.join(srv, 'pre.log')).filter((l) => l.includes('|prefail|'))).toEqual(['pre|list|prefail|0|0|from-server']);

    // With run_on_fail, the post script is told the backup failed.
    fs.appendFileSync(n.conf, 'backup_script_post_run_on_fail = 1\n');
    const again = await runCli(['-c', n.conf, '-e']);
    expect(again.code).toBe(1);
    expect(lines(n.log).slice(1)).toEqual(['pre|reserved2|reserved3|reserved4|reserved5', 'post|1|reserved3|reserved4|reserved5']);
    expect(await backups(n.conf)).toEqual([]);
  });

  test('the post script is told a failed backup (a failed dump) with run_on_fail; a failing post script after a stored backup fails the command', async () => {
    const n = node('postfail', (dir) => {
      const storage = path.join(dir, 'storage.conf');
      fs.writeFileSync(storage, `dump_directory = ${path.join(dir, 'dumps')}\ndump = db: echo partial > {fifo}; exit 1\n`);
      return [
        `storage_conf = ${storage}`,
        `backup_script_post = ${script(dir, 'post.sh', `${recorder(path.join(dir, 'scripts.log'))}echo "could not resume"; exit 4`)}`,
        'backup_script_post_run_on_fail = 1',
      ];
    });
    const e = await runCli(['-c', n.conf, '-e']);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/dump job db failed .*; and backup_script_post \S+post\.sh exited with status 4; its output: could not resume/);
    expect(lines(n.log)).toEqual(['post|1|reserved3|reserved4|reserved5']);
    // The server's post script learnt the backup failed.
    expect(await logged(path.join(srv, 'post.log'), 'post|backupphase1|postfail|1|0|from-server')).toContain('post|backupphase1|postfail|1|0|from-server');

    // A good backup whose post script fails: stored, and the command fails.
    fs.writeFileSync(path.join(n.dir, 'storage.conf'), `dump_directory = ${path.join(n.dir, 'dumps')}\n`);
    const ok = await runCli(['-c', n.conf, '-e']);
    expect(ok.code).toBe(1);
    expect(ok.stderr).toMatch(/backup 0000002 was stored, but backup_script_post \S+post\.sh exited with status 4; its output: could not resume/);
    expect(lines(n.log)).toEqual(['post|1|reserved3|reserved4|reserved5', 'post|0|reserved3|reserved4|reserved5']);
    // Stored and available (the failed one before it is pruned once a backup succeeds).
    expect(await backups(n.conf)).toEqual([expect.stringMatching(/^Backup: 0000002 \S+ \S+ \(deletable\)$/)]);
  });

  test('a partial backup (an include that cannot be read) is a failure for the post scripts of node and server', async () => {
    const n = node('partial', (dir) => [
      `include = ${path.join(dir, 'not-mounted')}`,
      `backup_script_post = ${script(dir, 'post.sh', recorder(path.join(dir, 'scripts.log')))}`,
      'backup_script_post_run_on_fail = 1',
    ]);
    expect((await runCli(['-c', n.conf, '-e'])).code).toBe(9);
    expect(lines(n.log)).toEqual(['post|1|reserved3|reserved4|reserved5']);
    expect(await logged(path.join(srv, 'post.log'), 'post|backupphase1|partial|1|0|from-server')).not.toContain('post|backupphase1|partial|0|0|from-server');
  });

  test('backup_script runs as both, with backup_script_arg; without reserved arguments only the _arg values are passed', async () => {
    const n = node('both', (dir) => [
      `backup_script = ${script(dir, 'both.sh', recorder(path.join(dir, 'scripts.log')))}`,
      'backup_script_arg = x',
      'backup_script_arg = y',
    ]);
    expect((await runCli(['-c', n.conf, '-e'])).code).toBe(0);
    expect(lines(n.log)).toEqual(['pre|reserved2|reserved3|reserved4|reserved5|x|y', 'post|0|reserved3|reserved4|reserved5|x|y']);
    fs.appendFileSync(n.conf, 'backup_script_reserved_args = 0\n');
    expect((await runCli(['-c', n.conf, '-e'])).code).toBe(0);
    expect(lines(n.log).slice(2)).toEqual(['x|y', 'x|y']);
  });

  test('restore scripts: around the restore; a failing pre script restores nothing; the post script is told a failed restore with run_on_fail', async () => {
    const n = node('restorer', (dir) => [
      `restore_script_pre = ${script(dir, 'pre.sh', recorder(path.join(dir, 'scripts.log')))}`,
      'restore_script_pre_arg = stop-app',
      `restore_script_post = ${script(dir, 'post.sh', recorder(path.join(dir, 'scripts.log')))}`,
      'restore_script_post_arg = start-app',
    ]);
    expect((await runCli(['-c', n.conf, '-e'])).code).toBe(0);
    const target = path.join(n.dir, 'restored');
    const i = await runCli(['-c', n.conf, '-i', '1', '--to', target]);
    expect(i.code).toBe(0);
    expect(fs.readFileSync(path.join(target, n.data, 'app.conf'), 'utf8')).toBe('restorer\n');
    expect(lines(n.log)).toEqual(['pre|reserved2|reserved3|reserved4|reserved5|stop-app', 'post|0|reserved3|reserved4|reserved5|start-app']);
    expect(await logged(path.join(srv, 'post.log'), 'post|restore|restorer|0|0|from-server')).toContain('post|restore|restorer|0|0|from-server');

    // A restore of a backup that does not exist fails: the post script hears of it only with run_on_fail.
    const missing = await runCli(['-c', n.conf, '-i', '99', '--to', path.join(n.dir, 'none')]);
    expect(missing.code).toBe(6);
    expect(lines(n.log).length).toBe(3);
    fs.appendFileSync(n.conf, 'restore_script_post_run_on_fail = 1\n');
    expect((await runCli(['-c', n.conf, '-i', '99', '--to', path.join(n.dir, 'none')])).code).toBe(6);
    expect(lines(n.log).slice(3)).toEqual(['pre|reserved2|reserved3|reserved4|reserved5|stop-app', 'post|1|reserved3|reserved4|reserved5|start-app']);

    // A failing pre script: nothing is restored.
    const refuse = script(n.dir, 'refuse.sh', 'echo "the application is still running"; exit 2');
    fs.writeFileSync(n.conf, fs.readFileSync(n.conf, 'utf8').replace(/^restore_script_pre = .*$/m, `restore_script_pre = ${refuse}`));
    const other = path.join(n.dir, 'not-restored');
    const r = await runCli(['-c', n.conf, '-i', '1', '--to', other]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `restore_script_pre ${path.join(n.dir, 'refuse.sh')} exited with status 2; its output: the application is still running; so the restore was not started`,
    );
    expect(fs.existsSync(other)).toBe(false);
    expect(lines(n.log).slice(5)).toEqual(['post|1|reserved3|reserved4|reserved5|start-app']);
  });

  test('a pre script still running at script_timeout is killed with what it started, and the backup does not happen', async () => {
    const n = node('hung', (dir) => [
      // Ignores SIGTERM and leaves a child behind: only the group's SIGKILL ends them.
      `backup_script_pre = ${script(dir, 'hang.sh', `trap '' TERM; sleep 100000 & echo $! > ${path.join(dir, 'child.pid')}; echo "waiting for the lock"; wait`)}`,
      'script_timeout = 1s',
    ]);
    const e = await runCli(['-c', n.conf, '-e']);
    expect(e.code).toBe(1);
    expect(e.stderr).toContain(
      `backup_script_pre ${path.join(n.dir, 'hang.sh')} was still running after 1 s and was killed with its process group (script_timeout in ${n.conf}); its output: waiting for the lock; so the backup was not started`,
    );
    await processEnded(Number(fs.readFileSync(path.join(n.dir, 'child.pid'), 'utf8')));
    expect(await backups(n.conf)).toEqual([]);
  });

  test('Ctrl-C on cpsbackup -e while its pre script runs ends the script and what it started; nothing is backed up', async () => {
    const n = node('interrupted', (dir) => [
      `backup_script_pre = ${script(dir, 'hang.sh', `sleep 100000 & echo $! > ${path.join(dir, 'child.pid')}; echo $$ > ${path.join(dir, 'script.pid')}; wait`)}`,
    ]);
    const cli = spawn(process.execPath, [CLI_BIN, '-c', n.conf, '-e'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    cli.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => cli.once('close', (code) => resolve(code)));
    const pids = [path.join(n.dir, 'script.pid'), path.join(n.dir, 'child.pid')];
    await until(
      'the pre script to start',
      () => pids.every((f) => fs.existsSync(f) && fs.readFileSync(f, 'utf8').endsWith('\n')),
      () => (cli.exitCode !== null ? `cpsbackup exited with ${cli.exitCode}` : undefined),
    );
    cli.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(new RegExp(`cpsbackup: interrupted \\(SIGINT\\): nothing was backed up \\(backup_script_pre ${path.join(n.dir, 'hang.sh')} `));
    for (const f of pids) await processEnded(Number(fs.readFileSync(f, 'utf8')));
    expect(await backups(n.conf)).toEqual([]);
  });

  test("a client's own server_script_pre refuses its backups (exit 8, nothing stored, notify told its output); other clients keep server.conf's", async () => {
    const dir = path.join(root, 'guarded-srv');
    const refuse = script(
      dir,
      'window.sh',
      `${recorder(path.join(dir, 'pre.log'))}[ "$2" = backupphase1 ] || exit 0\necho "outside the backup window"; exit 1`,
    );
    script(dir, 'notify.sh', recorder(path.join(dir, 'notify.log')));
    const n = node('guarded', () => []);
    const e = await runCli(['-c', n.conf, '-e']);
    expect(e.code).toBe(8);
    expect(e.stderr).toContain('the server refused this backup: its server_script_pre exited with status 1;');
    // The script's output stays on the server: its log, and the notify script.
    expect(e.stderr).not.toContain('outside the backup window');
    expect(server.logLines().some((l) => l.msg === 'server script failed' && l.client === 'guarded' && l.output === 'outside the backup window')).toBe(true);
    expect(await backups(n.conf)).toEqual([]);
    expect(lines(path.join(dir, 'pre.log'))).toEqual(['pre|backupphase1|guarded|0|0|from-client', 'pre|list|guarded|0|0|from-client']);
    // server.conf's pre script is not run for this client; its post script is (run_on_fail), told the backup failed.
    expect(lines(path.join(srv, 'pre.log')).filter((l) => l.includes('|guarded|'))).toEqual([]);
    await logged(path.join(srv, 'post.log'), 'post|list|guarded|0|0|from-server');
    expect(lines(path.join(srv, 'post.log')).filter((l) => l.includes('|guarded|'))).toEqual([
      'post|backupphase1|guarded|1|0|from-server',
      'post|list|guarded|0|0|from-server',
    ]);
    // The notify script runs beside the request: waited for.
    const notified = `guarded|0000000|error|server_script_pre ${refuse} exited with status 1 (backup); its output: outside the backup window`;
    expect(await logged(path.join(dir, 'notify.log'), notified)).toEqual([notified]);

    // Another client is served with server.conf's scripts.
    const p = node('plain', () => []);
    expect((await runCli(['-c', p.conf, '-e'])).code).toBe(0);
    expect(lines(path.join(srv, 'pre.log')).filter((l) => l.includes('|plain|'))).toEqual(['pre|backupphase1|plain|0|0|from-server']);
  });

  test('a server script still running at server_script_timeout is killed with what it started; the node is told', async () => {
    const dir = path.join(root, 'slow-srv');
    script(dir, 'hang.sh', `trap '' TERM; sleep 100000 & echo $! > ${path.join(dir, 'child.pid')}; wait`);
    const n = node('slowsrv', () => []);
    const e = await runCli(['-c', n.conf, '-e']);
    expect(e.code).toBe(8);
    expect(e.stderr).toContain(
      'the server refused this backup: its server_script_pre was still running after 1 s and was killed with its process group (server_script_timeout);',
    );
    await processEnded(Number(fs.readFileSync(path.join(dir, 'child.pid'), 'utf8')));
  });

  test("the daemon's scheduled backups run the scripts; a failing post script is logged and the stored backup is not made again for it", async () => {
    const n = node('sched', (dir, data) => [
      `backup_script_pre = ${script(dir, 'pre.sh', recorder(path.join(dir, 'scripts.log'), `echo scheduled > ${data}/db.dump`))}`,
      `backup_script_post = ${script(dir, 'post.sh', `${recorder(path.join(dir, 'scripts.log'))}echo "resume failed"; exit 5`)}`,
      'backup_interval = 1h',
      'backup_window = * 00:00-24:00',
    ]);
    let log = '';
    daemon = spawn(process.execPath, [CLI_BIN, '-c', n.conf, '--daemon'], { stdio: ['ignore', 'pipe', 'pipe'] });
    daemon.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    daemon.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const entries = () =>
      log
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string; backup?: number; code?: string; err?: string });
    const d = daemon;
    await until(
      'the scheduled backup',
      () => entries().some((l) => l.msg === 'backup done'),
      () => (d.exitCode !== null ? `the daemon exited: ${log}` : undefined),
    );
    const failed = entries().find((l) => l.msg === 'backup stored, but its post script failed');
    expect(failed).toMatchObject({ code: 'SCRIPT_FAILED', backup: 1 });
    expect(failed!.err).toMatch(/^backup_script_post \S+post\.sh exited with status 5; its output: resume failed$/);
    expect(entries().some((l) => l.msg === 'backup failed; retrying')).toBe(false);
    expect(lines(n.log)).toEqual(['pre|reserved2|reserved3|reserved4|reserved5', 'post|0|reserved3|reserved4|reserved5']);
    const target = path.join(n.dir, 'restored');
    expect((await runCli(['-c', n.conf, '-i', '1', '--to', target])).code).toBe(0);
    expect(fs.readFileSync(path.join(target, n.data, 'db.dump'), 'utf8')).toBe('scheduled\n');
  });
});
