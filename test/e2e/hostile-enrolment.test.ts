/**
 * Outsiders against enrolment, over real TLS from several loopback
 * addresses (127.0.0.x count as distinct sources): guessing passwords must
 * never lock a node out nor tell which names exist, and connections held
 * without a certificate must neither fill the enrolment budget nor be held
 * past unauthenticated_timeout. An honest node enrols through the real CLI
 * while each attack runs.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { FramedConnection, type Message, PROTOCOL_VERSION } from '@cpsbackup/protocol';
import { runCli, type TestServer, writeNodeConf, useServer } from '@cpsbackup/testkit/e2e';

/** A TLS connection without a client certificate from `localAddress`, once its handshake is done. */
function tlsFrom(server: TestServer, localAddress: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect(
      {
        host: '127.0.0.1',
        port: server.port,
        // Passed down to the TCP socket (node's tls typings omit it).
        ...({ localAddress } as object),
        ca: fs.readFileSync(server.pki.caFile),
        checkServerIdentity: () => undefined,
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
}

/** What became of a held connection: the error the server sent (if any) and when it closed. */
interface Held {
  socket: tls.TLSSocket;
  openedAt: number;
  /** Resolves when the server closes it: its last Error frame, and the time. */
  ended: Promise<{ code?: string; message?: string; at: number }>;
  closed: boolean;
}

/** Opens a connection without a certificate and watches it; `trickle` sends a frame's header and then nothing whole. */
async function hold(server: TestServer, localAddress: string, trickle = false): Promise<Held> {
  const openedAt = Date.now();
  const socket = await tlsFrom(server, localAddress);
  socket.on('error', () => undefined);
  const conn = new FramedConnection(socket);
  const held: Held = { socket, openedAt, closed: false, ended: Promise.resolve({ at: 0 }) };
  held.ended = (async () => {
    let last: Message | undefined;
    for (;;) {
      try {
        last = await conn.next();
      } catch {
        break;
      }
    }
    held.closed = true;
    return { code: last?.error?.code ?? undefined, message: last?.error?.message ?? undefined, at: Date.now() };
  })();
  if (trickle) {
    // A slowloris after TLS: a frame of 100 bytes announced, its bytes never all sent.
    const header = Buffer.alloc(4);
    header.writeUInt32BE(100);
    socket.write(header);
    socket.write(Buffer.from([0x0a]));
  }
  return held;
}

/** One enrolment attempt by hand from `localAddress`: the server's answer. */
async function enrolRaw(server: TestServer, localAddress: string, clientName: string, password: string): Promise<{ code: string; message: string }> {
  const socket = await tlsFrom(server, localAddress);
  socket.on('error', () => undefined);
  const conn = new FramedConnection(socket);
  try {
    await conn.send({ enrolRequest: { protocolVersion: PROTOCOL_VERSION, clientName, password, csrPem: 'not needed: the password is wrong' } });
    const m = await conn.next();
    return { code: String(m.error?.code ?? m.msg), message: String(m.error?.message ?? '') };
  } finally {
    socket.destroy();
  }
}

describe('enrolment guessing: slowed, never locked, names not told', () => {
  const { root, server } = useServer('enrol-guessing', {
    // unauthenticated_timeout is not what this server is for: generous, so no enrolment is cut on a loaded machine.
    conf: (p) => [`ca_key = ${p.writeCaKey()}`, 'enrol_delay_max = 1', 'unauthenticated_timeout = 120'],
    clients: {
      target: ['password = the-right-one'],
      known: ['password = known-pass'],
      nopass: [],
    },
  });

  /** The honest node's enrolment through the CLI (from 127.0.0.1). */
  async function honestEnrol(cname: string, password: string) {
    const dir = path.join(root, `node-${cname}`);
    const cert = { cert: path.join(dir, 'c.pem'), key: path.join(dir, 'c.key') };
    const conf = writeNodeConf(dir, server, { cname, cert, include: [] });
    return { result: await runCli(['-c', conf, '--enrol', '--password', password]), conf };
  }

  /** The waits the server logged for enrolments from `source` for `client`, in order. */
  const delaysLogged = (source: string, client: string) =>
    server
      .logLines()
      .filter((l) => typeof l.msg === 'string' && l.msg.startsWith('enrolment delayed'))
      .filter((l) => l.source === source && l.client === client)
      .map((l) => l.ms);

  test('40 wrong passwords from 10 addresses: the right one still enrols, after at most enrol_delay_max', async () => {
    const sources = Array.from({ length: 10 }, (_, i) => `127.0.0.${10 + i}`);
    const answers = (
      await Promise.all(
        sources.map(async (source) => {
          const mine: Array<{ code: string; message: string }> = [];
          for (let i = 0; i < 4; i++) mine.push(await enrolRaw(server, source, 'target', `guess-${source}-${i}`));
          return mine;
        }),
      )
    ).flat();
    expect(answers).toHaveLength(40);
    for (const a of answers) expect(a).toEqual({ code: 'AUTH_ENROL', message: 'enrolment of "target" refused: unknown client or wrong password' });

    const { result, conf } = await honestEnrol('target', 'the-right-one');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // It waited, as any attempt for a name just guessed at, at most the bound.
    expect(delaysLogged('127.0.0.1', 'target')).toEqual([1000]);
    // The certificate it got works.
    expect((await runCli(['-c', conf, '-l'])).code).toBe(0);
  }, 120_000);

  test('a known name, a name without a password and an unknown name get the same answers and the same waits', async () => {
    const names = { known: '127.0.0.30', nopass: '127.0.0.31', 'no-such-client': '127.0.0.32' };
    const runs = await Promise.all(
      Object.entries(names).map(async ([name, source]) => {
        const mine: Array<{ code: string; message: string }> = [];
        // Past the 10 failures that used to lock a known client (and so tell it apart).
        for (let i = 0; i < 12; i++) mine.push(await enrolRaw(server, source, name, `wrong-${i}`));
        return { answers: mine.map((a) => ({ code: a.code, message: a.message.replace(JSON.stringify(name), 'NAME') })), waits: delaysLogged(source, name) };
      }),
    );
    expect(runs[0]!.answers).toEqual(
      Array.from({ length: 12 }, () => ({ code: 'AUTH_ENROL', message: 'enrolment of NAME refused: unknown client or wrong password' })),
    );
    expect(runs[0]!.waits).toHaveLength(11); // every attempt but the first
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    // And the right password of the known client still gets in.
    const { result } = await honestEnrol('known', 'known-pass');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);
});

describe('connections without a certificate (unauthenticated_timeout = 2)', () => {
  const { server } = useServer('enrol-deadline', { conf: (p) => [`ca_key = ${p.writeCaKey()}`, 'unauthenticated_timeout = 2'], clients: {} });

  test('connections without a certificate, silent or trickling after TLS, are cut at unauthenticated_timeout with an error that says so', async () => {
    const held = await Promise.all([hold(server, '127.0.0.40'), hold(server, '127.0.0.40', true), hold(server, '127.0.0.41', true)]);
    for (const h of held) {
      const end = await h.ended;
      expect({ code: end.code, message: end.message }).toEqual({
        code: 'TIMEOUT',
        message:
          'connection cut: a connection without a client certificate must finish TLS, its request and the answer within 2 s of connecting (unauthenticated_timeout)',
      });
      // Not before its deadline (a timer never fires early); how long after is the machine's load, and the message says why.
      expect(end.at - h.openedAt).toBeGreaterThanOrEqual(1900);
    }
  }, 60_000);
});

/** The first `n` of `promises` to resolve, in the order they did. */
function firstN<T>(promises: Array<Promise<T>>, n: number): Promise<T[]> {
  return new Promise((resolve) => {
    const out: T[] = [];
    for (const p of promises) {
      void p.then((v) => {
        out.push(v);
        if (out.length === n) resolve(out.slice());
      });
    }
  });
}

/** A budget test's server: long deadlines, so the attackers' connections are held for the whole test (and cut at its end). */
function budgetServer(name: string) {
  const s = useServer(name, {
    conf: (p) => [`ca_key = ${p.writeCaKey()}`, 'unauthenticated_timeout = 120', 'auth_timeout = 120', 'handshake_timeout = 120'],
    clients: { node1: ['password = node1-pass'] },
  });
  const sockets: net.Socket[] = [];
  afterAll(() => sockets.splice(0).forEach((x) => x.destroy()));
  /** The honest node enrols through the CLI from 127.0.0.1, and its certificate works. */
  const honestEnrol = async () => {
    const dir = path.join(s.root, 'node1');
    const conf = writeNodeConf(dir, s.server, { cname: 'node1', cert: { cert: path.join(dir, 'c.pem'), key: path.join(dir, 'c.key') }, include: [] });
    const result = await runCli(['-c', conf, '--enrol', '--password', 'node1-pass']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((await runCli(['-c', conf, '-l'])).code).toBe(0);
  };
  return { server: s.server, sockets, honestEnrol };
}

describe('enrolment budget: one address keeps its share', () => {
  const { server, sockets, honestEnrol } = budgetServer('enrol-budget-one');

  test('six connections after TLS and thirty stuck in the handshake from one address: it keeps two, the honest node enrols', async () => {
    // Slowloris during TLS: TCP connections that send the start of a ClientHello and stop.
    const stuck = Array.from({ length: 30 }, () => {
      const raw = net.connect({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.51' });
      raw.on('error', () => undefined);
      raw.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
      sockets.push(raw);
      return raw;
    });
    // Slowloris after TLS: six connections trickling a frame that never completes.
    const held = await Promise.all(Array.from({ length: 6 }, () => hold(server, '127.0.0.50', true)));
    sockets.push(...held.map((h) => h.socket));
    const share = {
      code: 'BUSY',
      message:
        '2 connections without a client certificate are already open from 127.0.0.50 (max_unauthenticated_per_address=2); let them finish, then try again',
    };
    // Four are told at once that their address has its share (so two are in).
    const [first] = await firstN(
      held.map((h) => h.ended),
      1,
    );
    expect({ code: first!.code, message: first!.message }).toEqual(share);
    const refused = await firstN(
      held.map((h) => h.ended),
      4,
    );
    for (const r of refused) expect({ code: r.code, message: r.message }).toEqual(share);

    await honestEnrol();
    // The attacker held its share, and its stuck handshakes, throughout.
    expect(held.filter((h) => !h.closed)).toHaveLength(2);
    expect(stuck.filter((raw) => raw.destroyed || raw.readyState !== 'open')).toEqual([]);
  }, 60_000);
});

describe('enrolment budget: many addresses fill it, a newcomer still gets in', () => {
  const { server, sockets, honestEnrol } = budgetServer('enrol-budget-many');

  test('eight addresses holding two each fill all sixteen places before their requests: the honest node takes the place of the youngest of a busiest address', async () => {
    const sources = Array.from({ length: 9 }, (_, i) => `127.0.0.${60 + i}`);
    const held = (await Promise.all(sources.flatMap((src, i) => (i < 8 ? [hold(server, src, true), hold(server, src, true)] : [hold(server, src, true)])))).map(
      (h) => {
        sockets.push(h.socket);
        return h;
      },
    );
    // Seventeen attempts at sixteen places: exactly one is turned away (refused, or evicted by a later one).
    const [first] = await firstN(
      held.map((h) => h.ended.then((e) => ({ h, e }))),
      1,
    );
    expect(first!.e.code).toBe('BUSY');
    const attackers = held.filter((h) => h !== first!.h);

    await honestEnrol();
    // The honest node took the place of one attacker connection, from an address holding two.
    const [evicted] = await firstN(
      attackers.map((h) => h.ended),
      1,
    );
    expect(evicted!.code).toBe('BUSY');
    expect(evicted!.message).toMatch(
      /^connection closed before its request to make room for another address: all 16 places for connections without a client certificate were in use \(max_unauthenticated\), 127\.0\.0\.6\d held 2 of them and the newcomer's address 0; try again$/,
    );
    expect(attackers.filter((h) => !h.closed)).toHaveLength(15);
  }, 60_000);
});

describe('enrolment budget: churn through many addresses cannot cut a node the server is making wait', () => {
  const { root, server } = useServer('enrol-churn', {
    conf: (p) => [`ca_key = ${p.writeCaKey()}`, 'enrol_delay_max = 4', 'unauthenticated_timeout = 60', 'auth_timeout = 60'],
    clients: { node1: ['password = node1-pass'] },
  });

  /** One wrong guess at node1 from `source`: the server's answer, or CLOSED if the connection went without one. */
  const guess = (source: string, i: number) =>
    enrolRaw(server, source, 'node1', `wrong-${i}`).catch((err: Error) => ({ code: 'CLOSED', message: err.message }));

  /** Resolves once `cond` holds, looking again at each turn of a short timer (the server's log is read as it comes). */
  async function until(cond: () => boolean): Promise<void> {
    while (!cond()) await new Promise((r) => setTimeout(r, 20));
  }

  test('while the node waits out its enrolment delay, newcomers from sixty addresses churn: it is never evicted and enrols', async () => {
    // Five guesses at its name push the node's own wait to enrol_delay_max (4 s).
    const first = await Promise.all(Array.from({ length: 5 }, (_, i) => guess(`127.0.4.${i + 1}`, i)));
    for (const a of first) expect(a.code).toBe('AUTH_ENROL');

    const dir = path.join(root, 'node1');
    const conf = writeNodeConf(dir, server, { cname: 'node1', cert: { cert: path.join(dir, 'c.pem'), key: path.join(dir, 'c.key') }, include: [] });
    let honestDone = false;
    const honest = runCli(['-c', conf, '--enrol', '--password', 'node1-pass']).finally(() => (honestDone = true));
    // The node's request is in: the server logged its wait.
    const honestWaits = () =>
      server.logLines().filter((l) => l.msg === 'enrolment delayed: recent failed attempts from this address or for this name' && l.source === '127.0.0.1');
    await until(() => honestWaits().length > 0 || honestDone);
    expect(honestWaits().map((l) => l.ms)).toEqual([4000]);

    // Twenty at a time, one connection after another through 127.0.5.1-60, each a wrong guess, until the node is done:
    // more than the fifteen other places, each held for the guesses' own wait.
    const answers: Array<{ code: string; message: string }> = [];
    let next = 0;
    const worker = async () => {
      while (!honestDone) {
        const n = next++;
        answers.push(await guess(`127.0.5.${(n % 60) + 1}`, n));
      }
    };
    const workers = Promise.all(Array.from({ length: 20 }, worker));
    const result = await honest;
    await workers;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((await runCli(['-c', conf, '-l'])).code).toBe(0);
    // The places were all taken by waiting guesses while it waited: newcomers were refused, not let in in its place.
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.map((a) => a.code)).toContain('BUSY');
    expect(answers).toContainEqual({
      code: 'BUSY',
      message:
        'the server is busy with 16 connections without a client certificate (max_unauthenticated=16), each waiting for its answer or from an address holding no more than this one; try again later',
    });
    for (const a of answers) expect(['AUTH_ENROL', 'BUSY']).toContain(a.code);
  }, 120_000);
});

describe('enrolment budget: a dozen addresses guessing without pause cannot keep a node out', () => {
  const { root, server } = useServer('enrol-flood', {
    conf: (p) => [`ca_key = ${p.writeCaKey()}`, 'enrol_delay_max = 4', 'unauthenticated_timeout = 60', 'auth_timeout = 60'],
    clients: { node1: ['password = node1-pass'] },
  });

  test('twelve addresses, two connections each, wrong guesses back to back: a node with no failed attempt takes the place of a guess that has them, and enrols at its first try', async () => {
    const sources = Array.from({ length: 12 }, (_, i) => `127.0.6.${i + 1}`);
    const failedFrom = new Set<string>();
    const answers: Array<{ code: string; message: string }> = [];
    let stop = false;
    const attacker = async (source: string, w: number) => {
      for (let i = 0; !stop; i++) {
        const a = await enrolRaw(server, source, 'node1', `wrong-${w}-${i}`).catch((err: Error) => ({ code: 'CLOSED', message: err.message }));
        answers.push(a);
        if (a.code === 'AUTH_ENROL') failedFrom.add(source);
      }
    };
    const flood = Promise.all(sources.flatMap((s, i) => [attacker(s, 2 * i), attacker(s, 2 * i + 1)]));
    try {
      // Every attacking address has failed at least once: the server counts its guesses.
      while (failedFrom.size < sources.length) await new Promise((r) => setTimeout(r, 20));
      // The places are full (24 connections for 16): newcomers from the flood are turned away.
      expect(answers.map((a) => a.code)).toContain('BUSY');

      const dir = path.join(root, 'node1');
      const conf = writeNodeConf(dir, server, { cname: 'node1', cert: { cert: path.join(dir, 'c.pem'), key: path.join(dir, 'c.key') }, include: [] });
      const result = await runCli(['-c', conf, '--enrol', '--password', 'node1-pass']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect((await runCli(['-c', conf, '-l'])).code).toBe(0);
      // A guess made room for it, and was told why.
      expect(answers).toContainEqual({
        code: 'BUSY',
        message: expect.stringMatching(
          /^enrolment attempt closed to make room for another address: all 16 places .* in use \(max_unauthenticated\), and 127\.0\.6\.\d+ has \d+ failed attempts lately, more than the newcomer's address; try again later with the right password$/,
        ),
      });
    } finally {
      stop = true;
      await flood;
    }
    for (const a of answers) expect(['AUTH_ENROL', 'BUSY', 'CLOSED']).toContain(a.code);
  }, 120_000);
});
