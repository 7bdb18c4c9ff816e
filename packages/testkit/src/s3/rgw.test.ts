/**
 * The Ceph RGW harness's fault controls (CPSBACKUP_S3=rgw, `make
 * test-rgw`; skipped on s3rver): a gateway stopped and started again on
 * its port, a cluster made full and not full again, as the fault tests of
 * the S3 backend use them.
 */
import { s3Kind, useS3 } from './index';

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
});
