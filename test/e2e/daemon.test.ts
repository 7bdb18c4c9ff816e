import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI_BIN, runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

describe('agent daemon: scheduled backups, retries while the server is down', () => {
  const { root, pki, server } = useServer('daemon', { clients: { sched: [] } });
  let daemon: ChildProcess | undefined;
  let daemonLog = '';
  afterAll(() => daemon?.kill('SIGKILL'));

  const logLines = () =>
    daemonLog
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; backup?: number; code?: string });
  async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (daemon && daemon.exitCode !== null) throw new Error(`the daemon exited (${daemon.exitCode}) waiting for ${what}:\n${daemonLog}`);
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; daemon log:\n${daemonLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test('two scheduled backups, then the server goes down, the daemon retries and recovers', async () => {
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'file'), 'scheduled');
    const conf = writeNodeConf(root, server, {
      cname: 'sched',
      cert: pki.client('sched'),
      include: [data],
      extra: ['backup_interval = 2s', 'random_delay = 1s', 'retry_min = 1s', 'retry_max = 2s', 'backup_window = * 00:00-24:00'],
    });
    daemon = spawn(process.execPath, [CLI_BIN, '-c', conf, '--daemon'], { stdio: ['ignore', 'pipe', 'pipe'] });
    daemon.stdout!.on('data', (d: Buffer) => (daemonLog += d.toString()));
    daemon.stderr!.on('data', (d: Buffer) => (daemonLog += d.toString()));

    await until('two scheduled backups', () => logLines().filter((l) => l.msg === 'backup done').length >= 2);
    const list = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout).backups as Array<{ number: number; startedAt: string }>;
    expect(list.length).toBeGreaterThanOrEqual(2);
    // Spaced by the interval, not back to back.
    expect(Date.parse(list[1]!.startedAt) - Date.parse(list[0]!.startedAt)).toBeGreaterThanOrEqual(1900);

    const port = server.port;
    await server.stop();
    const doneBefore = logLines().filter((l) => l.msg === 'backup done').length;
    await until('a failed attempt while the server is down', () =>
      logLines().some((l) => l.msg === 'server unreachable; retrying' && l.code === 'UNREACHABLE'),
    );
    await server.start(port);
    await until('a backup after the server came back', () => logLines().filter((l) => l.msg === 'backup done').length > doneBefore);

    daemon.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => daemon!.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(logLines().some((l) => l.msg === 'agent daemon stopped')).toBe(true);
  });
});
