/**
 * The s3rver the tests run behaves as a real object store under requests
 * racing on one key and one prefix (servers taking the lease at once): every
 * request is answered, and a GET returns one whole version of the object.
 * s3rver alone drops some of them (s3-server-main.ts says how).
 */
import * as fs from 'node:fs';
import { tempDir } from '../index';
import { TestS3 } from './index';

let s3: TestS3;
let dir: string;
beforeAll(async () => {
  dir = tempDir('s3rver');
  s3 = await TestS3.start(dir);
});
afterAll(async () => {
  await s3.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('PUTs, GETs and DELETEs racing under one prefix are all answered, and a GET returns one whole version', async () => {
  const versions = [0, 1, 2].map((t) => Buffer.alloc(3000 + t * 1000, 0x61 + t));
  const unanswered: string[] = [];
  const torn: string[] = [];
  // A request not answered in a minute never will be (each is a few KiB on loopback; the old server's never were).
  const answered = async (what: string, method: string, body?: Buffer): Promise<Response | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    const never = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 60_000)));
    const r = await Promise.race([
      s3.direct(`/${s3.bucket}/${what}`, { method, body }).then(async (res) => ({ res, bytes: Buffer.from(await res.arrayBuffer()) })),
      never,
    ]);
    clearTimeout(timer);
    if (!r) unanswered.push(`${method} ${what}`);
    else if (method === 'GET' && r.res.status === 200 && !versions.some((v) => v.equals(r.bytes))) torn.push(`GET ${what}: ${r.bytes.length} bytes`);
    return r?.res;
  };
  for (let round = 0; round < 40; round++) {
    const prefix = `race${round % 5}/`;
    await Promise.all(
      [0, 1, 2].flatMap((t) => [
        answered(`${prefix}lease`, 'PUT', versions[t]),
        answered(`${prefix}lease`, 'GET'),
        answered(`${prefix}probe${t}`, 'PUT', Buffer.from('probe\n')).then(() => answered(`${prefix}probe${t}`, 'DELETE')),
        answered(`${prefix}lease`, 'GET'),
      ]),
    );
  }
  expect({ unanswered, torn }).toEqual({ unanswered: [], torn: [] });
}, 600_000);
