/**
 * Child process: a real S3-compatible server (s3rver, from npm) on
 * 127.0.0.1, storing in a directory, with the given buckets made. Prints
 * "listening <port>" once it serves.
 *
 *   node s3-server-main.js <directory> <bucket>...
 */
// s3rver ships no types: what is used of it is declared here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: Array<{ name: string }>;
}) => { run(): Promise<{ port: number }>; close(): Promise<void> };

async function main(): Promise<void> {
  const [directory, ...buckets] = process.argv.slice(2);
  if (!directory || buckets.length === 0) {
    process.stderr.write('usage: s3-server-main <directory> <bucket>...\n');
    process.exit(2);
  }
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  process.stdout.write(`listening ${port}\n`);
  // s3rver throws from a file stream's 'error' event when one request removes an empty key directory while
  // another opens a file in it (PUTs and DELETEs under one prefix at once, as servers racing for a lease do):
  // unhandled, it kills the server and every later request of the run fails. Said, and the server goes on; the
  // request it dropped times out and is retried by the client, as a request lost by a real store would be.
  process.on('uncaughtException', (err) => process.stderr.write(`s3rver: an error it did not handle: ${err.stack ?? String(err)}\n`));
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

void main();
