import * as net from 'node:net';
import { FramedConnection } from './connection';
import { type LimiterClock, SEND_SLICE_BYTES, SendLimiter } from './send-limiter';

/** A clock that moves only when the limiter sleeps: each sleep lasts what was asked, plus `late` ms (a late timer). */
function fakeClock(late = 0): LimiterClock & { t: number; sleeps: number } {
  const c = {
    t: 1000,
    sleeps: 0,
    now: () => c.t,
    sleep: (ms: number) => {
      c.sleeps++;
      c.t += ms + late;
      return Promise.resolve();
    },
  };
  return c;
}

/** Takes `sizes` one after another; returns when each was let through. */
async function run(limiter: SendLimiter, clock: { t: number }, sizes: number[]): Promise<number[]> {
  const at: number[] = [];
  for (const n of sizes) {
    await limiter.take(n);
    at.push(clock.t);
  }
  return at;
}

describe('send limiter (token bucket)', () => {
  test('in every interval, what it lets through is at most its burst plus the rate times the interval; and no slower than the rate', async () => {
    for (const rate of [13_107, 524_288, 1_048_576, 50 * 1_048_576]) {
      const clock = fakeClock();
      const limiter = new SendLimiter(rate, clock);
      const sizes = Array.from({ length: 400 }, (_, i) => (i % 7 === 3 ? 100 : SEND_SLICE_BYTES));
      const at = await run(limiter, clock, sizes);
      let worst = -Infinity; // the largest excess over burst + rate × interval, over every interval
      for (let i = 0; i < at.length; i++) {
        let bytes = 0;
        for (let j = i; j < at.length; j++) {
          bytes += sizes[j]!;
          worst = Math.max(worst, bytes - (limiter.burst + (rate * (at[j]! - at[i]!)) / 1000));
        }
      }
      expect(worst).toBeLessThanOrEqual(1e-6);
      const total = sizes.reduce((a, b) => a + b, 0);
      const elapsed = (at[at.length - 1]! - 1000) / 1000;
      expect(elapsed).toBeGreaterThanOrEqual((total - limiter.burst) / rate - 1e-9);
      expect(elapsed).toBeLessThanOrEqual(total / rate);
    }
  });

  test('a burst is bounded: 50 ms of the rate, at least one slice; after a long pause only that much goes out at once', async () => {
    const clock = fakeClock();
    const limiter = new SendLimiter(1_048_576, clock);
    expect(limiter.burst).toBe(Math.ceil(1_048_576 / 20));
    expect(new SendLimiter(1000, clock).burst).toBe(SEND_SLICE_BYTES);
    clock.t += 3_600_000; // an hour of silence earns no more than the bucket holds
    const before = clock.sleeps;
    let free = 0;
    while (clock.sleeps === before) {
      await limiter.take(SEND_SLICE_BYTES);
      if (clock.sleeps === before) free += SEND_SLICE_BYTES;
    }
    expect(free).toBeLessThanOrEqual(limiter.burst);
    expect(free).toBeGreaterThanOrEqual(limiter.burst - SEND_SLICE_BYTES);
  });

  test('late timers are made up for, not added up: the rate holds when every sleep overruns', async () => {
    const clock = fakeClock(15);
    const rate = 262_144;
    const limiter = new SendLimiter(rate, clock);
    const sizes = Array.from({ length: 1000 }, () => SEND_SLICE_BYTES);
    const at = await run(limiter, clock, sizes);
    const total = sizes.length * SEND_SLICE_BYTES;
    const achieved = total / ((at[at.length - 1]! - 1000) / 1000);
    expect(achieved).toBeGreaterThan(rate * 0.9);
    expect(achieved).toBeLessThanOrEqual(rate * 1.02);
  });

  test('refuses a rate that is not a positive number', () => {
    for (const bad of [0, -1, NaN, Infinity]) expect(() => new SendLimiter(bad)).toThrow(/positive number of bytes a second/);
  });
});

