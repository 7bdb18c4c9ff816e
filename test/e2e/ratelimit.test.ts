/**
 * node.conf's ratelimit (Burp's, in Mbit/s of 2^20 bits): what the node
 * sends to the server during a backup stays under it. Measured by the test
 * itself on the wire, through a TCP relay between the real cpsbackup and
 * the real cpsbackupd: the bytes that reached the server, over the time from
 * before the agent was started to the last of them. That time can only be
 * longer than the sending took (a busy machine slows, never speeds), so
 * the measured rate is never above the real one: the assertion cannot fail
 * because the machine is slow.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/** What went one way through the relay: bytes, and when the last of them came. */
interface Flow {
  bytes: number;
  lastAt: number;
}

/** A relay to the server counting what goes through it each way (sent: node to server; received: server to node). */
async function relay(serverPort: number): Promise<{ port: number; sent: () => Flow; received: () => Flow; close: () => Promise<void> }> {
  const up: Flow = { bytes: 0, lastAt: 0 };
  const down: Flow = { bytes: 0, lastAt: 0 };
  const sockets = new Set<net.Socket>();
  const listener = net.createServer((fromNode) => {
    const toServer = net.connect(serverPort, '127.0.0.1');
    for (const s of [fromNode, toServer]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    fromNode.on('data', (d: Buffer) => {
      up.bytes += d.length;
      up.lastAt = performance.now();
    });
    toServer.on('data', (d: Buffer) => {
      down.bytes += d.length;
      down.lastAt = performance.now();
    });
    fromNode.pipe(toServer);
    toServer.pipe(fromNode);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  return {
    port: (listener.address() as net.AddressInfo).port,
    sent: () => ({ ...up }),
    received: () => ({ ...down }),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => listener.close(() => resolve()));
    },
  };
}

/** A node.conf that reaches the server through `port` (the relay). */
function confThrough(file: string, port: number, extra: string[]): string {
  const text = fs.readFileSync(file, 'utf8').replace(/^port = \d+$/m, `port = ${port}`);
  fs.writeFileSync(file, text + extra.map((l) => `${l}\n`).join(''));
  return file;
}

describe('ratelimit', () => {
  const { root, pki, server } = useServer('ratelimit', { clients: { slow: [], low: [] } });

  test('a backup sends at most ratelimit Mbit/s (2^20 bits) on the wire, measured at the server end; what it sent restores bit-exact', async () => {
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    const content = new SeededRandom('ratelimit').bytes(3 * 1024 * 1024); // random: zstd cannot shrink what is sent
    fs.writeFileSync(path.join(data, 'big.bin'), content);
    const r = await relay(server.port);
    try {
      const mbit = 4;
      const limit = (mbit * 1024 * 1024) / 8; // bytes a second, as Burp converts it
      const conf = confThrough(writeNodeConf(root, server, { cname: 'slow', cert: pki.client('slow'), include: [data] }), r.port, [`ratelimit = ${mbit}`]);
      const started = performance.now();
      const b = await runCli(['-c', conf, '-e', '--json']);
      expect(b.code).toBe(0);
      const { bytes, lastAt } = r.sent();
      expect(bytes).toBeGreaterThan(content.length); // the file's bytes went through the relay
      const seconds = (lastAt - started) / 1000;
      // The limit, plus the limiter's burst (50 ms of the rate), TLS's handshake and record headers (under 1 %).
      expect(bytes).toBeLessThanOrEqual(limit * seconds * 1.01 + limit / 20 + 16 * 1024);
      // Unlimited over loopback, the same backup sends these bytes in well under a second (not asserted: that is machine speed).
      expect(b.stderr).toBe(''); // a key cpsbackup implements: no warning

      const to = path.join(root, 'restored');
      const restore = await runCli(['-c', conf, '-i', '--to', to]);
      expect(restore.code).toBe(0);
      expect(fs.readFileSync(path.join(to, data, 'big.bin')).equals(content)).toBe(true);
    } finally {
      await r.close();
    }
  }, 120_000);

  test('a ratelimit too low for the server (a chunk would outlast its idle_timeout) is refused before the backup begins, saying the lowest that works', async () => {
    const data = path.join(root, 'low-data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'f'), 'x');
    const conf = writeNodeConf(path.join(root, 'low'), server, { cname: 'low', cert: pki.client('low'), include: [data], extra: ['ratelimit = 0.01'] });
    const b = await runCli(['-c', conf, '-e']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(
      /ratelimit = 0\.01 Mbit\/s is too low for this server: a chunk of up to 1048576 bytes would take \d+ s to send, .*idle_timeout \(\d+ s\): set ratelimit to at least [\d.]+ in /,
    );
    const list = await runCli(['-c', conf, '-l']);
    expect(list.stdout).not.toMatch(/error/); // nothing was begun, so nothing failed on the server
  });
});

describe("ratelimit in server.conf (Burp's, for what the server sends)", () => {
  const mbit = 4;
  const { root, pki, server } = useServer('ratelimit-server', { clients: { rs: [] }, conf: [`ratelimit = ${mbit}`] });

  test('a restore comes at most ratelimit Mbit/s from the server, measured at the node end; bit-exact', async () => {
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    const content = new SeededRandom('ratelimit-server').bytes(3 * 1024 * 1024);
    fs.writeFileSync(path.join(data, 'big.bin'), content);
    const r = await relay(server.port);
    try {
      const limit = (mbit * 1024 * 1024) / 8;
      const conf = confThrough(writeNodeConf(root, server, { cname: 'rs', cert: pki.client('rs'), include: [data] }), r.port, []);
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
      const before = r.received().bytes;
      const started = performance.now();
      const to = path.join(root, 'restored');
      const restore = await runCli(['-c', conf, '-i', '--to', to]);
      expect(restore.code).toBe(0);
      const { bytes, lastAt } = r.received();
      const restored = bytes - before;
      expect(restored).toBeGreaterThan(content.length);
      expect(restored).toBeLessThanOrEqual(limit * ((lastAt - started) / 1000) * 1.01 + limit / 20 + 16 * 1024);
      expect(restore.stderr).toBe('');
      expect(fs.readFileSync(path.join(to, data, 'big.bin')).equals(content)).toBe(true);
    } finally {
      await r.close();
    }
  }, 120_000);
});
