import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type cpsbackup, encodeFrame } from '@cpsbackup/protocol';
import { encodeEntryRecords } from '@cpsbackup/format';
import { fileEntry, SeededRandom } from '@cpsbackup/testkit';
import { listingChunkOf, rawSession, readUntil, rssOf, runCli, snapshotTree, writeNodeConf, useServer } from '@cpsbackup/testkit/e2e';

const FUZZ_FRAMES = 100_000;

describe('hostile clients: poisoned chunks, fuzzed frames', () => {
  const { root, pki, server } = useServer('hostile', { quiet: true, clients: { liar: [], fuzzer: [], honest: [], victim: [], thief: [] } });

  test('a chunk that does not hash to its id is refused and logged; the liar gets an error', async () => {
    const { conn } = await rawSession(server, 'liar', pki.client('liar'));
    await conn.send({ beginBackup: {} });
    await readUntil(conn, (m) => m.msg === 'backupStarted');
    const claimed = createHash('sha256').update('what the victim stores').digest();
    await conn.send({ missingQuery: { queryId: 1, ids: [claimed] } });
    const reply = await readUntil(conn, (m) => m.msg === 'missingReply');
    expect(reply!.missingReply!.missing).toEqual([0]);
    await conn.send({ chunk: { id: claimed, codec: 0, rawLength: 9, payload: Buffer.from('malicious') } });
    const answer = await readUntil(conn, (m) => m.msg === 'error');
    expect(answer!.error!.code).toBe('CHUNK_REFUSED');
    expect(answer!.error!.message).toMatch(/does not hash to its claimed id [0-9a-f]{64}; refused/);
    expect(await readUntil(conn, () => false)).toBeUndefined(); // and the connection is closed
    const warned = server.logLines().find((l) => l.msg === 'chunk refused; backup aborted');
    expect(warned).toMatchObject({ client: 'liar' });
    const conf = writeNodeConf(root, server, { cname: 'liar', cert: pki.client('liar'), include: [] });
    const list = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout).backups;
    expect(list[0].status).toBe('error');
    expect(list[0].reason).toMatch(/CHUNK_REFUSED/);
  });

  test("naming another client's chunk in an entry is refused, and so are cut-off entry records", async () => {
    const secret = path.join(root, 'victim-data');
    fs.mkdirSync(secret);
    const content = Buffer.from('the victim keeps this to itself\n'.repeat(50));
    fs.writeFileSync(path.join(secret, 'secret.txt'), content);
    const victimConf = writeNodeConf(root, server, { cname: 'victim', cert: pki.client('victim'), include: [secret] });
    expect((await runCli(['-c', victimConf, '-e'])).code).toBe(0);
    const stolen = createHash('sha256').update(content).digest();

    const { conn } = await rawSession(server, 'thief', pki.client('thief'));
    await conn.send({ beginBackup: {} });
    await readUntil(conn, (m) => m.msg === 'backupStarted');
    await conn.send({ listingChunk: listingChunkOf([fileEntry('/loot.txt', [stolen], content.length)]) });
    const refused = await readUntil(conn, (m) => m.msg === 'error');
    expect(refused!.error!.code).toBe('PROTOCOL');
    expect(refused!.error!.message).toBe(`entry /loot.txt references chunk ${stolen.toString('hex')}, which was never sent`);

    await conn.send({ beginBackup: {} });
    await readUntil(conn, (m) => m.msg === 'backupStarted');
    const records = encodeEntryRecords([fileEntry('/a', [], 0), fileEntry('/b', [], 0)]);
    const cutOff = records.subarray(0, records.length - 3);
    const cutId = createHash('sha256').update(cutOff).digest();
    await conn.send({ listingChunk: { id: cutId, codec: 0, rawLength: cutOff.length, payload: cutOff } });
    const cut = await readUntil(conn, (m) => m.msg === 'error');
    expect(cut!.error!.code).toBe('PROTOCOL');
    expect(cut!.error!.message).toMatch(new RegExp(`^listing chunk ${cutId.toString('hex')} refused: .*cut off`));

    const thiefConf = writeNodeConf(root, server, { cname: 'thief', cert: pki.client('thief'), include: [] });
    const list = JSON.parse((await runCli(['-c', thiefConf, '-l', '--json'])).stdout).backups;
    expect(list.map((b: { status: string }) => b.status)).toEqual(['error', 'error']);
  });

  test(`${FUZZ_FRAMES} random and mutated frames: no crash, bounded memory, an honest backup unharmed`, async () => {
    const rnd = new SeededRandom('fuzz');
    const honestData = path.join(root, 'honest-data');
    fs.mkdirSync(honestData);
    for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(honestData, `f${i}`), rnd.bytes(1_000_000));
    const honestConf = writeNodeConf(root, server, { cname: 'honest', cert: pki.client('honest'), include: [honestData] });
    const rssBefore = rssOf(server.pid);

    // Valid messages of every kind, to mutate.
    const samples: Buffer[] = [
      { listRequest: {} },
      { beginBackup: { name: 'x' } },
      { missingQuery: { queryId: 7, ids: [Buffer.alloc(32, 1), Buffer.alloc(32, 2)] } },
      { chunk: { id: Buffer.alloc(32, 3), codec: 1, rawLength: 100, payload: Buffer.alloc(20, 9) } },
      { listingChunk: listingChunkOf([fileEntry('/etc/x', [Buffer.alloc(32, 4)], 5)]) },
      { endBackup: {} },
      { abortBackup: { reason: 'r' } },
      { restoreRequest: { number: 0, metadataOnly: true } },
      { deleteRequest: { number: 3 } },
      { labelRequest: { number: 1, name: 'n' } },
      { verifyRequest: { number: 5 } },
      { welcome: { protocolVersion: 1 } },
      { warning: { message: 'w' } },
    ].map((m) => encodeFrame(m as cpsbackup.Envelope.$Properties).subarray(4));

    const frame = (): Buffer => {
      const kind = rnd.below(10);
      let body: Buffer;
      if (kind < 3)
        body = rnd.bytes(1 + rnd.below(300)); // noise
      else if (kind < 8) {
        body = Buffer.from(samples[rnd.below(samples.length)]!);
        for (let f = 1 + rnd.below(4); f > 0; f--) body[rnd.below(body.length)]! ^= 1 << rnd.below(8); // bit flips
        if (rnd.below(4) === 0) body = body.subarray(0, rnd.below(body.length) + 1); // truncation
      } else body = samples[rnd.below(samples.length)]!; // well-formed but out of place
      const head = Buffer.alloc(4);
      head.writeUInt32BE(body.length);
      return Buffer.concat([head, body]);
    };

    const honestRun = runCli(['-c', honestConf, '-e', '--json']);
    let confirmed = 0;
    let connections = 0;
    let mark = 1_000_000_000;
    while (confirmed < FUZZ_FRAMES) {
      const { socket, conn } = await rawSession(server, 'fuzzer', pki.client('fuzzer'));
      connections++;
      // Batches, each confirmed processed by a sentinel the server must answer in order.
      for (let batch = 0; batch < 20 && confirmed < FUZZ_FRAMES; batch++) {
        const frames: Buffer[] = [];
        for (let i = 0; i < 250; i++) frames.push(frame());
        mark++;
        const sentinel = encodeFrame({ labelRequest: { number: mark } });
        socket.write(Buffer.concat([...frames, sentinel, sentinel]));
        const seen = await readUntil(conn, (m) => m.msg === 'error' && (m.error!.message ?? '').includes(String(mark)));
        if (!seen) break; // the server closed this connection (e.g. a refused chunk): unconfirmed frames do not count
        confirmed += frames.length;
      }
      // An oversized length prefix ends the connection before any allocation.
      const huge = Buffer.alloc(4);
      huge.writeUInt32BE(0xfffffff0);
      socket.write(huge);
      await readUntil(conn, () => false);
      socket.destroy();
    }

    const honest = await honestRun;
    expect(honest.stderr).toBe('');
    expect(honest.code).toBe(0);
    const to = path.join(root, 'honest-restore');
    expect((await runCli(['-c', honestConf, '-i', '--to', to])).code).toBe(0);
    expect(snapshotTree(path.join(to, honestData))).toEqual(snapshotTree(honestData));
    const verify = JSON.parse((await runCli(['-c', honestConf, '--verify', '--json'])).stdout);
    expect(verify.ok).toBe(true);

    const rssAfter = rssOf(server.pid);
    console.log(
      `fuzz: ${confirmed} frames confirmed processed over ${connections} connections; server RSS ${(rssBefore / 1e6).toFixed(0)} -> ${(rssAfter / 1e6).toFixed(0)} MB`,
    );
    expect(confirmed).toBeGreaterThanOrEqual(FUZZ_FRAMES);
    expect(rssAfter - rssBefore).toBeLessThan(150e6);
    expect(server.logLines().filter((l) => l.msg === 'session crashed')).toEqual([]);
  }, 300_000);
});
