/**
 * Hostile peers driving the protocol by hand: floods of every message type,
 * oversized fields, frames built to decode into millions of objects. Each
 * case runs beside an honest node's real backup, which must succeed and
 * restore bit-exact, and checks the server's peak memory stays bounded.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { cpsbackup, encodeFrame, FramedConnection, PROTOCOL_VERSION } from '@cpsbackup/protocol';
import { compareWalkOrder } from '@cpsbackup/format';
import { fileEntry, SeededRandom } from '@cpsbackup/testkit';
import { listingChunkOf, peakRssOf, rawConnect, rawSession, readUntil, sendTree, runCli, snapshotTree, writeNodeConf, useServer } from '@cpsbackup/testkit/e2e';

/** Peak memory the server may gain over the whole suite, floods included. */
const MEMORY_BUDGET = 250e6;

describe('hostile peers: floods, oversized fields, bounded memory', () => {
  const { root, pki, server } = useServer('hostile-peers', {
    quiet: true,
    // A flood takes as long as the machine's load makes it: no session may be closed for idling meanwhile (a
    // session of refused deletes does no work), nor a silent one dropped, or its sentinel goes unanswered. Nor may
    // the storage's lease lapse: 2,000 deletes of a backup, each a record written and synced, on a loaded disk kept a
    // renewal from landing within its 25 s, and the lapsed lease refused the rest (the lease is not under test here).
    conf: ['session_idle_timeout = 3600', 'idle_timeout = 3600', 'storage_lease = 3600'],
    clients: { flooder: [], honest: [], namer: [], victim: [], prober: [], capped: ['quota_bytes = 1M'] },
  });
  let baselinePeak = 0;
  let lastPeak = 0;
  let honestRuns = 0;
  beforeAll(() => (baselinePeak = lastPeak = peakRssOf(server.pid)));
  // (The server is stopped by the time afterAll hooks run: the peak is read after each attack.)
  afterAll(() =>
    console.log(
      `hostile peers: server peak RSS ${(baselinePeak / 1e6).toFixed(0)} -> ${(lastPeak / 1e6).toFixed(0)} MB over every flood, ${honestRuns} honest backups beside them restored bit-exact`,
    ),
  );

  /** Runs `attack` while an honest node backs up new data; the honest backup must succeed and restore exactly. */
  async function besideHonestBackup(attack: () => Promise<void>): Promise<void> {
    const run = ++honestRuns;
    const data = path.join(root, `honest-${run}`);
    fs.mkdirSync(data);
    const rnd = new SeededRandom(`honest-${run}`);
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(data, `f${i}`), rnd.bytes(200_000 + i));
    const conf = writeNodeConf(path.join(root, `honest-conf-${run}`), server, { cname: 'honest', cert: pki.client('honest'), include: [data] });
    const [honest] = await Promise.all([runCli(['-c', conf, '-e']), attack()]);
    expect(honest.stderr).toBe('');
    expect(honest.code).toBe(0);
    const to = path.join(root, `honest-restore-${run}`);
    expect((await runCli(['-c', conf, '-i', '--to', to])).code).toBe(0);
    expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
    lastPeak = peakRssOf(server.pid);
    expect(lastPeak - baselinePeak).toBeLessThan(MEMORY_BUDGET);
    expect(server.logLines().filter((l) => l.msg === 'session crashed')).toEqual([]);
  }

  async function beginBackup(conn: FramedConnection, begin: cpsbackup.BeginBackup.$Properties = {}): Promise<void> {
    await conn.send({ beginBackup: begin });
    const started = await readUntil(conn, (m) => m.msg === 'backupStarted' || m.msg === 'error');
    if (started?.msg !== 'backupStarted') throw new Error(`backup not started: ${started?.error?.message}`);
  }

  test('100,000 warnings of 4 KiB: the first 200 are kept and the rest counted, and the client can still list', async () => {
    await besideHonestBackup(async () => {
      const { socket, conn } = await rawSession(server, 'flooder', pki.client('flooder'));
      await beginBackup(conn);
      const warning = encodeFrame({ warning: { message: 'w'.repeat(4096) } });
      const batch = Buffer.concat(Array.from({ length: 1000 }, () => warning));
      for (let i = 0; i < 100; i++) if (!socket.write(batch)) await new Promise((r) => socket.once('drain', r));
      await conn.send({ endBackup: {} });
      const done = await readUntil(conn, (m) => m.msg === 'backupDone' || m.msg === 'error');
      expect(done?.msg).toBe('backupDone');
      const warnings = done!.backupDone!.backup!.warnings!;
      expect(warnings).toHaveLength(201);
      expect(warnings[0]!.length).toBeLessThanOrEqual(1025);
      expect(warnings[200]).toBe('… and 99800 more warnings (only the first 200 are kept)');
      socket.destroy();
    });
    const conf = writeNodeConf(root, server, { cname: 'flooder', cert: pki.client('flooder'), include: [] });
    const list = await runCli(['-c', conf, '-l', '--json']);
    expect(list.code).toBe(0);
    const backups = JSON.parse(list.stdout).backups;
    expect(backups[0].warnings).toHaveLength(5); // a list carries a few, and the count
    expect(backups[0].warningCount).toBe(201);
  }, 180_000);

  test('a name or description over its bound is refused with the bound named; a 16 MiB one never reaches the decoder', async () => {
    const { conn } = await rawSession(server, 'namer', pki.client('namer'));
    await conn.send({ beginBackup: { name: 'n'.repeat(201) } });
    let answer = await readUntil(conn, (m) => m.msg === 'error');
    expect(answer!.error!.code).toBe('PROTOCOL');
    expect(answer!.error!.message).toBe('backup name of 201 characters refused (at most 200)');
    await conn.send({ beginBackup: { name: 'ok', description: 'd'.repeat(4001) } });
    answer = await readUntil(conn, (m) => m.msg === 'error');
    expect(answer!.error!.message).toBe('backup description of 4001 characters refused (at most 4000)');
    await conn.send({ labelRequest: { number: 1, name: 'x'.repeat(300) } });
    answer = await readUntil(conn, (m) => m.msg === 'error');
    expect(answer!.error!.message).toBe('backup name of 300 characters refused (at most 200)');
    await conn.send({ beginBackup: { name: 'n'.repeat(16 * 1024 * 1024) } });
    answer = await readUntil(conn, (m) => m.msg === 'error');
    expect(answer!.error!.message).toMatch(/^beginBackup message of \d+ bytes refused \(at most 65536\)$/);
    // The session goes on, and nothing was recorded.
    await conn.send({ listRequest: {} });
    const list = await readUntil(conn, (m) => m.msg === 'backupList');
    expect(list!.backupList!.backups ?? []).toEqual([]);
    const conf = writeNodeConf(root, server, { cname: 'namer', cert: pki.client('namer'), include: [], extra: [] });
    const cli = await runCli(['-c', conf, '-e', '--name', 'n'.repeat(201)]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('--name is 201 characters; at most 200');
  });

  test("a backup's summary says nothing of what other clients store: guessing another client's PIN file learns nothing", async () => {
    const victimData = path.join(root, 'victim-data');
    fs.mkdirSync(victimData);
    const pinFile = (pin: number) => Buffer.from(`[bank]\npin = ${String(pin).padStart(4, '0')}\n`);
    fs.writeFileSync(path.join(victimData, 'pin.conf'), pinFile(4711));
    const victimConf = writeNodeConf(path.join(root, 'victim'), server, { cname: 'victim', cert: pki.client('victim'), include: [victimData] });
    expect((await runCli(['-c', victimConf, '-e'])).code).toBe(0);

    /** The prober's one-file backup of `content`, by hand: what the server says of it. */
    const probe = async (content: Buffer) => {
      const { socket, conn } = await rawSession(server, 'prober', pki.client('prober'));
      await beginBackup(conn);
      const id = createHash('sha256').update(content).digest();
      await conn.send({ missingQuery: { queryId: 1, ids: [id] } });
      const reply = await readUntil(conn, (m) => m.msg === 'missingReply');
      const missing = reply!.missingReply!.missing!;
      if (missing.length) await conn.send({ chunk: { id, codec: 0, rawLength: content.length, payload: content } });
      const root = await sendTree(conn, [fileEntry('/probe/pin.conf', [id], content.length)]);
      await conn.send({ endBackup: { root } });
      const done = await readUntil(conn, (m) => m.msg === 'backupDone' || m.msg === 'error');
      socket.destroy();
      const b = done!.backupDone!.backup!;
      return { missing, newChunks: Number(b.newChunks), newRawBytes: Number(b.newRawBytes), newStoredBytes: Number(b.newStoredBytes) };
    };
    let wrong: Awaited<ReturnType<typeof probe>> | undefined;
    let right: Awaited<ReturnType<typeof probe>> | undefined;
    await besideHonestBackup(async () => {
      wrong = await probe(pinFile(1234));
      right = await probe(pinFile(4711));
    });
    if (!right || !wrong) throw new Error('the probes did not run');
    expect(right).toEqual(wrong);
    expect(right.missing).toEqual([0]); // "send it": the prober's group never had it
    expect(right.newChunks).toBe(2); // the file and its listing, as for any new file
  });

  test('quota_bytes counts what entries store: a backup of long paths and link targets alone is stopped', async () => {
    await besideHonestBackup(() => quotaAttack());
    const conf = writeNodeConf(root, server, { cname: 'capped', cert: pki.client('capped'), include: [] });
    const list = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout);
    expect(list.backups.map((b: { status: string }) => b.status)).toEqual(['error']);
    // What it did store counts against it until GC reclaims it: the next backup is refused up front.
    expect(list.usage.storedBytes).toBeGreaterThan(1024 * 1024);
    expect(list.usage.storedBytes).toBeLessThan(1024 * 1024 + 18 * 1024 * 1024); // at most one message over
    const again = await runCli(['-c', conf, '-e']);
    expect(again.code).toBe(8);
    expect(again.stderr).toMatch(/quota reached/);
  }, 120_000);

  async function quotaAttack(): Promise<void> {
    const { socket, conn } = await rawSession(server, 'capped', pki.client('capped'));
    await beginBackup(conn);
    const rnd = new SeededRandom('paths');
    let refused: string | undefined;
    for (let batch = 0; batch < 200 && !refused; batch++) {
      const entries = Array.from({ length: 100 }, (_, i) => {
        const e = fileEntry(`/${rnd.bytes(3000).toString('hex')}/${batch}-${i}`, [], 0);
        e.type = 3; // a symlink with a long target
        e.linkTarget = Buffer.from(rnd.bytes(3000).toString('hex'));
        return e;
      }).sort((a, b) => compareWalkOrder(a.path, b.path));
      try {
        await conn.send({ listingChunk: listingChunkOf(entries) });
      } catch {
        break; // cut off
      }
      const err = conn.peerError();
      if (err) refused = err.error!.message!;
    }
    refused ??= (await readUntil(conn, (m) => m.msg === 'error'))?.error?.message ?? undefined;
    expect(refused).toMatch(/^quota exceeded during the backup: client capped would store more than 1\.0 MiB \(quota_bytes\)/);
    socket.destroy();
  }

  test('frames built to decode into millions of objects are refused before decoding', async () => {
    await besideHonestBackup(async () => {
      const { socket, conn } = await rawSession(server, 'flooder', pki.client('flooder'));
      // A missing-query of 150,000 empty ids (2 bytes each): within its size bound, refused by count.
      const emptyIds = encodeFrame({ missingQuery: { queryId: 1, ids: Array.from({ length: 150_000 }, () => Buffer.alloc(0)) } });
      // 8 MiB of empty ids: over the missing-query size bound, never decoded.
      const huge = encodeFrame({ missingQuery: { queryId: 2, ids: Array.from({ length: 4_000_000 }, () => Buffer.alloc(0)) } });
      // A chunk frame smuggling a second message: not exactly one message.
      const chunk = cpsbackup.Envelope.encode({ chunk: { id: Buffer.alloc(32), payload: Buffer.alloc(10) } }).finish();
      const extra = cpsbackup.Envelope.encode({ missingQuery: { ids: Array.from({ length: 1000 }, () => Buffer.alloc(0)) } }).finish();
      const smuggled = Buffer.concat([Buffer.alloc(4), chunk, extra]);
      smuggled.writeUInt32BE(chunk.length + extra.length);
      await beginBackup(conn);
      for (let i = 0; i < 50; i++) socket.write(emptyIds);
      socket.write(huge);
      socket.write(smuggled);
      const errors: string[] = [];
      while (errors.length < 52) {
        const m = await readUntil(conn, (x) => x.msg === 'error');
        if (!m) break;
        errors.push(m.error!.message!);
      }
      expect(errors.slice(0, 50)).toEqual(Array.from({ length: 50 }, () => 'missingQuery message of more than 8193 fields refused'));
      expect(errors).toContainEqual(expect.stringMatching(/^missingQuery message of \d+ bytes refused \(at most 327680\)$/));
      expect(errors).toContain('frame is not exactly one message');
      socket.destroy();
    });
  }, 120_000);

  test('floods of every message type, valid and at their largest, leave the honest node unharmed', async () => {
    const ids = Array.from({ length: 8192 }, (_, i) => createHash('sha256').update(String(i)).digest());
    const samples: cpsbackup.Envelope.$Properties[] = [
      { hello: { protocolVersion: PROTOCOL_VERSION, clientName: 'honest' } },
      { listRequest: {} },
      { beginBackup: { name: 'b'.repeat(200), description: 'd'.repeat(4000) } },
      { missingQuery: { queryId: 7, ids } },
      { chunk: { id: ids[0], codec: 0, rawLength: 5, payload: Buffer.from('hello') } },
      { listingChunk: listingChunkOf(Array.from({ length: 2000 }, (_, i) => fileEntry(`/x/${String(i).padStart(4, '0')}`, [], 0))) },
      { warning: { message: 'w'.repeat(4096) } },
      { restoreRequest: { number: 0, metadataOnly: true } },
      { deleteRequest: { number: 99 } },
      { labelRequest: { number: 99, name: 'n'.repeat(200) } },
      { verifyRequest: { number: 99 } },
      { abortBackup: { reason: 'r'.repeat(10000) } },
      { endBackup: {} },
      { enrolRequest: { clientName: 'honest', password: 'x' } },
    ];
    await besideHonestBackup(async () => {
      for (const sample of samples) {
        const { socket, conn } = await rawSession(server, 'flooder', pki.client('flooder'));
        const frame = encodeFrame(sample);
        const copies = Math.max(50, Math.min(2000, Math.floor(40e6 / frame.length)));
        socket.write(Buffer.concat(Array.from({ length: copies }, () => frame)));
        // An in-order sentinel: once it is answered, every copy was handled.
        // (Twice: if the flood left a backup running, the first only ends it.)
        const sentinel = encodeFrame({ labelRequest: { number: 424242 } });
        socket.write(Buffer.concat([sentinel, sentinel]));
        const seen = await readUntil(conn, (m) => m.msg === 'error' && (m.error!.message ?? '').includes('424242'));
        expect({ kind: Object.keys(sample)[0], seen: !!seen }).toEqual({ kind: Object.keys(sample)[0], seen: true });
        socket.destroy();
      }
    });
  }, 300_000);
});

