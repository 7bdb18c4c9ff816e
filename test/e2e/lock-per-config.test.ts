/**
 * The default backup lock is one per node.conf: two configurations on one machine
 * (two servers, a test beside production) back up at the same time, while the
 * same configuration twice is refused. The first backup is held mid-walk by a
 * FIFO nobody writes yet; it lets go when the test writes it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultLockFile } from '@cpsbackup/config';
import { runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/** Resolves once `file` exists (the backup holding its lock): looked at again on each change of its directory. */
async function exists(file: string): Promise<void> {
  const watcher = fs.watch(path.dirname(file));
  try {
    await new Promise<void>((resolve) => {
      const look = () => fs.existsSync(file) && resolve();
      watcher.on('change', look);
      look();
    });
  } finally {
    watcher.close();
  }
}

describe('one backup lock per node.conf', () => {
  const { root, pki, server } = useServer('lock-per-config', { clients: { first: [], second: [] } });
  const made: string[] = [];
  // The agent makes /run/cpsbackup when it is missing; made here first, to watch it (and removed after if this made it).
  let madeDirectory: string | undefined;
  beforeAll(() => {
    madeDirectory = fs.mkdirSync('/run/cpsbackup', { recursive: true, mode: 0o755 });
  });
  afterAll(() => {
    for (const f of made) fs.rmSync(f, { force: true });
    if (madeDirectory) fs.rmdirSync(madeDirectory);
  });

  /** A node.conf without lock_file: the default applies. */
  function nodeConf(cname: string, include: string, extra: string[] = []): string {
    const conf = writeNodeConf(path.join(root, cname), server, { cname, cert: pki.client(cname), include: [include], extra });
    fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/^lock_file = .*\n/m, ''));
    made.push(defaultLockFile(conf));
    return conf;
  }

  test('two configurations back up at once; the same one twice is refused (exit 7)', async () => {
    const dataA = path.join(root, 'data-first');
    const dataB = path.join(root, 'data-second');
    for (const d of [dataA, dataB]) {
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, 'file'), `${d}\n`);
    }
    const fifo = path.join(dataA, 'dump.fifo');
    await new Promise((resolve, reject) => spawn('mkfifo', [fifo]).once('exit', resolve).once('error', reject));
    const confA = nodeConf('first', dataA, [`read_fifo = ${fifo}`, 'fifo_timeout = 86400']);
    const confB = nodeConf('second', dataB);
    const lockA = defaultLockFile(confA);
    expect(lockA).not.toBe(defaultLockFile(confB));
    expect(path.dirname(lockA)).toBe('/run/cpsbackup');

    const first = runCli(['-c', confA, '-e'], { timeoutMs: 300_000 });
    await exists(lockA);
    // first waits for its FIFO's writer, holding its lock.
    const second = await runCli(['-c', confB, '-e']);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const again = await runCli(['-c', confA, '-e']);
    expect(again.code).toBe(7);
    expect(again.stderr).toContain(`another backup is already running on this node`);
    expect(again.stderr).toContain(lockA);

    const writer = spawn('sh', ['-c', 'echo dumped > "$1"', 'sh', fifo], { stdio: 'ignore' });
    const written = new Promise((resolve) => writer.once('exit', resolve));
    const done = await first;
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(await written).toBe(0);
    const listed = await runCli(['-c', confA, '-l']);
    expect(listed.code).toBe(0);
  }, 300_000);
});
