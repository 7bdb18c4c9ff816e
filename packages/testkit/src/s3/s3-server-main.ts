/**
 * Child process: a real S3-compatible server (s3rver, from npm) on
 * 127.0.0.1, storing in a directory, with the given buckets made. Prints
 * "listening <port>" once it serves.
 *
 *   node s3-server-main.js <directory> <bucket>...
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';

// s3rver ships no types: what is used of it is declared here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: Array<{ name: string }>;
}) => { run(): Promise<{ port: number }>; close(): Promise<void> };

/** The part of s3rver's file-system store whose operations are made atomic here. */
interface S3rverObject {
  bucket: string;
  key: string;
  content: NodeJS.ReadableStream | Buffer | null;
  metadata: Record<string, string>;
}
interface FilesystemStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  [op: string]: unknown;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const FilesystemStore = require('s3rver/lib/stores/filesystem') as { prototype: FilesystemStore };

/**
 * s3rver writes an object in place (a GET during a PUT of the same key reads
 * a short file under the old length and its answer never completes), resolves
 * a PUT of a buffer before the bytes are written, and removes empty key
 * directories while another request creates a file in them (thrown from a
 * stream's 'error' event, unhandled: the request is dropped). A real object
 * store does none of this; tests racing servers for the lease hit all three.
 * So the store's operations run one at a time, a PUT's body is received
 * before it takes its turn and lands by rename, and a GET reads its whole
 * object in its turn: each request sees an object entirely before or
 * entirely after another's write, as on a real store.
 */
function makeStoreAtomic(): void {
  let turn: Promise<unknown> = Promise.resolve();
  // The store's operations call one another (getObject reads getMetadata): one already in its turn goes on.
  const within = new AsyncLocalStorage<true>();
  const inTurn = <T>(op: () => Promise<T>): Promise<T> => {
    if (within.getStore()) return op();
    const step = () => within.run(true, op);
    const run = turn.then(step, step);
    turn = run.catch(() => undefined);
    return run;
  };
  const proto = FilesystemStore.prototype;
  const original = (name: string) => proto[name] as (...args: unknown[]) => Promise<unknown>;
  for (const name of ['getMetadata', 'listObjects', 'existsObject', 'copyObject', 'deleteObject', 'getSubresource', 'putSubresource', 'deleteSubresource']) {
    const op = original(name);
    proto[name] = function (this: FilesystemStore, ...args: unknown[]) {
      return inTurn(() => op.apply(this, args));
    };
  }
  const getObject = original('getObject');
  proto.getObject = function (this: FilesystemStore, ...args: unknown[]) {
    return inTurn(async () => {
      const object = (await getObject.apply(this, args)) as S3rverObject | null;
      if (object?.content && !Buffer.isBuffer(object.content)) object.content = Readable.from([await buffer(object.content)]);
      return object;
    });
  };
  // putObjectMultipart calls putObject with its parts as one stream: it is not in a turn itself (only its own upload's files).
  proto.putObject = async function (this: FilesystemStore, object: S3rverObject) {
    const body = object.content === null ? Buffer.alloc(0) : Buffer.isBuffer(object.content) ? object.content : await buffer(object.content);
    return inTurn(async () => {
      const file = this.getResourcePath(object.bucket, object.key, 'object');
      await fsp.mkdir(path.dirname(file), { recursive: true });
      const partial = `${file}.${process.pid}.partial`;
      await fsp.writeFile(partial, body);
      await fsp.rename(partial, file);
      const md5 = createHash('md5').update(body).digest('hex');
      await this.putMetadata(object.bucket, object.key, object.metadata, md5);
      return { size: body.length, md5 };
    });
  };
}

async function main(): Promise<void> {
  makeStoreAtomic();
  const [directory, ...buckets] = process.argv.slice(2);
  if (!directory || buckets.length === 0) {
    process.stderr.write('usage: s3-server-main <directory> <bucket>...\n');
    process.exit(2);
  }
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  process.stdout.write(`listening ${port}\n`);
  // Anything else s3rver leaves unhandled would kill the server and fail every later request of the run: said, and the server goes on.
  process.on('uncaughtException', (err) => process.stderr.write(`s3rver: an error it did not handle: ${err.stack ?? String(err)}\n`));
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

void main();