describe('hostile peers: slots, deadlines and per-address budgets', () => {
  const { root, pki, server } = useServer('hostile-slots', {
    quiet: true,
    conf: [
      'max_children = 3',
      'max_sessions_per_client = 2',
      'max_unauthenticated = 3',
      'max_connections_per_address = 8',
      'auth_timeout = 2',
      'unauthenticated_timeout = 3',
      'idle_timeout = 5',
    ],
    clients: { honest: [], greedy: [] },
  });
  let honestConf: string;
  beforeAll(() => (honestConf = writeNodeConf(root, server, { cname: 'honest', cert: pki.client('honest'), include: [] })));

  /** A TLS connection from `localAddress` (another loopback address), with or without a client certificate. */
  function connectFrom(localAddress: string, cert?: { cert: string; key: string }): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const s = tls.connect(
        {
          host: '127.0.0.1',
          port: server.port,
          // Passed down to the TCP socket (node's tls typings omit it).
          ...({ localAddress } as object),
          ca: fs.readFileSync(pki.caFile),
          ...(cert ? { cert: fs.readFileSync(cert.cert), key: fs.readFileSync(cert.key) } : {}),
          checkServerIdentity: () => undefined,
        },
        () => resolve(s),
      );
      s.once('error', reject);
    });
  }

  const closed = (s: net.Socket) => new Promise<number>((resolve) => (s.destroyed ? resolve(Date.now()) : s.once('close', () => resolve(Date.now()))));

  async function honestListWorks(): Promise<void> {
    const r = await runCli(['-c', honestConf, '-l', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }

  test('peers without a certificate trickling a byte a second hold no agent slot and are cut off at unauthenticated_timeout', async () => {
    const sockets: tls.TLSSocket[] = [];
    for (let i = 0; i < 6; i++) sockets.push(await connectFrom('127.0.0.2').catch(() => undefined as never));
    const alive = sockets.filter(Boolean);
    /** What the server sent each (its Error frame's text shows through the framing). */
    const said = alive.map(() => '');
    alive.forEach((s, i) => {
      s.on('error', () => undefined);
      s.on('data', (d: Buffer) => (said[i] += d.toString('latin1')));
    });
    const trickle = setInterval(() => alive.forEach((s) => !s.destroyed && s.write(Buffer.from([0]))), 1000);
    try {
      await honestListWorks();
      await honestListWorks();
      // Cut, whatever the machine's speed (a hang fails by the test's timeout), and told why: two fit their address's
      // share (max_unauthenticated_per_address) and are cut at unauthenticated_timeout; the others are told BUSY at once.
      await Promise.all(alive.map(closed));
      const why = said.map((text) => (/\(unauthenticated_timeout\)/.test(text) ? 'unauthenticated_timeout' : /BUSY/.test(text) ? 'BUSY' : text));
      expect(why.filter((w) => w === 'unauthenticated_timeout')).toHaveLength(2);
      expect(why.filter((w) => w !== 'unauthenticated_timeout')).toEqual(why.filter((w) => w === 'BUSY'));
    } finally {
      clearInterval(trickle);
    }
    await honestListWorks();
  });

  test('200 TCP connections that never start TLS: one address gets 8, the honest node is served, all are cut off', async () => {
    const raws = Array.from({ length: 200 }, () => net.connect({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.3' }));
    raws.forEach((s) => s.on('error', () => undefined));
    await honestListWorks();
    // All are cut (at auth_timeout, or at once beyond the address's share): a hang fails by the test's timeout.
    await Promise.all(raws.map(closed));
    await honestListWorks();
  });

  test('an authenticated peer trickling one frame is cut off at idle_timeout; one client cannot take every slot', async () => {
    const slow = await connectFrom('127.0.0.4', pki.client('greedy'));
    slow.on('error', () => undefined);
    const conn = new FramedConnection(slow);
    await conn.send({ hello: { protocolVersion: PROTOCOL_VERSION, clientName: 'greedy' } });
    expect((await conn.next()).msg).toBe('welcome');
    const frame = encodeFrame({ listRequest: {} });
    const header = Buffer.alloc(4);
    header.writeUInt32BE(100);
    slow.write(header); // a frame of 100 bytes, sent a byte a second
    const start = Date.now();
    const trickle = setInterval(() => !slow.destroyed && slow.write(frame.subarray(4, 5)), 1000);
    // Meanwhile a second session of the same client fits; a third is refused: the honest node still gets its slot.
    const second = await rawSession(server, 'greedy', pki.client('greedy'));
    const third = await rawConnect(server, pki.client('greedy'));
    await third.conn.send({ hello: { protocolVersion: PROTOCOL_VERSION, clientName: 'greedy' } });
    const refused = await readUntil(third.conn, (m) => m.msg === 'error');
    expect(refused!.error!.code).toBe('BUSY');
    expect(refused!.error!.message).toBe('client greedy already has 2 connections open (max_sessions_per_client=2); try again once they end');
    second.socket.destroy();
    try {
      await closed(slow);
      // Not before idle_timeout, although bytes kept arriving (a timer never fires early; how late is the machine's load).
      expect(Date.now() - start).toBeGreaterThanOrEqual(4500);
    } finally {
      clearInterval(trickle);
    }
    await honestListWorks();
  });
});
