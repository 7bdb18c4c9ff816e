import * as net from 'node:net';
import { ConnectionError, FramedConnection } from './connection';

/** A connected pair of real loopback sockets. */
async function socketPair(): Promise<{ client: net.Socket; server: net.Socket; close: () => void }> {
  const listener = net.createServer();
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => listener.once('connection', r));
  const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  const server = await accepted;
  return {
    client,
    server,
    close: () => {
      client.destroy();
      server.destroy();
      listener.close();
    },
  };
}

describe('framed connection', () => {
  test('written() waits until the socket is done with every payload sent, so their memory may be reused', async () => {
    const { client, server, close } = await socketPair();
    try {
      const sender = new FramedConnection(client);
      const payloads = [0, 1, 2].map((i) => Buffer.alloc(16 * 1024 * 1024, 0x41 + i));
      for (const [i, payload] of payloads.entries()) void sender.sendChunk({ id: Buffer.alloc(32, i), codec: 0, rawLength: payload.length, payload });
      let done = false;
      const written = sender.written().then(() => (done = true));
      // The peer reads nothing yet: 48 MiB cannot all have left through the kernel's buffers.
      await new Promise((r) => setTimeout(r, 300));
      expect(done).toBe(false);
      expect(client.writableLength).toBeGreaterThan(0);

      const receiver = new FramedConnection(server);
      const received = [await receiver.next(), await receiver.next(), await receiver.next()];
      await written;
      expect(client.writableLength).toBe(0);
      received.forEach((m, i) => expect(Buffer.from(m.chunk!.payload!).equals(payloads[i]!)).toBe(true));
    } finally {
      close();
    }
  });

  test('written() resolves, not hangs, when the connection dies with frames unsent', async () => {
    const { client, server, close } = await socketPair();
    try {
      const sender = new FramedConnection(client);
      const sent = sender.sendChunk({ id: Buffer.alloc(32), codec: 0, rawLength: 16 << 20, payload: Buffer.alloc(16 << 20) }).then(
        () => 'sent',
        (err: Error) => err,
      );
      const written = sender.written().then(() => 'written');
      server.destroy();
      client.destroy();
      // Both settle (a hang would fail the test by its timeout): the send fails with the connection's error, written() resolves.
      expect(await written).toBe('written');
      const outcome = await sent;
      expect(outcome).toBeInstanceOf(ConnectionError);
      expect(sender.error).toBeInstanceOf(ConnectionError);
    } finally {
      close();
    }
  });
});
