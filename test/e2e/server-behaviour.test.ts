import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { CLI_BIN, fifoHasReader, rawSession, readUntil, runCli, snapshotTree, type TestServer, until, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

function bigTree(dir: string, files: number, size: number): string {
  fs.mkdirSync(dir, { recursive: true });
  const rnd = new SeededRandom(dir);
  for (let i = 0; i < files; i++) fs.writeFileSync(path.join(dir, `f${i}`), rnd.bytes(size));
  return dir;
}

/** Resolves once the server's log matches `pattern` (a hang fails by the test's timeout). */
function waitForLog(server: TestServer, pattern: RegExp): Promise<void> {
  return until(`the log to match ${pattern}`, () => pattern.test(server.log));
}

describe('cpsbackupd behaviour: locks, reload, agent death, shutdown, changing files', () => {
  const { root, pki, server } = useServer('behaviour', { conf: ['idle_timeout = 10', 'shutdown_grace = 60'], clients: { n1: [] } });

  test('a second backup of the same client is refused while one runs (exit 7); others are not', async () => {
    const data = bigTree(path.join(root, 'lock-data'), 3, 100_000);
    // A dump whose writer waits at a gate keeps the first backup running while we try the others,
    // however long they take: the gate opens once they were refused.
    const fifo = path.join(data, 'slow.dump');
    const gate = path.join(root, 'lock-gate');
    execFileSync('mkfifo', [fifo, gate]);
    const writer = spawn('sh', ['-c', 'exec 3>"$1"; echo start >&3; read x <"$2"; echo end >&3', 'sh', fifo, gate], { stdio: 'ignore' });
    const conf = writeNodeConf(root, server, { cname: 'n1', cert: pki.client('n1'), include: [data], extra: ['read_all_fifos = 1'] });
    const first = runCli(['-c', conf, '-e']);
    await waitForLog(server, /"backup":\d+.*"msg":"backup started"/);
    // The same node: its own lock file stops the second run before it connects.
    const sameNode = await runCli(['-c', conf, '-e']);
    expect(sameNode.code).toBe(7);
    expect(sameNode.stderr).toMatch(/another backup is already running on this node \(process \d+/);
    // The same client name from elsewhere: the server's per-client lock refuses it.
    const elsewhere = writeNodeConf(path.join(root, 'elsewhere'), server, { cname: 'n1', cert: pki.client('n1'), include: [path.join(data, 'f0')] });
    const second = await runCli(['-c', elsewhere, '-e']);
    expect(second.code).toBe(7);
    expect(second.stderr).toMatch(/a backup of n1 is already running/);
    await fs.promises.writeFile(gate, 'go\n');
    expect((await first).code).toBe(0);
    writer.kill();
  });

  test('an idle connection is dropped after idle_timeout', async () => {
    const { conn } = await rawSession(server, 'n1', pki.client('n1'));
    const start = Date.now();
    expect(await readUntil(conn, () => false)).toBeUndefined();
    expect(Date.now() - start).toBeGreaterThan(9_000);
    await waitForLog(server, /"reason":"no data from the peer for 10 s","msg":"connection ended"/);
  });

  test('SIGHUP reloads the client files', async () => {
    const data = bigTree(path.join(root, 'late-data'), 2, 1000);
    const conf = writeNodeConf(root, server, { cname: 'late', cert: pki.client('late'), include: [data] });
    expect((await runCli(['-c', conf, '-l'])).code).toBe(3);
    server.addClient('late');
    process.kill(server.pid, 'SIGHUP');
    await waitForLog(server, /"msg":"client files reloaded"/);
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
  });

  test('an agent killed mid-backup: the server records the failure, releases the lock, and the next run succeeds', async () => {
    server.addClient('victim');
    process.kill(server.pid, 'SIGHUP');
    const data = bigTree(path.join(root, 'victim-data'), 40, 2_000_000);
    const fifo = path.join(data, 'zz-slow.dump');
    execFileSync('mkfifo', [fifo]);
    // Its writer says a line and then holds it open, silent, until killed.
    const writer = spawn('sh', ['-c', 'exec 3>"$1"; echo start >&3; exec sleep 3600', 'sh', fifo], { stdio: 'ignore' });
    const conf = writeNodeConf(root, server, {
      cname: 'victim',
      cert: pki.client('victim'),
      include: [data],
      extra: ['read_all_fifos = 1'],
    });
    const agent: ChildProcess = spawn(process.execPath, [CLI_BIN, '-c', conf, '-e'], { stdio: 'ignore' });
    await waitForLog(server, /"client":"victim".*"msg":"backup started"/);
    // Killed once it reads the FIFO at the end of its tree: surely mid-backup, as the writer never ends it.
    await fifoHasReader(fifo);
    agent.kill('SIGKILL');
    writer.kill('SIGKILL');
    fs.rmSync(fifo);
    await waitForLog(server, /"client":"victim".*"msg":"connection ended"/);
    const list = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout).backups as Array<{ status: string; reason: string }>;
    expect(list).toHaveLength(1);
    expect(list[0]!.status).toBe('error');
    expect(list[0]!.reason).toMatch(/connection|closed/);
    const retry = await runCli(['-c', conf, '-e', '--json']);
    expect(retry.code).toBe(0);
    const to = path.join(root, 'victim-restore');
    expect((await runCli(['-c', conf, '-i', '--to', to])).code).toBe(0);
    expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
  });

  test('signals sent while the daemon starts are handled once it runs, not fatal', async () => {
    await server.stop();
    await server.start(0, (pid) => process.kill(pid, 'SIGHUP'));
    await waitForLog(server, /"msg":"client files reloaded"/);
    server.addClient('early');
    process.kill(server.pid, 'SIGHUP');
    const data = path.join(root, 'early-data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'f'), 'early');
    const conf = writeNodeConf(root, server, { cname: 'early', cert: pki.client('early'), include: [data] });
    await waitForLog(server, /client files reloaded[^]*client files reloaded/);
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
  });

  test('a file that keeps changing while read is stored with a warning (exit 5)', async () => {
    server.addClient('busy');
    process.kill(server.pid, 'SIGHUP');
    const data = path.join(root, 'busy-data');
    fs.mkdirSync(data);
    const growing = path.join(data, 'growing.log');
    // Larger than the file pool takes, so each of the three reads streams it
    // for long enough that the writer, once seen running, changes it during
    // every one of them even on a loaded machine.
    const initial = 12_000_000;
    fs.writeFileSync(growing, new SeededRandom('g').text(initial));
    const writer = spawn('sh', ['-c', `while true; do echo line >> "${growing}"; done`], { stdio: 'ignore' });
    try {
      while (fs.statSync(growing).size === initial) await new Promise((r) => setTimeout(r, 5));
      const conf = writeNodeConf(root, server, { cname: 'busy', cert: pki.client('busy'), include: [data] });
      const r = await runCli(['-c', conf, '-e', '--json']);
      expect(r.code).toBe(5);
      const out = JSON.parse(r.stdout);
      expect(out.backup.warnings.join('\n')).toMatch(/growing\.log kept changing while being read \(3 tries\)/);
      expect(out.counters.filesRead).toBe(3);
    } finally {
      writer.kill('SIGKILL');
    }
  });

  test('SIGTERM lets a running backup finish, then stops cleanly; the backup is available after restart', async () => {
    server.addClient('last');
    process.kill(server.pid, 'SIGHUP');
    const data = bigTree(path.join(root, 'last-data'), 40, 2_000_000);
    const conf = writeNodeConf(root, server, { cname: 'last', cert: pki.client('last'), include: [data] });
    const run = runCli(['-c', conf, '-e']);
    await waitForLog(server, /"client":"last".*"msg":"backup started"/);
    const stopped = server.stop('SIGTERM');
    const result = await run;
    expect(result.code).toBe(0);
    expect(await stopped).toBe(0);
    expect(server.log).toMatch(/"msg":"stopped"/);
    await server.start(server.port);
    const list = JSON.parse(
      (await runCli(['-c', writeNodeConf(root, server, { cname: 'last', cert: pki.client('last'), include: [data] }), '-l', '--json'])).stdout,
    ).backups;
    expect(list.map((b: { status: string }) => b.status)).toEqual(['available']);
  });
});
