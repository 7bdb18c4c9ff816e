/**
 * Child process: a one-host Ceph cluster with RGW (ceph-cluster.ts), kept
 * in a directory of its own, and a control port on 127.0.0.1 for the
 * tests (gateway stopped and started, cluster made full and not full).
 * Prints "ready <json>" (CephInfo and the control URL) once the cluster
 * is, or "failed <message>" and exits 1.
 *
 *   node ceph-main.js <directory>
 *
 * Started in a process group of its own (rgw.ts): the daemons are its
 * children, so killing the group stops everything. When its stdin closes
 * (the test run that started it is gone), it kills its daemons and removes
 * the directory.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type * as net from 'node:net';
import { CephCluster } from './ceph-cluster';

async function main(): Promise<void> {
  const directory = process.argv[2];
  if (!directory) {
    process.stderr.write('usage: ceph-main <directory>\n');
    process.exit(2);
  }
  const cluster = new CephCluster(directory);
  let ending = false;
  const end = async (code: number) => {
    if (ending) return;
    ending = true;
    await cluster.kill();
    fs.rmSync(directory, { recursive: true, force: true });
    process.exit(code);
  };
  process.stdin.on('end', () => void end(0));
  process.stdin.on('error', () => void end(0));
  process.stdin.resume();
  process.on('SIGTERM', () => void end(0));
  try {
    await cluster.start();
  } catch (e) {
    process.stdout.write(`failed ${(e as Error).message.replace(/\n/g, ' ')} (the logs are in ${directory}/log)\n`);
    // The directory stays for its logs (the message names it); the daemons do not.
    await cluster.kill();
    process.exit(1);
  }

  // One control request at a time: the gateway cannot be started while it is being stopped.
  let queue = Promise.resolve();
  const actions: Record<string, (q: URLSearchParams) => Promise<unknown>> = {
    'GET /info': async () => cluster.info,
    'POST /gateway/stop': (q) => cluster.stopGateway((q.get('signal') ?? 'SIGKILL') as NodeJS.Signals),
    'POST /gateway/start': () => cluster.startGateway(),
    'POST /full': () => cluster.fill(),
    'POST /not-full': () => cluster.unfill(),
    'POST /bucket': (q) => cluster.createBucket(q.get('name') ?? ''),
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const action = actions[`${req.method} ${url.pathname}`];
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? {}));
    };
    if (!action) return answer(404, { error: `no such control: ${req.method} ${url.pathname}` });
    queue = queue.then(() =>
      action(url.searchParams).then(
        (body) => answer(200, body),
        (e: Error) => answer(500, { error: e.message }),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const control = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  process.stdout.write(`ready ${JSON.stringify({ ...cluster.info, control })}\n`);
}

void main();
