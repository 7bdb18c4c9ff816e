/**
 * What `cpsbackup -e` and `-i` tell while they run: a progress line on a
 * terminal (a real one: a pseudo-terminal from python3's pty module) that
 * moves within a large FIFO before it ends, nothing on a pipe, the
 * --json-progress stream, JSON errors, and Ctrl-C (SIGINT) / SIGTERM: a
 * backup abandoned on the server with the reason, a restore stopped between
 * files with none left half-written.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { CLI_BIN, fifoHasReader, runCli, tempDir, TestPki, TestServer, until, writeNodeConf, requireBuild } from '@cpsbackup/testkit/e2e';

/**
 * Runs argv with its stderr on a pseudo-terminal (stdout stays a pipe): the
 * terminal's output is relayed to this helper's stderr, after a first line
 * "pid N" naming the child.
 */
const PTY_RELAY = `
import os, pty, subprocess, sys
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stderr=s)
os.close(s)
os.write(2, b"pid %d\\n" % p.pid)
while True:
    try:
        b = os.read(m, 65536)
    except OSError:
        break
    if not b:
        break
    os.write(2, b)
rc = p.wait()
sys.exit(128 - rc if rc < 0 else rc)
`;

interface Running {
  child: ChildProcess;
  /** The CLI's own pid (under the relay when on a terminal). */
  pid: () => number;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number>;
}

/** Starts the CLI, its stderr on a terminal or a pipe. */
function startCli(args: string[], opts: { tty: boolean }): Running {
  const argv = [process.execPath, CLI_BIN, ...args];
  const child = opts.tty
    ? spawn('python3', ['-c', PTY_RELAY, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1)));
  return {
    child,
    pid: () => (opts.tty ? Number(/^pid (\d+)\n/.exec(stderr)?.[1] ?? 0) : child.pid!),
    stdout: () => stdout,
    stderr: () => (opts.tty ? stderr.replace(/^pid \d+\n/, '') : stderr),
    exit,
  };
}

/** A writer process into a FIFO that writes `first` bytes, then waits for a line on its stdin before writing `second` more and closing. */
function fifoWriter(fifo: string, first: number, second: number, marker: string): { child: ChildProcess; go: () => void; exit: Promise<number | null> } {
  const script = `exec 3>"$1"; head -c ${first} /dev/urandom >&3; : > "$2"; read x; head -c ${second} /dev/urandom >&3; exec 3>&-`;
  const child = spawn('sh', ['-c', script, 'sh', fifo, marker], { stdio: ['pipe', 'ignore', 'ignore'] });
  return { child, go: () => child.stdin!.end('\n'), exit: new Promise((r) => child.once('exit', r)) };
}

/** The largest "N.N MiB <verb>" a progress line showed so far. */
function mibShown(out: string, verb: string): number {
  return Math.max(0, ...[...out.matchAll(new RegExp(`([0-9.]+) MiB(?: of ~?[0-9.]+ [KMG]iB)? ${verb}`, 'g'))].map((m) => Number(m[1])));
}

const MiB = 1024 * 1024;

