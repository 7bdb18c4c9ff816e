import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { CLI_BIN, runCli, snapshotTree, until, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/**
 * A backup being restored lists as `restoring`, and neither a delete nor
 * retention removes it (GC would take its chunks from under the restore);
 * once the restore is done, the next retention pass does.
 */
describe('a backup being restored', () => {
  const { root, pki, server } = useServer('restore-in-use', { clients: { busy: ['keep = 1'] } });

  test('lists as restoring, cannot be deleted or pruned until the restore is done, and restores bit-exact meanwhile', async () => {
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    const rnd = new SeededRandom('in-use');
    for (let i = 0; i < 80; i++) fs.writeFileSync(path.join(data, `f${i}`), rnd.bytes(1_500_000));
    const conf = writeNodeConf(path.join(root, 'node'), server, { cname: 'busy', cert: pki.client('busy'), include: [data] });
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    const want = snapshotTree(data);

    // A restore of backup 1, its agent stopped once the server has begun: the server's send waits on it.
    const to = path.join(root, 'restored');
    const restore = spawn(process.execPath, [CLI_BIN, '-c', conf, '-i', '1', '--to', to], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => restore.once('exit', resolve));
    await until(
      'the restore to start',
      () => /"msg":"restore started"/.test(server.log),
      () => (restore.exitCode !== null ? `the restore exited (${restore.exitCode})` : undefined),
    );
    restore.kill('SIGSTOP');
    try {
      const listed = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout).backups as Array<{ number: number; status: string }>;
      expect(listed).toEqual([expect.objectContaining({ number: 1, status: 'restoring' })]);
      expect((await runCli(['-c', conf, '-l'])).stdout).toMatch(/^Backup: 0000001 \S+ \S+ restoring \(deletable\)$/m);

      const del = await runCli(['-c', conf, '-d', '1']);
      expect(del.code).toBe(7);
      expect(del.stderr).toContain('backup 1 is being restored; delete it once the restore has finished');

      // keep = 1: a new backup would push 1 out, but not while it is read.
      fs.writeFileSync(path.join(data, 'new'), rnd.bytes(100_000));
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
      const during = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout).backups as Array<{ number: number }>;
      expect(during.map((b) => b.number)).toEqual([1, 2]);
    } finally {
      restore.kill('SIGCONT');
    }
    expect(await exited).toBe(0);
    expect(snapshotTree(path.join(to, data))).toEqual(want);

    // Done reading: the next retention pass (here, the next backup) lets it go.
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    const after = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout).backups as Array<{ number: number; status: string }>;
    expect(after.map((b) => [b.number, b.status])).toEqual([[3, 'available']]);
  });
});
