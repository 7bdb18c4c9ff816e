/**
 * Two cpsbackupd daemons on one store directory (storage = local), as two
 * hosts sharing it (over NFS) would run them: the second runs in its own
 * UTS namespace under another host name, so the first one's lock file
 * names a process it cannot see. The second is refused while the first
 * holds the lease, whatever the operator runs of what it is told; it
 * takes over once the lease expired, without any file removed by hand;
 * every backup the first acknowledged restores from the second, and the
 * first, frozen past its lease then woken, acknowledges nothing more.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { followAdvice, requireBuild, runCli, snapshotTree, tempDir, TestPki, TestServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

requireBuild();
const OTHER_HOST = ['unshare', '--uts', 'sh', '-c', 'hostname cpsbackup-node-b && exec "$@"', 'sh'];
const canUnshare = spawnSync(OTHER_HOST[0]!, [...OTHER_HOST.slice(1), 'true']).status === 0;
if (!canUnshare) process.stderr.write('storage-owner tests SKIPPED: unshare --uts is not allowed here (it needs root; CI runs as root)\n');
const maybe = canUnshare ? test : test.skip;

const root = tempDir('e2e-owner');
const pki = new TestPki(path.join(root, 'pki'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Milliseconds until the directory's lease may be taken, as the servers judge it (the newest lease file's mtime, the duration it names). */
function leaseLeftMs(store: string): number {
  const dir = path.join(store, 'lease');
  const newest = fs.readdirSync(dir).sort().pop()!;
  const file = path.join(dir, newest);
  const lease = JSON.parse(fs.readFileSync(file, 'utf8')) as { durationMs: number; released?: boolean };
  if (lease.released) return 0;
  return lease.durationMs + 3000 - (Date.now() - fs.statSync(file).mtimeMs);
}

maybe(
  'two daemons on one directory from two hosts: refused while the lease lives, taken over once it expired, nothing acknowledged lost',
  async () => {
    const a = new TestServer(path.join(root, 'a'), pki, ['storage_lease = 6']);
    const b = new TestServer(path.join(root, 'b'), pki, ['storage_lease = 6']);
    b.storeDir = a.storeDir; // one directory, two hosts
    b.wrapper = OTHER_HOST;
    a.addClient('app1');
    b.addClient('app1');
    await a.start();
    // B is set up as A's standby on the shared directory, with A's configuration: its records key too (made at A's first start).
    b.restoreRecordsKey(a.recordsKeyFile);
    const data = path.join(root, 'app1-data');
    fs.mkdirSync(data);
    const confA = writeNodeConf(path.join(root, 'app1-a'), a, { cname: 'app1', cert: pki.client('app1'), include: [data] });
    const acknowledged = new Map<number, ReturnType<typeof snapshotTree>>();
    const backupOnA = async (name: string) => {
      fs.writeFileSync(path.join(data, name), new SeededRandom(name).bytes(900_000));
      const r = await runCli(['-c', confA, '-e', '--json']);
      expect(r.code).toBe(0);
      acknowledged.set(JSON.parse(r.stdout).backup.number, snapshotTree(data));
    };
    try {
      await backupOnA('one');
      for (const round of ['two', 'three']) {
        const refused = await b.tryStart();
        expect(refused).toMatch(
          /is in use by another cpsbackupd \(store directory .*\/a\/store on \S+, process \d+\): its lease was renewed \d+ s ago and lasts 6 s/,
        );
        expect(refused).not.toMatch(/remove/);
        // The operator runs every cpsbackupd command the message names, on B's host (b.wrapper).
        for (const step of await followAdvice(refused!, b)) {
          expect(step.status).not.toBe(0);
          expect(step.output).toMatch(/is in use by another cpsbackupd/);
        }
        await backupOnA(round);
      }

      process.kill(a.pid, 'SIGSTOP'); // A hangs past its lease
      while (leaseLeftMs(a.storeDir) > 0) await new Promise((r) => setTimeout(r, 200));
      expect(await b.tryStart()).toBeUndefined(); // its lock file taken over by itself, nothing removed by hand
      process.kill(a.pid, 'SIGCONT');
      fs.writeFileSync(path.join(data, 'late'), 'written after the takeover');
      const late = await runCli(['-c', confA, '-e']);
      expect(late.code).not.toBe(0);
      expect(late.stderr).toMatch(/this server no longer owns its storage/);
      await a.stop();

      const confB = writeNodeConf(path.join(root, 'app1-b'), b, { cname: 'app1', cert: pki.client('app1'), include: [data] });
      const list = JSON.parse((await runCli(['-c', confB, '-l', '--json'])).stdout) as { backups: Array<{ number: number; status: string }> };
      expect(list.backups.filter((x) => x.status === 'available').map((x) => x.number)).toEqual([...acknowledged.keys()]);
      for (const [n, snap] of acknowledged) {
        const to = path.join(root, `restored-${n}`);
        expect((await runCli(['-c', confB, '-i', String(n), '--to', to])).code).toBe(0);
        expect(snapshotTree(path.join(to, data))).toEqual(snap);
      }
      expect(JSON.parse((await runCli(['-c', confB, '--verify', '--json'])).stdout).ok).toBe(true);
    } finally {
      try {
        process.kill(a.pid, 'SIGCONT');
      } catch {
        // it has exited
      }
      await a.stop();
      await b.stop();
    }
  },
  120_000,
);
