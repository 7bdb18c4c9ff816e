import * as net from 'node:net';
import { ConnectionError, FramedConnection } from './connection';
import { type Message } from './frame';

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

  describe('silence, keep-alives and what counts as hearing from the peer', () => {
    /** Resolves once `c` has received `n` keep-alives (the peer's clock: no delay guessed here). */
    async function keepAlivesIn(c: FramedConnection, n: number): Promise<void> {
      while (c.counters.keepAlivesIn < n) await new Promise((r) => setTimeout(r, 5));
    }

    test('keep-alives keep a peer with nothing to say from timing out, and never reach next()', async () => {
      const { client, server, close } = await socketPair();
      try {
        const agent = new FramedConnection(client);
        // Keep-alives every 25 ms against a timeout of 1 s: a busy machine's late timers (both ends share this
        // process's event loop) stay far inside it.
        const daemon = new FramedConnection(server, { idleTimeoutMs: 1000 });
        agent.keepAlive(25);
        const received = daemon.next();
        await keepAlivesIn(daemon, 80); // 2 s at least: twice the idle timeout
        expect(daemon.error).toBeUndefined();
        await agent.send({ listRequest: { client: 'x' } });
        expect(((await received) as Message).msg).toBe('listRequest');
        expect(agent.counters.keepAlivesOut).toBeGreaterThanOrEqual(80);
      } finally {
        close();
      }
    });

    test('our own writes do not make a silent peer look alive', async () => {
      const { client, server, close } = await socketPair();
      try {
        new FramedConnection(client); // reads, never writes
        const daemon = new FramedConnection(server, { idleTimeoutMs: 300 });
        const talking = setInterval(() => void daemon.send({ warning: { message: 'still here' } }).catch(() => undefined), 20);
        const why = await daemon.failed();
        clearInterval(talking);
        expect(why).toBeInstanceOf(ConnectionError);
        expect(why.message).toBe('no data from the peer for 300 ms');
      } finally {
        close();
      }
    });

    test('idleOnlyWhileWaiting: silence counts only while a message is awaited', async () => {
      const { client, server, close } = await socketPair();
      try {
        const agent = new FramedConnection(client, { idleTimeoutMs: 200, idleOnlyWhileWaiting: true });
        const daemon = new FramedConnection(server); // says nothing
        agent.keepAlive(20); // the agent's own clock, as the daemon counts its keep-alives
        await keepAlivesIn(daemon, 25); // 500 ms at least of the daemon's silence, while the agent awaited nothing
        expect(agent.error).toBeUndefined();
        await expect(agent.next()).rejects.toThrow('no data from the peer for 200 ms');
      } finally {
        close();
      }
    });

    test('a peer that sends nothing but keep-alives is dropped at keepAliveOnlyTimeoutMs, and told why', async () => {
      const { client, server, close } = await socketPair();
      try {
        const agent = new FramedConnection(client);
        const daemon = new FramedConnection(server, { idleTimeoutMs: 60_000, keepAliveOnlyTimeoutMs: 300 });
        agent.keepAlive(20);
        await expect(daemon.next()).rejects.toThrow('nothing but keep-alives from the peer for 300 ms while a message was awaited');
        expect(daemon.counters.keepAlivesIn).toBeGreaterThan(0); // they came, and did not count (how many is the machine's speed)
        const told = await agent.next();
        expect(told.error?.code).toBe('TIMEOUT');
        expect(told.error?.message).toBe('nothing but keep-alives from the peer for 300 ms while a message was awaited');
      } finally {
        close();
      }
    });
  });
  test('the Error frame a peer sent before hanging up stays known, whether a reader took it or it still waits', async () => {
    for (const readerWaits of [true, false]) {
      const { client, server, close } = await socketPair();
      try {
        const agent = new FramedConnection(client);
        const daemon = new FramedConnection(server);
        // A reader already waiting takes the Error frame itself; the connection's end comes after.
        const taken = readerWaits ? agent.next().catch((e: Error) => e) : undefined;
        const failed = agent.failed();
        await daemon.end({ error: { code: 'STORE', message: 'the storage is full' } });
        const why = await failed;
        expect(why).toBeInstanceOf(ConnectionError);
        if (taken) expect(((await taken) as Message).msg).toBe('error');
        expect(agent.peerError()?.error?.message).toBe('the storage is full');
      } finally {
        close();
      }
    }
  });

  test('an Error answered to one request and followed by other messages is not taken for the reason of a later end', async () => {
    const { client, server, close } = await socketPair();
    try {
      const agent = new FramedConnection(client);
      const daemon = new FramedConnection(server);
      await daemon.send({ error: { code: 'NOT_FOUND', message: 'no backup 5' } });
      expect((await agent.next()).msg).toBe('error');
      await daemon.send({ keepAlive: {} });
      await daemon.send({ missingReply: { queryId: 1, missing: [] } });
      const failed = agent.failed();
      await daemon.end();
      await failed;
      expect(agent.peerError()).toBeUndefined();
    } finally {
      close();
    }
  });
});