describe('framed connection with a send rate', () => {
  /** A connected pair of real loopback sockets. */
  async function socketPair(): Promise<{ client: net.Socket; server: net.Socket; close: () => void }> {
    const listener = net.createServer();
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    const accepted = new Promise<net.Socket>((r) => listener.once('connection', r));
    const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
    const server = await accepted;
    return { client, server, close: () => (client.destroy(), server.destroy(), listener.close()) };
  }

  test('a throttled frame waits in no buffer: the socket holds a slice at most, the send resolves only once the frame is out', async () => {
    const { client, server, close } = await socketPair();
    try {
      // A clock whose sleeps end only when the test says so.
      const wakes: Array<() => void> = [];
      let t = 0;
      const clock: LimiterClock = { now: () => t, sleep: () => new Promise((r) => wakes.push(r)) };
      const rate = 64 * 1024;
      const sender = new FramedConnection(client, { sendBytesPerSecond: rate, sendClock: clock });
      const payload = Buffer.alloc(512 * 1024, 7);
      let sent = false;
      const sending = sender.sendChunk({ id: Buffer.alloc(32, 1), codec: 0, rawLength: payload.length, payload }).then(() => (sent = true));
      const receiver = new FramedConnection(server);
      const received = receiver.next();
      let steps = 0;
      while (!sent) {
        await new Promise((r) => setImmediate(r));
        if (wakes.length === 0) continue;
        // Between two wakes, what left is the burst at first, then one slice a wake: never the frame at once.
        expect(sender.counters.bytesOut).toBeLessThanOrEqual(SEND_SLICE_BYTES + (rate / 1000) * t + SEND_SLICE_BYTES);
        expect(client.writableLength).toBeLessThanOrEqual(SEND_SLICE_BYTES);
        t += (SEND_SLICE_BYTES / rate) * 1000;
        wakes.shift()!();
        steps++;
      }
      await sending;
      expect(steps).toBeGreaterThanOrEqual(Math.floor((payload.length - 2 * SEND_SLICE_BYTES) / SEND_SLICE_BYTES));
      const m = await received;
      expect(m.chunk?.payload && Buffer.from(m.chunk.payload).equals(payload)).toBe(true);
    } finally {
      close();
    }
  });

  test('keep-alives go on under the limit, and never inside a frame being throttled', async () => {
    const { client, server, close } = await socketPair();
    try {
      const sender = new FramedConnection(client, { sendBytesPerSecond: 1024 * 1024 });
      sender.keepAlive(10); // many ticks fall while the frame below trickles out for half a second
      const receiver = new FramedConnection(server);
      const payload = Buffer.alloc(512 * 1024, 9);
      await sender.sendChunk({ id: Buffer.alloc(32, 3), codec: 0, rawLength: payload.length, payload });
      const m = await receiver.next();
      expect(m.chunk?.payload && Buffer.from(m.chunk.payload).equals(payload)).toBe(true);
      const after = receiver.counters.keepAlivesIn;
      while (receiver.counters.keepAlivesIn < after + 2) await new Promise((r) => setTimeout(r, 5));
      const next = receiver.next();
      await sender.send({ warning: { message: 'after keep-alives' } });
      expect((await next).warning?.message).toBe('after keep-alives');
      expect(sender.error).toBeUndefined();
    } finally {
      close();
    }
  });

  test('frames of senders that do not wait for each other arrive whole and in the order they were sent', async () => {
    const { client, server, close } = await socketPair();
    try {
      const sender = new FramedConnection(client, { sendBytesPerSecond: 8 * 1024 * 1024 });
      const payloads = [0, 1, 2, 3].map((i) => Buffer.alloc(100_000 + i, 0x41 + i));
      const sends = payloads.map((payload, i) => sender.sendChunk({ id: Buffer.alloc(32, i), codec: 0, rawLength: payload.length, payload }));
      const warning = sender.send({ warning: { message: 'between' } });
      await Promise.all([...sends, warning]);
      await sender.written();
      const receiver = new FramedConnection(server);
      for (const payload of payloads) {
        const m = await receiver.next();
        expect(m.chunk?.payload && Buffer.from(m.chunk.payload).equals(payload)).toBe(true);
      }
      expect((await receiver.next()).warning?.message).toBe('between');
      expect(sender.counters.framesOut).toBe(5);
    } finally {
      close();
    }
  });
});
