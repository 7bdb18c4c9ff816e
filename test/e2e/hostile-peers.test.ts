/**
 * Hostile peers driving the protocol by hand: floods of every message type,
 * oversized fields, frames built to decode into millions of objects. Each
 * case runs beside an honest node's real backup, which must succeed and
 * restore bit-exact, and checks the server's peak memory stays bounded.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cpsbackup, encodeFrame, FramedConnection } from '@cpsbackup/protocol';
import { encodeEntryRecords } from '@cpsbackup/store/dist/shared';
import { fileEntry } from '@cpsbackup/store/dist/test-support/fixtures';
import { SeededRandom } from '@cpsbackup/testkit';
import { freePort, requireBuild, runCli, tempDir, TestPki, TestServer, writeNodeConf } from '../helpers/cluster';
import { peakRssOf, rawSession, readUntil } from '../helpers/raw-client';
import { snapshotTree } from '../helpers/tree';

/** Peak memory the server may gain over the whole suite, floods included. */
const MEMORY_BUDGET = 250e6;

describe('hostile peers: floods, oversized fields, bounded memory', () => {
  let root: string;
  let pki: TestPki;
  let server: TestServer;
  let baselinePeak = 0;
  let honestRuns = 0;

  beforeAll(async () => {
    requireBuild();
    root = tempDir('hostile-peers');
    pki = new TestPki(path.join(root, 'pki'));
    server = new TestServer(root, pki);
    server.logLevel = 'warn';
    for (const c of ['flooder', 'honest', 'namer']) server.addClient(c);
    await server.start(await freePort());
    baselinePeak = peakRssOf(server.pid);
  });
  afterAll(async () => {
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

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
    expect(peakRssOf(server.pid) - baselinePeak).toBeLessThan(MEMORY_BUDGET);
    expect(server.logLines().filter((l) => l.msg === 'session crashed')).toEqual([]);
  }

  async function beginBackup(conn: FramedConnection, begin: cpsbackup.BeginBackup.$Properties = {}): Promise<void> {
    await conn.send({ beginBackup: begin });
    const started = await readUntil(conn, (m) => (m.msg === 'previousEntries' && !!m.previousEntries!.last) || m.msg === 'error');
    if (started?.msg !== 'previousEntries') throw new Error(`backup not started: ${started?.error?.message}`);
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
      expect(errors.slice(0, 50).every((e) => e === 'missing-query of 150000 ids (max 8192)' || /no backup is running|unexpected/.test(e))).toBe(true);
      expect(errors).toContainEqual(expect.stringMatching(/^missingQuery message of \d+ bytes refused \(at most 327680\)$/));
      expect(errors).toContain('frame is not exactly one message');
      socket.destroy();
    });
  }, 120_000);

  test('floods of every message type, valid and at their largest, leave the honest node unharmed', async () => {
    const ids = Array.from({ length: 8192 }, (_, i) => createHash('sha256').update(String(i)).digest());
    const samples: cpsbackup.Envelope.$Properties[] = [
      { hello: { protocolVersion: 2, clientName: 'honest' } },
      { listRequest: {} },
      { beginBackup: { name: 'b'.repeat(200), description: 'd'.repeat(4000) } },
      { missingQuery: { queryId: 7, ids } },
      { chunk: { id: ids[0], codec: 0, rawLength: 5, payload: Buffer.from('hello') } },
      { entries: { records: encodeEntryRecords(Array.from({ length: 2000 }, (_, i) => fileEntry(`/x/${i}`, [], 0))) } },
      { warning: { message: 'w'.repeat(4096) } },
      { restoreRequest: { number: 0, metadataOnly: true, pathPrefixes: Array.from({ length: 1000 }, () => Buffer.from('/p')) } },
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
