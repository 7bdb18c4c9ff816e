/**
 * Peers holding what others need: authenticated nodes holding agent slots
 * for nothing (a list now and then), and a flood of slow connections to the
 * status port holding the daemon's file descriptors. In each, an honest
 * node's backup, list and restore are served throughout, over real TLS on
 * 127.0.0.x.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { type FramedConnection } from '@cpsbackup/protocol';
import { SeededRandom } from '@cpsbackup/testkit';
import {
  askRestoreOf,
  rawSession,
  readUntil,
  runCli,
  SERVER_BIN,
  sendTree,
  snapshotTree,
  useServer,
  writeNodeConf,
  type TestPki,
  type TestServer,
} from '@cpsbackup/testkit/e2e';

/** Writes some files for an honest node and returns its data directory and node.conf. */
function honestNode(root: string, server: TestServer, pki: TestPki, name: string): { data: string; conf: string } {
  const data = path.join(root, `${name}-data`);
  fs.mkdirSync(data);
  const rnd = new SeededRandom(name);
  for (let i = 0; i < 12; i++) fs.writeFileSync(path.join(data, `f${i}`), rnd.bytes(150_000 + i));
  const conf = writeNodeConf(path.join(root, `${name}-conf`), server, { cname: name, cert: pki.client(name), include: [data] });
  return { data, conf };
}

/** The honest node backs up, lists and restores; each must succeed and the restore be bit-exact. */
async function backupListRestore(root: string, node: { data: string; conf: string }): Promise<void> {
  const backup = await runCli(['-c', node.conf, '-e']);
  expect({ code: backup.code, stderr: backup.stderr }).toEqual({ code: 0, stderr: '' });
  const list = await runCli(['-c', node.conf, '-l', '--json']);
  expect(list.code).toBe(0);
  expect(JSON.parse(list.stdout).backups.map((b: { status: string }) => b.status)).toEqual(['available']);
  const to = path.join(root, `${path.basename(node.conf)}-restored`);
  const restore = await runCli(['-c', node.conf, '-i', '--to', to]);
  expect({ code: restore.code, stderr: restore.stderr }).toEqual({ code: 0, stderr: '' });
  expect(snapshotTree(path.join(to, node.data))).toEqual(snapshotTree(node.data));
}

/**
 * A node that holds as many sessions as the server lets it, each kept alive
 * by a list every 5 s; a session the server closes is opened again, and each
 * tick tries to get back to `target`.
 */
class Hoarder {
  readonly sessions = new Set<FramedConnection>();
  /** Every error the server sent this node's sessions, refusals at hello included. */
  readonly errors: string[] = [];
  private stopped = false;
  private readonly tick: NodeJS.Timeout;

  constructor(
    private readonly server: TestServer,
    private readonly pki: TestPki,
    readonly name: string,
    private readonly target: number,
  ) {
    this.tick = setInterval(() => {
      for (const conn of this.sessions) conn.send({ listRequest: {} }).catch(() => undefined);
      void this.topUp();
    }, 5000);
  }

  /** Opens sessions until it holds `target` or the server refuses one. */
  async topUp(): Promise<void> {
    while (!this.stopped && this.sessions.size < this.target) {
      let c: { socket: tls.TLSSocket; conn: FramedConnection };
      try {
        c = await rawSession(this.server, this.name, this.pki.client(this.name));
      } catch (err) {
        this.errors.push((err as Error).message);
        return;
      }
      const { socket, conn } = c;
      this.sessions.add(conn);
      socket.once('close', () => {
        this.sessions.delete(conn);
        void this.topUp();
      });
      void conn.send({ listRequest: {} }).catch(() => undefined);
      void (async () => {
        for (;;) {
          const m = await readUntil(conn, () => true);
          if (!m) return;
          if (m.msg === 'error') this.errors.push(m.error!.message!);
        }
      })();
    }
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.tick);
    for (const conn of this.sessions) conn.destroy();
  }
}