describe('CLI progress, --json-progress, errors and interruptions', () => {
  let root: string;
  let pki: TestPki;
  let server: TestServer;
  let serverPid = 0;
  const writers: ChildProcess[] = [];

  /** After an interrupted backup, the next one (its FIFO fed whole) is backup `number`, built on backup 1, the last good one. */
  async function expectNextBackupOnParent1(conf: string, fifo: string, marker: string, number: number): Promise<void> {
    const next = fifoWriter(fifo, 1 * MiB, 0, path.join(root, marker));
    writers.push(next.child);
    next.go();
    const after = await runCli(['-c', conf, '-e', '--json']);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ backup: { number, parent: 1, status: 'available' } });
  }

  beforeAll(async () => {
    requireBuild();
    root = tempDir('cli-progress');
    pki = new TestPki(path.join(root, 'pki'));
    server = new TestServer(root, pki);
    for (const c of ['tty', 'json', 'intr', 'rest', 'cut', 'pipe', 'piped']) server.addClient(c);
    await server.start(0, (pid) => (serverPid = pid));
  });
  afterAll(async () => {
    for (const w of writers) w.kill('SIGKILL');
    if (serverPid) process.kill(serverPid, 'SIGCONT');
    await server.stop();
    spawnRm(root);
  });

  function spawnRm(dir: string): void {
    execFileSync('rm', ['-rf', dir]);
  }

  function nodeWithFifo(cname: string): { conf: string; data: string; fifo: string } {
    const data = path.join(root, `${cname}-data`);
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, 'small.txt'), `${cname}\n`);
    const fifo = path.join(data, 'dump.fifo');
    execFileSync('mkfifo', [fifo]);
    const conf = writeNodeConf(path.join(root, cname), server, {
      cname,
      cert: pki.client(cname),
      include: [data],
      extra: [`read_fifo = ${fifo}`, 'fifo_timeout = 600'],
    });
    return { conf, data, fifo };
  }

  test('on a terminal: the bytes of a FIFO move while its writer is midway, without a % or ETA on a first backup; a restore shows its progress; nothing on a pipe', async () => {
    const { conf, fifo } = nodeWithFifo('tty');
    const marker = path.join(root, 'tty-half-written');
    const writer = fifoWriter(fifo, 40 * MiB, 24 * MiB, marker);
    writers.push(writer.child);
    const cli = startCli(['-c', conf, '-e'], { tty: true });
    const gone = () => (cli.child.exitCode !== null ? `cpsbackup exited: ${cli.stderr()}` : undefined);
    // The writer has written its first 40 MiB and waits: the agent's progress shows most of them, the FIFO still open.
    await until('the writer to have written its first part', () => fs.existsSync(marker), gone);
    await until('the progress line to show the FIFO bytes read so far', () => mibShown(cli.stderr(), 'read') >= 24, gone);
    expect(writer.child.exitCode).toBeNull();
    writer.go();
    expect(await cli.exit).toBe(0);
    expect(cli.stdout()).toMatch(/^Backup 0000001 available: /);
    // A first backup knows no total: bytes, files and rate only.
    expect(cli.stderr()).not.toMatch(/%|ETA/);
    expect(mibShown(cli.stderr(), 'read')).toBeLessThanOrEqual(64);

    // A restore knows its total (the backup's own): a percentage, of the backup's size.
    const to = path.join(root, 'tty-restore');
    const restore = startCli(['-c', conf, '-i', '--to', to], { tty: true });
    expect(await restore.exit).toBe(0);
    expect(restore.stderr()).toMatch(/\d+% \| [0-9.]+ [KMG]?i?B of 64\.0 MiB restored \| \d+ of \d+ entries/);
    expect(fs.statSync(path.join(to, fifo)).size).toBe(64 * MiB);

    // No terminal (cron): nothing on stderr, the summary alone on stdout.
    const writer2 = fifoWriter(fifo, 1 * MiB, 1 * MiB, `${marker}-2`);
    writers.push(writer2.child);
    writer2.go();
    const quiet = await runCli(['-c', conf, '-e']);
    expect(quiet).toMatchObject({ code: 0, stderr: '' });
    expect(quiet.stdout.split('\n')).toHaveLength(2);

    // A later backup guesses its total from the previous one's size: marked ~.
    const writer3 = fifoWriter(fifo, 1 * MiB, 1 * MiB, `${marker}-3`);
    writers.push(writer3.child);
    writer3.go();
    const later = startCli(['-c', conf, '-e'], { tty: true });
    expect(await later.exit).toBe(0);
    expect(later.stderr()).toMatch(/~\d+% \| [0-9.]+ [KMG]?i?B of ~2\.0 MiB read \| \d+ entries/);
  });

  test('--json-progress: status lines then the summary, each a JSON object; a failure with --json is a JSON error object', async () => {
    const data = path.join(root, 'json-data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'a.bin'), new SeededRandom('a').bytes(3 * MiB));
    const conf = writeNodeConf(path.join(root, 'json'), server, { cname: 'json', cert: pki.client('json'), include: [data] });
    const b = await runCli(['-c', conf, '-e', '--json-progress']);
    expect(b.code).toBe(0);
    const lines = b.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const last = lines.pop()!;
    expect(last).toMatchObject({ message_type: 'summary', backup: { number: 1, status: 'available' } });
    expect(lines.length).toBeGreaterThan(0);
    for (const s of lines) {
      expect(s).toMatchObject({ message_type: 'status', action: 'backup' });
      expect(typeof s.bytes_done).toBe('number');
      expect(typeof s.seconds_elapsed).toBe('number');
      expect(s).not.toHaveProperty('seconds_remaining'); // a first backup knows no total
    }

    const r = await runCli(['-c', conf, '-i', '--to', path.join(root, 'json-restore'), '--json-progress']);
    expect(r.code).toBe(0);
    const rl = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rl.at(-1)).toMatchObject({ message_type: 'summary', entries: expect.any(Number) });
    expect(rl[0]).toMatchObject({ message_type: 'status', action: 'restore', total_bytes: 3 * MiB });

    // Plain --json keeps its one object.
    expect(JSON.parse((await runCli(['-c', conf, '-e', '--json'])).stdout)).toMatchObject({ backup: { number: 2 } });

    const missing = await runCli(['-c', conf, '-s', '99', '--json']);
    expect(missing.code).toBe(6);
    expect(JSON.parse(missing.stdout)).toEqual({
      message_type: 'error',
      error: { code: 'NOT_FOUND', message: expect.stringMatching(/99/) },
      exit_code: 6,
    });
    expect(missing.stderr).toMatch(/^cpsbackup: /);
    const usage = await runCli(['-c', conf, '-l', '--json-progress']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({ message_type: 'error', error: { code: 'USAGE', message: '--json-progress goes with -e or -i only' } });
  });

  test('SIGINT while a FIFO writer is blocked: exit 130, the backup abandoned and listed as interrupted, the previous one intact; SIGTERM: 143; the next backup is fine', async () => {
    const { conf, fifo } = nodeWithFifo('intr');
    const first = fifoWriter(fifo, 2 * MiB, 0, path.join(root, 'intr-0'));
    writers.push(first.child);
    first.go();
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);

    for (const [signal, code, n] of [
      ['SIGINT', 130, 2],
      ['SIGTERM', 143, 3],
    ] as const) {
      const marker = path.join(root, `intr-${n}`);
      const w = fifoWriter(fifo, 8 * MiB, 8 * MiB, marker);
      writers.push(w.child);
      const cli = startCli(['-c', conf, '-e', '--json-progress'], { tty: false });
      const gone = () => (cli.child.exitCode !== null ? `cpsbackup exited: ${cli.stderr()}` : undefined);
      await fifoHasReader(fifo);
      await until('the writer to block midway', () => fs.existsSync(marker), gone);
      // The agent has read what the writer wrote (a status line says so); the writer waits, its FIFO open.
      await until(
        'bytes read',
        () =>
          cli
            .stdout()
            .split('\n')
            .some((l) => l && Number((JSON.parse(l) as { bytes_done?: number }).bytes_done) >= 4 * MiB),
        gone,
      );
      process.kill(cli.pid(), signal);
      expect(await cli.exit).toBe(code);
      expect(cli.stderr()).toContain(`cpsbackup: interrupted (${signal}): backup ${n} abandoned, nothing of it committed; the previous backup 1 is intact\n`);
      expect(JSON.parse(cli.stdout().trimEnd().split('\n').at(-1)!)).toMatchObject({ message_type: 'error', error: { code: 'INTERRUPTED' }, exit_code: code });
      w.child.kill('SIGKILL');
      await w.exit;
    }
    const list = await runCli(['-c', conf, '-l', '--json']);
    const backups = (JSON.parse(list.stdout) as { backups: Array<{ number: number; status: string; reason: string | null }> }).backups;
    expect(backups.map((b) => [b.number, b.status, b.reason])).toEqual([
      [1, 'available', null],
      [2, 'error', 'aborted by the agent: interrupted by the client (SIGINT)'],
      [3, 'error', 'aborted by the agent: interrupted by the client (SIGTERM)'],
    ]);
    const text = await runCli(['-c', conf, '-l']);
    expect(text.stdout).toMatch(/^Backup: 0000002 .* error .*interrupted by the client \(SIGINT\)$/m);

    await expectNextBackupOnParent1(conf, fifo, 'intr-4', 4);
  });

  /**
   * A restore of 8 × 24 MiB stopped midway by `stop` (called once the first status line is out, the server
   * stopped: it holds at most 32 MiB ahead of the writer), which must end it with `code` and a message matching
   * `said` then the counts and advice to run it again; every file left is whole, and the restore run again
   * (after `before`) brings back the rest, what was there kept (each named as existing, a warning).
   */
  async function restoreStoppedMidway(
    cname: string,
    stop: (cli: Running, gone: () => string | undefined) => Promise<void>,
    code: number,
    said: string,
    before: () => Promise<void>,
  ): Promise<void> {
    const data = path.join(root, `${cname}-data`);
    fs.mkdirSync(data);
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    for (const n of names)
      execFileSync('head', ['-c', String(24 * MiB), '/dev/urandom'], { stdio: ['ignore', fs.openSync(path.join(data, n), 'w'), 'inherit'] });
    const conf = writeNodeConf(path.join(root, cname), server, { cname, cert: pki.client(cname), include: [data] });
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);

    const to = path.join(root, `${cname}-to`);
    const cli = startCli(['-c', conf, '-i', '--to', to, '--json-progress'], { tty: false });
    const gone = () => (cli.child.exitCode !== null ? `cpsbackup exited: ${cli.stderr()}` : undefined);
    await until('the first status line', () => cli.stdout().includes('"message_type":"status"'), gone);
    process.kill(serverPid, 'SIGSTOP');
    await stop(cli, gone);
    expect(await cli.exit).toBe(code);
    expect(cli.stderr()).toMatch(
      new RegExp(
        `^cpsbackup: ${said}restore of backup 1 into ${to} stopped after \\d+ entries \\([0-9.]+ [KMG]?i?B\\) restored complete.*; ` +
          'the rest of the selection was not restored: run the same restore again to finish it',
        'm',
      ),
    );
    const left = names.filter((n) => fs.existsSync(path.join(to, data, n)));
    expect(left.length).toBeLessThan(names.length);
    for (const n of left) expect(fs.readFileSync(path.join(to, data, n)).equals(fs.readFileSync(path.join(data, n)))).toBe(true);

    await before();
    const again = await runCli(['-c', conf, '-i', '--to', to]);
    expect(again.code).toBe(left.length ? 5 : 0);
    for (const n of names) expect(fs.readFileSync(path.join(to, data, n)).equals(fs.readFileSync(path.join(data, n)))).toBe(true);
  }

  test('SIGINT during a restore: exit 130, it stops between files and says how far it got; every file left is complete', async () => {
    await restoreStoppedMidway(
      'rest',
      async (cli, gone) => {
        // Interrupted while the server is held, then the server let go on.
        try {
          process.kill(cli.pid(), 'SIGINT');
          await until('the agent to take the signal', () => cli.stderr().includes('SIGINT: stopping'), gone);
        } finally {
          process.kill(serverPid, 'SIGCONT');
        }
      },
      130,
      'interrupted \\(SIGINT\\): ',
      async () => undefined,
    );
  });

  test('the server killed during a restore: exit 1, the lost connection and how far it got; every file left is complete', async () => {
    await restoreStoppedMidway(
      'cut',
      async () => void (await server.stop('SIGKILL')),
      1,
      'connection to the server lost: .*; ',
      // The server back before the restore is run again.
      () => server.start(server.port, (pid) => (serverPid = pid)),
    );
  });

  /** The CLI with its stdout into `| head -1` (a real pipe whose reader exits after the first line); its stderr, then "exit N", on the returned stderr. */
  function startPipedToHead(args: string[]): Running {
    const child = spawn('bash', ['-c', '"$@" | head -1; echo "exit ${PIPESTATUS[0]}" >&2', 'bash', process.execPath, CLI_BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number>((resolve) => child.once('close', () => resolve(Number(/exit (\d+)\n$/.exec(stderr)?.[1] ?? -1))));
    return { child, pid: () => child.pid!, stdout: () => stdout, stderr: () => stderr.replace(/exit \d+\n$/, ''), exit };
  }

  test('-e --json-progress | head -1: stdout closed (EPIPE) interrupts the backup, exit 141, listed as interrupted; the next backup is fine', async () => {
    const { conf, fifo } = nodeWithFifo('pipe');
    const first = fifoWriter(fifo, 1 * MiB, 0, path.join(root, 'pipe-0'));
    writers.push(first.child);
    first.go();
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);

    // The FIFO's writer blocks midway: the backup lasts until the agent stops it.
    const w = fifoWriter(fifo, 8 * MiB, 8 * MiB, path.join(root, 'pipe-2'));
    writers.push(w.child);
    const cli = startPipedToHead(['-c', conf, '-e', '--full', '--json-progress']);
    expect(await cli.exit).toBe(141);
    expect(JSON.parse(cli.stdout())).toMatchObject({ message_type: 'status', action: 'backup' });
    expect(cli.stderr()).toContain('cpsbackup: stdout closed (EPIPE): stopping\n');
    expect(cli.stderr()).toContain(
      'cpsbackup: interrupted (stdout closed (EPIPE)): backup 2 abandoned, nothing of it committed; the previous backup 1 is intact\n',
    );
    expect(cli.stderr()).not.toMatch(/Unhandled|at .*\.js:\d+/);
    w.child.kill('SIGKILL');
    await w.exit;

    const list = await runCli(['-c', conf, '-l', '--json']);
    const backups = (JSON.parse(list.stdout) as { backups: Array<{ number: number; status: string; reason: string | null }> }).backups;
    expect(backups.map((b) => [b.number, b.status, b.reason])).toEqual([
      [1, 'available', null],
      [2, 'error', 'aborted by the agent: interrupted by the client (stdout closed (EPIPE))'],
    ]);
    await expectNextBackupOnParent1(conf, fifo, 'pipe-3', 3);
  });

  test('-i --json-progress | head -1: stdout closed (EPIPE) stops the restore cleanly, exit 141, its directories with their modes', async () => {
    const data = path.join(root, 'piped-data');
    fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const n of names)
      execFileSync('head', ['-c', String(16 * MiB), '/dev/urandom'], { stdio: ['ignore', fs.openSync(path.join(data, n), 'w'), 'inherit'] });
    fs.chmodSync(data, 0o751);
    fs.chmodSync(path.join(data, 'sub'), 0o705);
    const conf = writeNodeConf(path.join(root, 'piped'), server, { cname: 'piped', cert: pki.client('piped'), include: [data] });
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);

    const to = path.join(root, 'piped-to');
    const cli = startPipedToHead(['-c', conf, '-i', '--to', to, '--json-progress']);
    const gone = () => (cli.child.exitCode !== null ? `the pipeline exited: ${cli.stderr()}` : undefined);
    // Held midway (the server stopped once head has its line and left), so the restore is still running when the agent next writes.
    await until('the first status line', () => cli.stdout().includes('"message_type":"status"'), gone);
    process.kill(serverPid, 'SIGSTOP');
    try {
      await until('the agent to find its stdout closed', () => cli.stderr().includes('stdout closed (EPIPE): stopping'), gone);
    } finally {
      process.kill(serverPid, 'SIGCONT');
    }
    expect(await cli.exit).toBe(141);
    expect(cli.stderr()).toMatch(
      new RegExp(`cpsbackup: interrupted \\(stdout closed \\(EPIPE\\)\\): restore of backup 1 into ${to} stopped after \\d+ entries`),
    );
    expect(cli.stderr()).not.toMatch(/Unhandled|at .*\.js:\d+/);
    for (let d = data; d !== '/'; d = path.dirname(d)) {
      expect([d, (fs.statSync(path.join(to, d)).mode & 0o7777).toString(8)]).toEqual([d, (fs.statSync(d).mode & 0o7777).toString(8)]);
    }
    if (fs.existsSync(path.join(to, data, 'sub'))) expect(fs.statSync(path.join(to, data, 'sub')).mode & 0o7777).toBe(0o705);
  });
});
