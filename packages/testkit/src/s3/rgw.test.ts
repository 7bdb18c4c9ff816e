/**
 * The Ceph RGW harness's fault controls (CPSBACKUP_S3=rgw, `make
 * test-rgw`; skipped on s3rver): a gateway stopped and started again on
 * its port, a cluster made full and not full again, as the fault tests of
 * the S3 backend use them.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { s3Kind, TestRgw, useS3 } from './index';

const server = useS3('rgw-harness');
const object = (name: string) => `/${server.s3.bucket}/${name}`;

(s3Kind() === 'rgw' ? describe : describe.skip)('the Ceph RGW harness', () => {
  test.each(['SIGKILL', 'SIGTERM'] as const)(
    'a gateway stopped by %s refuses connections; started again, it answers on the same port with what it stored',
    async (signal) => {
      const rgw = server.s3.rgw!;
      const body = `kept across a ${signal}`;
      expect((await server.s3.direct(object(signal), { method: 'PUT', body })).status).toBe(200);
      await rgw.stopGateway(signal);
      try {
        await expect(server.s3.direct(object(signal))).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
      } finally {
        await rgw.startGateway();
      }
      const res = await server.s3.direct(object(signal));
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(body);
      await expect(rgw.startGateway()).rejects.toThrow(/the gateway is already running/);
    },
  );

  test('a full cluster holds a write (the gateway does not answer it) until space returns; then it is stored', async () => {
    const rgw = server.s3.rgw!;
    expect((await server.s3.direct(object('before-full'), { method: 'PUT', body: 'readable while full' })).status).toBe(200);
    await rgw.fill();
    let answered: number | undefined;
    let put: Promise<void>;
    try {
      put = server.s3.direct(object('while-full'), { method: 'PUT', body: 'waited for space' }).then((r) => void (answered = r.status));
      // A read sent after the PUT is answered while the PUT is not: reads go on, writes wait.
      expect(await (await server.s3.direct(object('before-full'))).text()).toBe('readable while full');
      expect(answered).toBeUndefined();
    } finally {
      await rgw.unfill();
    }
    await put;
    expect(answered).toBe(200);
    expect(await (await server.s3.direct(object('while-full'))).text()).toBe('waited for space');
  }, 120_000);

  /** Whether a process runs (a zombie not yet reaped by its parent counts as gone). */
  const alive = (pid: number) => {
    try {
      return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };

  test(
    'a clean stop kills every daemon of the cluster and removes its directory',
    async () => {
      const own = await TestRgw.start();
      const { pids, directory } = own;
      expect(pids).toHaveLength(4);
      expect(pids.every(alive)).toBe(true);
      await own.stop();
      expect(pids.filter(alive)).toEqual([]);
      expect(fs.existsSync(directory)).toBe(false);
    },
    11 * 60_000,
  );

  test(
    'a cluster whose starter died (SIGKILL) kills its daemons and removes its directory',
    async () => {
      const script = `const { TestRgw } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'dist', 's3', 'rgw.js'))});
      TestRgw.start().then((r) => console.log(JSON.stringify({ pids: r.pids, directory: r.directory })));`;
      const starter = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      const info = await new Promise<{ pids: number[]; directory: string }>((resolve, reject) => {
        let out = '';
        starter.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(JSON.parse(out) as { pids: number[]; directory: string });
        });
        starter.on('exit', (code) => reject(new Error(`the starter exited (${code}) before the cluster was ready`)));
      });
      expect(info.pids.every(alive)).toBe(true);
      starter.kill('SIGKILL');
      // Decided by what the cluster's process does once its stdin closes, however long that takes.
      while (info.pids.some(alive) || fs.existsSync(info.directory)) await new Promise((r) => setTimeout(r, 200));
      expect(info.pids.filter(alive)).toEqual([]);
    },
    11 * 60_000,
  );
});