describe('authenticated nodes holding agent slots for nothing (shipped max_children 5, max_sessions_per_client 4)', () => {
  const { root, pki, server } = useServer('hostile-slots', { clients: { hoard1: [], hoard2: [], honest: [], honest2: [] } });

  test("two nodes holding every slot with a list every 5 s: a third node's backup, list and restore are served", async () => {
    const hoard1 = new Hoarder(server, pki, 'hoard1', 4);
    const hoard2 = new Hoarder(server, pki, 'hoard2', 4);
    try {
      // One node takes four sessions, then the other as many as it can: until the server refuses one, every slot held.
      await hoard1.topUp();
      await hoard2.topUp();
      const refusals = () => [...hoard1.errors, ...hoard2.errors];
      expect(refusals()).toContainEqual(expect.stringMatching(/^expected welcome, got error: the server is busy: 5 agents connected \(max_children=5\)/));

      await backupListRestore(root, honestNode(root, server, pki, 'honest'));
      // The honest node's slots came from a hoarder holding two or more, each told why.
      expect(refusals()).toContainEqual(
        expect.stringMatching(
          /^session closed to make room for another node: client hoard[12] held [2-4] of the 5 agent slots \(max_children\) while others waited; connect again when there is work$/,
        ),
      );

      // Another honest node, beside both hoarders (one session at a time: a node's second session beside its first
      // is over its share while two hoarders hold two each, and is rightly told to come back).
      await backupListRestore(root, honestNode(root, server, pki, 'honest2'));
    } finally {
      hoard1.stop();
      hoard2.stop();
    }
  }, 120_000);
});

/**
 * The first `count` server log lines from the `from`th on that `pred` accepts,
 * looking again as the log grows; fails if `limitMs` passes first (the
 * test's own bound, not a wait for something to happen).
 */
