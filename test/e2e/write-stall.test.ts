/**
 * A node that asks for a restore and never reads it, talking all the while
 * (keep-alives), does not hold its agent slot: the server cuts a connection
 * whose outgoing data has not drained for stall_timeout, whatever the peer
 * sends, and the slot goes to an honest node. Real cpsbackupd and CLI; the
 * hostile node a raw protocol client.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { askRestoreOf, rawSession, readUntil, runCli, snapshotTree, useServer, writeNodeConf, type TestServer } from '@cpsbackup/testkit/e2e';

/** Resolves with the first server log line from the `from`th on that `pred` accepts, checking as the log grows; fails if the daemon exits or `limitMs` passes (the test's own bound, not a wait for something to happen). */
async function logLine(server: TestServer, from: number, pred: (l: Record<string, unknown>) => boolean, limitMs: number): Promise<Record<string, unknown>> {
  const until = Date.now() + limitMs;
  for (;;) {
    const found = server.logLines().slice(from).find(pred);
    if (found) return found;
    if (Date.now() > until) throw new Error(`no such log line within ${limitMs} ms; the log:\n${server.log.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a restore the node never reads (stall_timeout = 5, max_children = 1)', () => {
  const { root, pki, server } = useServer('write-stall', { clients: { hog: [], honest: [] }, conf: ['stall_timeout = 5', 'max_children = 1'] });

  test('cut after stall_timeout although it sends keep-alives; an honest node then backs up and restores', async () => {
    // A backup far larger than the socket buffers of both ends (a few MiB each): the restore cannot all be buffered.
    const hogData = path.join(root, 'hog-data');
    fs.mkdirSync(hogData);
    fs.writeFileSync(path.join(hogData, 'big'), new SeededRandom('stall').bytes(48 * 1024 * 1024));
    const hogConf = writeNodeConf(path.join(root, 'hog-conf'), server, { cname: 'hog', cert: pki.client('hog'), include: [hogData] });
    expect((await runCli(['-c', hogConf, '-e'])).code).toBe(0);

    const from = server.logLines().length; // the CLI's own session of hog ended before
    const hog = await rawSession(server, 'hog', pki.client('hog'));
    try {
      await askRestoreOf(hog.conn, path.join(hogData, 'big')); // 48 MiB asked for...
      hog.socket.pause(); // ...and never a byte of it read
      hog.conn.keepAlive(500); // ...but says it is alive, far more often than idle_timeout needs
      const cut = await logLine(server, from, (l) => l.client === 'hog' && l.msg === 'connection ended', 60_000);
      expect(cut.reason).toBe('the peer read nothing of what was sent to it for 5 s (keep-alives do not count)');
      expect(hog.conn.counters.keepAlivesOut).toBeGreaterThan(0);
    } finally {
      hog.socket.destroy();
    }

    // The slot is free: an honest node backs up and restores, bit-exact.
    const data = path.join(root, 'honest-data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'f'), new SeededRandom('honest').bytes(300_000));
    const conf = writeNodeConf(path.join(root, 'honest-conf'), server, { cname: 'honest', cert: pki.client('honest'), include: [data] });
    const backup = await runCli(['-c', conf, '-e']);
    expect({ code: backup.code, stderr: backup.stderr }).toEqual({ code: 0, stderr: '' });
    const to = path.join(root, 'restored');
    const restore = await runCli(['-c', conf, '-i', '--to', to]);
    expect({ code: restore.code, stderr: restore.stderr }).toEqual({ code: 0, stderr: '' });
    expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
  }, 120_000);

  test('a read opened and then asked nothing, keep-alives only, is closed after stall_timeout and told why; the slot goes to an honest node', async () => {
    const from = server.logLines().length;
    const hog = await rawSession(server, 'hog', pki.client('hog'));
    try {
      await hog.conn.send({ restoreRequest: { number: 0 } });
      const tree = await readUntil(hog.conn, (m) => m.msg === 'backupTree' || m.msg === 'error');
      expect(tree?.msg).toBe('backupTree');
      hog.conn.keepAlive(500); // alive, and asking for nothing
      const told = await readUntil(hog.conn, (m) => m.msg === 'error');
      expect(told?.error).toEqual(
        expect.objectContaining({
          code: 'TIMEOUT',
          message: expect.stringMatching(/^backup \d+ was opened for reading and nothing was asked of it for 5 s \(stall_timeout\)/),
        }),
      );
      const cut = await logLine(server, from, (l) => l.client === 'hog' && l.msg === 'connection ended', 60_000);
      expect(cut.reason).toMatch(/nothing was asked of it for 5 s/);
    } finally {
      hog.socket.destroy();
    }
    const data = path.join(root, 'honest-data');
    const conf = path.join(root, 'honest-conf', 'honest-node.conf');
    const restore = await runCli(['-c', conf, '-i', '--to', path.join(root, 'restored-again')]);
    expect({ code: restore.code, stderr: restore.stderr }).toEqual({ code: 0, stderr: '' });
    expect(snapshotTree(path.join(root, 'restored-again', data))).toEqual(snapshotTree(data));
  }, 120_000);
});
