/**
 * Incomplete multipart uploads (a crash mid-upload, an abort that failed
 * while the gateway was down or the cluster full) under the store's
 * prefix are aborted at open and at GC: never another prefix's, never an
 * upload this process has in flight. On an object store that cannot list
 * them (s3rver), the store says so and carries on.
 */
import * as fs from 'node:fs';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { tempDir } from '@cpsbackup/testkit';
import { backupTree, readTree } from '@cpsbackup/testkit/store-trees';
import { useS3 } from '@cpsbackup/testkit/s3';
import { type AbortedUploads } from './backend';
import { S3Backend } from './s3-backend';
import { Store } from './store';

const server = useS3('s3-multipart');
let prefixes = 0;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function dir(): string {
  const d = tempDir('s3-multipart');
  dirs.push(d);
  return d;
}

/** A client of its own, as another program (or an earlier run of this server) would be. */
function client(): S3Client {
  const s = server.s3.settings('');
  return new S3Client({ endpoint: s.endpoint, region: s.region, forcePathStyle: true, credentials: async () => s.credentials!() });
}

const PART = 1024 * 1024 + 17;

/** Starts an upload of `key` and sends one part, as a crashed upload leaves it. */
async function leaveIncomplete(c: S3Client, key: string): Promise<string> {
  const bucket = server.s3.bucket;
  const { UploadId } = await c.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  await c.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(PART, 7) }));
  return UploadId!;
}

/** The bucket's incomplete uploads under `prefix`: key and id; undefined when the store cannot list them. */
async function incomplete(c: S3Client, prefix: string): Promise<string[] | undefined> {
  let page: ListMultipartUploadsCommandOutput;
  try {
    page = await c.send(new ListMultipartUploadsCommand({ Bucket: server.s3.bucket, Prefix: prefix }));
  } catch (err) {
    if ((err as Error).name === 'NotImplemented') return undefined;
    throw err;
  }
  return (page.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`).sort();
}

function onBucket(prefix: string) {
  return (d: string) => new S3Backend(d, server.s3.settings(prefix, { maxAttempts: 4, requestTimeoutMs: 30_000 }));
}

const PACK = (n: number) => `${n.toString(16).padStart(2, '0')}${'ab'.repeat(31)}`;

test("an open and a GC abort the incomplete uploads under the store's packs/, and keep other prefixes' and a pack being uploaded", async () => {
  const c = client();
  const prefix = `mp${++prefixes}/`;
  try {
    const ours = `${prefix}packs/${PACK(1).slice(0, 2)}/${PACK(1)}.pack`;
    // Other prefixes' uploads, one nested under ours, one beside it, and one under our records/: none are the store's packs.
    // And one in our packs/ that is not one of our pack keys: a server whose prefix is `${prefix}packs/` keeps its packs there.
    const others = [
      `${prefix}sub/packs/aa/${PACK(2)}.pack`,
      `mpx${prefixes}/packs/aa/${PACK(3)}.pack`,
      `${prefix}records/stray`,
      `${prefix}packs/packs/aa/${PACK(6)}.pack`,
    ];
    const oursId = await leaveIncomplete(c, ours);
    const kept: string[] = [];
    for (const k of others) kept.push(`${k} ${await leaveIncomplete(c, k)}`);
    const supported = (await incomplete(c, prefix)) !== undefined;
    const nested = kept[3]!;
    if (supported) expect(await incomplete(c, prefix)).toEqual([`${ours} ${oursId}`, kept[0]!, kept[2]!, nested].sort());

    const d = dir();
    const data = new Map([['/f', Buffer.alloc(200_000, 3)]]);
    const store = await Store.open(d, { gracePeriodMs: 0 }, onBucket(prefix));
    const backupId = (await backupTree(store, 'web1', data)).id;
    const atOpen = store.recovery.uploads as AbortedUploads;
    if (!supported) {
      // s3rver: nothing listed, nothing aborted, and the store says why.
      expect(atOpen).toEqual({
        aborted: 0,
        bytes: undefined,
        keys: [],
        unsupported: expect.stringMatching(
          new RegExp(
            `^the object store does not list incomplete multipart uploads \\(NotImplemented\\): those a crash or a failed abort leaves under ${prefix}packs/ are not cleaned up`,
          ),
        ),
      });
      expect((await store.gc()).uploads).toEqual(atOpen);
      await store.close();
      return;
    }
    expect(atOpen).toEqual({ aborted: 1, bytes: PART, keys: [ours] });
    expect((await incomplete(c, ''))!.filter((u) => u.startsWith(prefix) || u.startsWith(`mpx${prefixes}/`))).toEqual(kept.sort());

    // Another crash's leftover while the store runs: the next GC aborts it.
    const later = `${prefix}packs/${PACK(4).slice(0, 2)}/${PACK(4)}.pack`;
    await leaveIncomplete(c, later);
    const gc = await store.gc();
    expect(gc.uploads).toEqual({ aborted: 1, bytes: PART, keys: [later] });
    expect(await incomplete(c, `${prefix}packs/`)).toEqual([nested]);
    const [nestedKey, nestedId] = nested.split(' ');
    await c.send(new AbortMultipartUploadCommand({ Bucket: server.s3.bucket, Key: nestedKey, UploadId: nestedId })); // its owner's business
    // Nothing the store wrote was touched: its backup restores.
    const got = await readTree(store, backupId);
    expect(got.get('/f')!.equals(data.get('/f')!)).toBe(true);
    await store.close();

    // A pack this process is uploading is not stale: its upload held at its first part while the cleanup runs.
    const backend = onBucket(prefix)(d);
    const big = Buffer.alloc(9 * 1024 * 1024, 5);
    const name = PACK(5);
    const w = backend.createPack(name);
    w.append(big);
    w.sync();
    w.close();
    server.s3.proxy.inject({ action: { kind: 'delay', ms: 15_000 }, times: 1, match: (r) => r.method === 'PUT' && /partNumber=1\b/.test(r.url ?? '') });
    const publishing = backend.publishPack(name);
    let listed: string[] = [];
    while (listed.length === 0) listed = (await incomplete(c, `${prefix}packs/`))!;
    expect(listed).toEqual([expect.stringMatching(new RegExp(`^${prefix}packs/${name.slice(0, 2)}/${name}.pack `))]);
    expect(await backend.abortStaleUploads(() => undefined)).toEqual({ aborted: 0, bytes: 0, keys: [] });
    expect(await incomplete(c, `${prefix}packs/`)).toEqual(listed); // still under way: the cleanup ran while it was
    await publishing;
    expect(await backend.listPacks()).toContain(name); // completed in the bucket
    await backend.close();
  } finally {
    c.destroy();
  }
}, 120_000);