async function logged(
  server: TestServer,
  from: number,
  pred: (l: Record<string, unknown>) => boolean,
  count = 1,
  limitMs = 120_000,
): Promise<Array<Record<string, unknown>>> {
  const until = Date.now() + limitMs;
  for (;;) {
    const found = server.logLines().slice(from).filter(pred);
    if (found.length >= count) return found.slice(0, count);
    if (Date.now() > until) throw new Error(`fewer than ${count} such log lines within ${limitMs} ms; the log:\n${server.log.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A node that holds as many sessions as it can, each asking for a restore
 * of its latest backup and then reading nothing of it (its socket paused),
 * though it sends keep-alives all the while; a session the server closes is
 * opened again.
 */
class Staller {
  readonly sockets = new Set<tls.TLSSocket>();
  /** Refusals at hello. */
  readonly refusals: string[] = [];
  private stopped = false;

  constructor(
    private readonly server: TestServer,
    private readonly pki: TestPki,
    readonly name: string,
    private readonly target: number,
    /** Where its data lies (its backup holds `big` there). */
    private readonly data: string,
  ) {}

  /** Opens sessions until it holds `target` or the server refuses one. */
  async topUp(): Promise<void> {
    while (!this.stopped && this.sockets.size < this.target) {
      let c: { socket: tls.TLSSocket; conn: FramedConnection };
      try {
        c = await rawSession(this.server, this.name, this.pki.client(this.name));
      } catch (err) {
        this.refusals.push((err as Error).message);
        return;
      }
      const { socket, conn } = c;
      this.sockets.add(socket);
      socket.once('close', () => {
        this.sockets.delete(socket);
        void this.topUp();
      });
      // A restore of its 40 MB file asked for as a node asks, then not a byte of it read.
      await askRestoreOf(conn, path.join(this.data, 'big')).catch(() => undefined);
      socket.pause(); // never reads a byte of it
      conn.keepAlive(1000); // ...but is never silent
    }
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.sockets) s.destroy();
  }
}

describe('authenticated nodes stalling restores they never read (shipped max_children 5, max_sessions_per_client 4, stall_share_timeout 15)', () => {
  const { root, pki, server } = useServer('stalled-slots', { clients: { alice: [], bob: [], honest: [] } });

  test('two nodes holding every slot with 40 MB restores they read nothing of: a third node backs up, lists and restores; stalled sessions give way, each told why', async () => {
    // Each staller has a backup far larger than the socket buffers of both ends: a restore of it cannot all be buffered.
    for (const name of ['alice', 'bob']) {
      const data = path.join(root, `${name}-data`);
      fs.mkdirSync(data);
      fs.writeFileSync(path.join(data, 'big'), new SeededRandom(name).bytes(40 * 1024 * 1024));
      const conf = writeNodeConf(path.join(root, `${name}-conf`), server, { cname: name, cert: pki.client(name), include: [data] });
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    }
    const from = server.logLines().length;
    const alice = new Staller(server, pki, 'alice', 4, path.join(root, 'alice-data'));
    const bob = new Staller(server, pki, 'bob', 4, path.join(root, 'bob-data'));
    try {
      // Alice takes four of the five slots, bob the fifth: each runs a restore its node reads nothing of.
      await alice.topUp();
      await logged(server, from, (l) => l.client === 'alice' && l.msg === 'restore started', 4);
      await bob.topUp();
      await logged(server, from, (l) => l.client === 'bob' && l.msg === 'restore started');

      await backupListRestore(root, honestNode(root, server, pki, 'honest'));

      // The honest node's slots came from stalled sessions of nodes holding more than it, each told why.
      const evictions = server
        .logLines()
        .slice(from)
        .filter((l) => l.msg === 'stalled session closed for another node');
      expect(evictions.filter((l) => l.for === 'honest').length).toBeGreaterThan(0);
      for (const l of evictions) {
        expect(l.client).toMatch(/^(alice|bob)$/);
        expect(l.why).toMatch(
          /^session closed to make room for another node: its peer had taken nothing of what was sent to it for (1[5-9]|[2-9]\d|\d{3,}) s \(stall_share_timeout=15\) while client (alice|bob) held [1-4] of the 5 agent slots \(max_children\) and another node waited; connect again when this node can take what it asks for$/,
        );
      }
      // Never more agents than slots, however many waited and were woken together.
      for (const m of server.log.matchAll(/(\d+) agents connected \(max_children=5\)/g)) expect(Number(m[1])).toBeLessThanOrEqual(5);
      // The honest node's own sessions, which read what they asked for, were never taken.
      expect(server.logLines().filter((l) => l.client === 'honest' && /closed for another node/.test(String(l.msg)))).toEqual([]);
    } finally {
      alice.stop();
      bob.stop();
    }
  }, 240_000);
});

describe('idle sessions end (session_idle_timeout = 5)', () => {
  const { server, pki } = useServer('idle-sessions', { clients: { lister: [], sleeper: [], worker: [] }, conf: ['session_idle_timeout = 5'] });

  test('a session that only lists, or does nothing, is closed with the reason; one running a backup is not', async () => {
    const worker = await rawSession(server, 'worker', pki.client('worker'));
    await worker.conn.send({ beginBackup: {} });
    const started = await readUntil(worker.conn, (m) => m.msg === 'backupStarted' || m.msg === 'error');
    expect(started?.msg).toBe('backupStarted');

    const lister = await rawSession(server, 'lister', pki.client('lister'));
    const sleeper = await rawSession(server, 'sleeper', pki.client('sleeper'));
    // The lister lists as soon as each answer comes, and keeps at it until the server closes it.
    let lists = 0;
    const listerEnd = (async () => {
      for (;;) {
        await lister.conn.send({ listRequest: {} }).catch(() => undefined);
        const m = await readUntil(lister.conn, (x) => x.msg === 'backupList' || x.msg === 'error');
        if (m?.msg !== 'backupList') return m?.error?.message;
        lists++;
      }
    })();
    const sleeperEnd = readUntil(sleeper.conn, (m) => m.msg === 'error').then((m) => m?.error?.message);
    const reason =
      'session closed: no backup, restore or verify for 5 s (session_idle_timeout); lists alone do not hold a slot, connect again when there is work';
    expect(await listerEnd).toBe(reason);
    expect(await sleeperEnd).toBe(reason);
    expect(lists).toBeGreaterThan(0);

    // The backup begun before both, silent as long as they were, was not cut: it commits.
    await worker.conn.send({ endBackup: { root: await sendTree(worker.conn, []) } });
    const done = await readUntil(worker.conn, (m) => m.msg === 'backupDone' || m.msg === 'error');
    expect(done?.error?.message ?? 'done').toBe('done');
    expect(done?.backupDone?.backup?.status).toBe('available');
    worker.socket.destroy();
  }, 60_000);
});

/**
 * A status connection from `from` that sends a request line and one header,
 * then nothing. `answer` resolves, once the server closes it, to what the
 * server said ('' for nothing).
 */
function slowStatusConnection(port: number, from: string): { socket: net.Socket; answer: Promise<string> } {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress: from });
  let answer = '';
  socket.on('data', (d: Buffer) => (answer += d.toString()));
  socket.on('error', () => undefined);
  socket.once('connect', () => socket.write('GET /status HTTP/1.1\r\nHost: status\r\n'));
  return { socket, answer: new Promise((resolve) => socket.once('close', () => resolve(answer))) };
}

/** One whole request from `from`: its status code and body (0 and '' when the connection was closed without an answer). */
function statusRequest(port: number, from: string, url: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: from }, () =>
      socket.end(`GET ${url} HTTP/1.1\r\nHost: status\r\nConnection: close\r\n\r\n`),
    );
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      const m = /^HTTP\/1\.1 (\d+)/.exec(text);
      resolve({ code: m ? Number(m[1]) : 0, body: m ? text.slice(text.indexOf('\r\n\r\n') + 4) : '' });
    });
  });
}

/** Prometheus text through curl, a real scraper: its HTTP code and body. */
function scrape(port: number): { code: number; body: string } {
  const out = execFileSync('curl', ['-s', '-w', '\n%{http_code}', `http://127.0.0.1:${port}/metrics`], { encoding: 'utf8' });
  const cut = out.lastIndexOf('\n');
  return { code: Number(out.slice(cut + 1)), body: out.slice(0, cut) };
}

describe('a flood of slow connections to the status port (cpsbackupd under RLIMIT_NOFILE 600)', () => {
  const { root, pki, server } = useServer('status-flood', { clients: { honest: [] }, status: true, openFiles: 600 });

  test('800 slow requests from five addresses: 4 held per address, 16 in all, the rest refused 503; backups and restores served; slow ones cut', async () => {
    const attackers = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'];
    let flooding = true;
    const replacements: Array<Promise<string>> = [];
    /** The attacker opens a connection again each time the server cuts one it held. */
    const open = (from: string) => {
      const c = slowStatusConnection(server.statusPort, from);
      void c.answer.then((text) => {
        if (flooding && text === '') replacements.push(open(from).answer);
      });
      return c;
    };
    const flood = attackers.flatMap((from) => Array.from({ length: 160 }, () => ({ from, ...open(from) })));
    try {
      // A whole request from each attacking address after its 160: the server took every one of them before it.
      for (const p of await Promise.all(attackers.map((from) => statusRequest(server.statusPort, from, '/health')))) {
        expect(p).toMatchObject({ code: 503 });
        expect(p.body).toMatch(/^too many status connections \(max_status_children(_per_address=4|=16)\); try again in a few seconds\n$/);
      }
      // A real scraper during the flood is refused cleanly (the flood holds the port's whole share)...
      const during = scrape(server.statusPort);
      expect(during).toEqual({ code: 503, body: 'too many status connections (max_status_children=16); try again in a few seconds\n' });

      // ...while the honest node backs up, lists and restores: the flood never reaches the descriptors the store and the agent port need.
      await backupListRestore(root, honestNode(root, server, pki, 'honest'));
    } finally {
      flooding = false;
    }
    // Slow requests are cut (status_timeout): every connection the server held is closed unanswered; every other was refused 503.
    const answers = await Promise.all(flood.map((f) => f.answer));
    await Promise.all(replacements);
    const held: Record<string, number> = {};
    answers.forEach((text, i) => {
      if (text === '') held[flood[i]!.from] = (held[flood[i]!.from] ?? 0) + 1;
      else expect(text).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    });
    expect(Object.values(held).reduce((a, b) => a + b, 0)).toBe(16);
    for (const n of Object.values(held)) expect(n).toBeLessThanOrEqual(4);
    // The flood over, the scraper is answered.
    const after = scrape(server.statusPort);
    expect(after.code).toBe(200);
    expect(after.body).toContain('cpsbackup_client_backups_succeeded_total{client="honest"} 1');
  }, 120_000);
});

/**
 * TCP connections to the agent port that never begin TLS: `perAddress` from
 * each of `sources` held at once, each the server closes opened again at
 * once, until stopped.
 */
class HandshakeFlood {
  readonly sockets = new Set<net.Socket>();
  /** Connections the server closed. */
  closedByServer = 0;
  private stopped = false;

  /** `tls`: each connection completes TLS with this certificate, then says nothing (no hello). */
  constructor(
    private readonly port: number,
    sources: string[],
    perAddress: number,
    private readonly tlsWith?: { cert: string; key: string; ca: string },
  ) {
    for (const from of sources) for (let i = 0; i < perAddress; i++) this.open(from);
  }

  private open(from: string): void {
    const raw = net.connect({ host: '127.0.0.1', port: this.port, localAddress: from });
    raw.on('error', () => undefined);
    const s = this.tlsWith
      ? tls.connect({
          socket: raw,
          cert: fs.readFileSync(this.tlsWith.cert),
          key: fs.readFileSync(this.tlsWith.key),
          ca: fs.readFileSync(this.tlsWith.ca),
          checkServerIdentity: () => undefined,
        })
      : raw;
    s.on('error', () => undefined);
    this.sockets.add(s);
    s.once('close', () => {
      this.sockets.delete(s);
      if (this.stopped) return;
      this.closedByServer++;
      setImmediate(() => this.open(from));
    });
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.sockets) s.destroy();
  }
}

describe('a flood of TCP connections that never begin TLS (cpsbackupd under RLIMIT_NOFILE 300)', () => {
  const { root, pki, server } = useServer('handshake-flood', {
    clients: { honest: [], newbie: ['password = newbie-pass'] },
    conf: (p) => [`ca_key = ${p.writeCaKey()}`],
    openFiles: 300,
  });

  test('30 addresses holding 32 each and reconnecting as soon as cut: a node backs up, lists and restores bit-exact, and a new node enrols', async () => {
    const budget = server.logLines().find((l) => l.msg === 'descriptor budget')!;
    const sources = Array.from({ length: 30 }, (_, i) => `127.0.2.${i + 1}`);
    // Far more than the agent port's share of descriptors.
    expect(Number(budget.agents)).toBeLessThan(sources.length * 32);
    const flood = new HandshakeFlood(server.port, sources, 32);
    try {
      // The flood has filled what the port holds: the server is closing connections.
      const cutBefore = await new Promise<number>((resolve) => {
        const look = setInterval(() => flood.closedByServer > 0 && (clearInterval(look), resolve(flood.closedByServer)), 20);
      });

      await backupListRestore(root, honestNode(root, server, pki, 'honest'));
      const dir = path.join(root, 'newbie');
      const conf = writeNodeConf(dir, server, { cname: 'newbie', cert: { cert: path.join(dir, 'c.pem'), key: path.join(dir, 'c.key') }, include: [] });
      const enrol = await runCli(['-c', conf, '--enrol', '--password', 'newbie-pass']);
      expect({ code: enrol.code, stderr: enrol.stderr }).toEqual({ code: 0, stderr: '' });
      const list = await runCli(['-c', conf, '-l']);
      expect({ code: list.code, stderr: list.stderr }).toEqual({ code: 0, stderr: '' });

      // The flood ran throughout: the server went on closing its connections.
      expect(flood.closedByServer).toBeGreaterThan(cutBefore);
    } finally {
      flood.stop();
    }
  }, 240_000);
});

describe('connections that finish TLS with a certificate our CA signed, a revoked one, and never say hello', () => {
  const { root, pki, server } = useServer('tls-idle-flood', {
    clients: { honest: [], newbie: ['password = newbie-pass'], gone: [] },
    conf: (p) => [`ca_key = ${p.writeCaKey()}`],
  });

  test('5 addresses holding 32 each (every place not yet authenticated) and reconnecting: a node backs up, lists and restores, and a new node enrols', async () => {
    const revoked = pki.client('gone');
    expect(spawnSync(process.execPath, [SERVER_BIN, '-c', server.confFile, '--revoke-cert', revoked.cert], { encoding: 'utf8' }).status).toBe(0);
    const sources = Array.from({ length: 5 }, (_, i) => `127.0.3.${i + 1}`);
    const flood = new HandshakeFlood(server.port, sources, 32, { ...revoked, ca: pki.caFile });
    try {
      const cutBefore = await new Promise<number>((resolve) => {
        const look = setInterval(() => flood.closedByServer > 0 && (clearInterval(look), resolve(flood.closedByServer)), 20);
      });
      await backupListRestore(root, honestNode(root, server, pki, 'honest'));
      const dir = path.join(root, 'newbie');
      const conf = writeNodeConf(dir, server, { cname: 'newbie', cert: { cert: path.join(dir, 'c.pem'), key: path.join(dir, 'c.key') }, include: [] });
      const enrol = await runCli(['-c', conf, '--enrol', '--password', 'newbie-pass']);
      expect({ code: enrol.code, stderr: enrol.stderr }).toEqual({ code: 0, stderr: '' });
      expect(flood.closedByServer).toBeGreaterThan(cutBefore);
    } finally {
      flood.stop();
    }
  }, 240_000);
});

describe('a connection the server closes before TLS (max_connections_per_address = 1)', () => {
  // Handshake deadlines far beyond the test: the held connection is held however slowly the CLI starts.
  const { root, pki, server } = useServer('closed-before-tls', {
    clients: { honest: [] },
    conf: ['max_connections_per_address = 1', 'handshake_timeout = 600', 'auth_timeout = 600'],
  });

  test('the CLI says the server may be busy or refusing connections, and exits 7 as for BUSY', async () => {
    const conf = writeNodeConf(root, server, { cname: 'honest', cert: pki.client('honest'), include: [] });
    // 127.0.0.1 holds its one connection not yet authenticated: one that never begins TLS, accepted before the CLI's.
    const held = net.connect({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.1' });
    held.on('error', () => undefined);
    await new Promise((resolve) => held.once('connect', resolve));
    let heldOpen = true;
    held.once('close', () => (heldOpen = false));
    try {
      const r = await runCli(['-c', conf, '-l']);
      expect(heldOpen).toBe(true); // still held when the CLI ended: it was held when the CLI connected
      expect(r.code).toBe(7);
      expect(r.stderr).toMatch(
        /cpsbackupd at 127\.0\.0\.1:\d+ closed the connection before TLS was established: the server may be busy or refusing connections \(too many at once, or from this address\); try again later/,
      );
    } finally {
      held.destroy();
    }
  });
});
