/**
 * Encrypted nodes end to end (real cpsbackupd, real CLI): the server stores
 * what it cannot read, restores come back bit-exact, keys are recovered
 * with the passphrase alone, and every way a key, a passphrase or a stored
 * byte can be wrong is caught before a byte is written.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { randomBytes } from 'node:crypto';
import { ChunkKeys, formatKeyFile, parseKeyFile } from '@cpsbackup/crypto';
import { type Message } from '@cpsbackup/protocol';
import { CLI_BIN, rawSession, readUntil, runCli, snapshotTree, useServer, writeNodeConf, directoriesOnTheWay } from '@cpsbackup/testkit/e2e';
import { spawnSync } from 'node:child_process';

const MARKERS = {
  content: 'CONTENT-MARKER-5d1c0e9a',
  name: 'NAME-MARKER-8b2f41c7',
  dir: 'DIR-MARKER-a3e9d205',
  link: 'LINK-MARKER-6c07f1b3',
};
const PASSPHRASE = 'correct horse battery staple 42';

function buildTree(root: string): void {
  const rnd = new SeededRandom('enc');
  fs.mkdirSync(path.join(root, MARKERS.dir, 'deeper'), { recursive: true });
  // The content marker inside incompressible bytes (no compression can hide it), and in text.
  const big = rnd.bytes(2_000_000);
  Buffer.from(MARKERS.content).copy(big, 1_234_567);
  fs.writeFileSync(path.join(root, MARKERS.dir, 'big.bin'), big);
  fs.writeFileSync(path.join(root, MARKERS.dir, 'deeper', `${MARKERS.name}.txt`), `${MARKERS.content}\n`.repeat(50));
  for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(root, MARKERS.dir, `small-${i}`), rnd.bytes(100 + i * 7));
  fs.symlinkSync(`/etc/${MARKERS.link}`, path.join(root, 'a-link'));
  fs.writeFileSync(path.join(root, 'same-1'), rnd.bytes(70_000));
  fs.copyFileSync(path.join(root, 'same-1'), path.join(root, 'same-2'));
}

/**
 * Runs the CLI on a pseudo-terminal (python's pty), typing each answer once
 * a passphrase prompt shows: what a person at a terminal does.
 */
function runCliOnTerminal(args: string[], answers: string[]): { code: number; output: string } {
  const driver = `
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b''
for a in ${JSON.stringify(answers)}:
    buf, t0 = b'', time.time()
    while b'assphrase' not in buf and time.time() - t0 < 30:
        try:
            buf += os.read(fd, 4096)
        except OSError:
            break
    out += buf
    os.write(fd, (a + '\\r').encode())
while True:
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d:
        break
    out += d
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace'))
sys.exit(os.waitstatus_to_exitcode(status))
`;
  const r = spawnSync('python3', ['-c', driver, process.execPath, CLI_BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, output: r.stdout };
}

/** Every file under `dir` whose raw bytes hold `needle`. */
function filesHolding(dir: string, needle: string): string[] {
  const hits: string[] = [];
  for (const f of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const p = path.join(dir, f);
    if (fs.lstatSync(p).isFile() && fs.readFileSync(p).includes(needle)) hits.push(f);
  }
  return hits;
}

function packFiles(storeDir: string): string[] {
  return fs
    .readdirSync(path.join(storeDir, 'packs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.pack'))
    .map((f) => path.join(storeDir, 'packs', f));
}

describe('encrypted nodes', () => {
  const { root, pki, server } = useServer('encryption', {
    clients: { enc1: ['dedup_group = shared'], enc2: ['dedup_group = shared'], enc3: [], plain1: [], mallory: [] },
  });
  const data = path.join(root, 'data');
  let conf: string;
  let keyFile: string;

  beforeAll(() => {
    buildTree(data);
    keyFile = path.join(root, 'enc1.key');
    conf = writeNodeConf(root, server, {
      cname: 'enc1',
      cert: pki.client('enc1'),
      include: [data],
      extra: ['encryption = 1', `encryption_key_file = ${keyFile}`, `encryption_password = ${PASSPHRASE}`],
    });
  });

  test('--init-key makes the key once, says what losing it means, and keeps a wrapped copy on the server', async () => {
    const r = await runCli(['-c', conf, '--init-key']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Made a new master key/);
    expect(r.stdout).toMatch(/loses every encrypted backup/);
    expect(r.stdout).toMatch(/copy wrapped by the passphrase is on the server/);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = fs.readFileSync(keyFile, 'utf8');
    const again = await runCli(['-c', conf, '--init-key']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Kept the existing master key/);
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(key); // never replaced: the backups need it
  });

  test('the server holds no plaintext: not in packs, catalog, records or log; a restore is bit-exact', async () => {
    const b = await runCli(['-c', conf, '-e', '--json']);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    const summary = JSON.parse(b.stdout).backup;
    expect(summary.status).toBe('available');
    expect(summary.files).toBeGreaterThan(300);

    for (const marker of [...Object.values(MARKERS), PASSPHRASE]) {
      expect(filesHolding(server.storeDir, marker)).toEqual([]);
      expect(server.log).not.toContain(marker);
    }
    expect(server.log).not.toContain(fs.readFileSync(keyFile, 'utf8').split(' ')[1]!.trim());

    const to = path.join(root, 'restored-1');
    const r = await runCli(['-c', conf, '-i', '--to', to]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));

    // -s lists the files: the node reads its file list itself.
    const s = await runCli(['-c', conf, '-s', '1']);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain(`${MARKERS.name}.txt`);
  });

  test('a second backup reuses the first: unchanged files are not read, nothing is sent again', async () => {
    const b = await runCli(['-c', conf, '-e', '--json']);
    expect(b.code).toBe(0);
    const c = JSON.parse(b.stdout).counters;
    // Nothing of the files; at most the listings on the way to the include, which change with what else is there.
    expect(c.chunksSent).toBeLessThanOrEqual(directoriesOnTheWay(data) + 1);
    expect(c.filesRead).toBe(0);
    const to = path.join(root, 'restored-2');
    expect((await runCli(['-c', conf, '-i', '--to', to])).code).toBe(0);
    expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
  });

  test('--prefix and --regex select on the node: only what they name is restored', async () => {
    const deeper = path.join(data, MARKERS.dir, 'deeper');
    const to = path.join(root, 'restored-prefix');
    const r = await runCli(['-c', conf, '-i', '--to', to, '--prefix', deeper]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(snapshotTree(path.join(to, deeper))).toEqual(snapshotTree(deeper));
    expect(fs.existsSync(path.join(to, data, MARKERS.dir, 'big.bin'))).toBe(false);
    const toRe = path.join(root, 'restored-regex');
    expect((await runCli(['-c', conf, '-i', '--to', toRe, '--regex', 'small-1[0-9]$'])).code).toBe(0);
    const got = fs.readdirSync(path.join(toRe, data, MARKERS.dir)).sort();
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `small-1${i}`).sort());
  });

  test('a rebuilt node restores with the passphrase alone; a wrong passphrase or no key says so and writes nothing', async () => {
    const saved = fs.readFileSync(keyFile);
    fs.rmSync(keyFile);
    try {
      const wrongConf = writeNodeConf(path.join(root, 'wrong'), server, {
        cname: 'enc1',
        cert: pki.client('enc1'),
        include: [data],
        extra: ['encryption = 1', `encryption_key_file = ${keyFile}`, 'encryption_password = not the passphrase'],
      });
      const to = path.join(root, 'restored-wrong');
      const bad = await runCli(['-c', wrongConf, '-i', '--to', to]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/passphrase does not open the master key/);
      expect(fs.existsSync(to)).toBe(false);

      const noKeyConf = writeNodeConf(path.join(root, 'nokey'), server, {
        cname: 'enc1',
        cert: pki.client('enc1'),
        include: [data],
        extra: ['encryption = 1', `encryption_key_file = ${keyFile}`],
      });
      const none = await runCli(['-c', noKeyConf, '-i', '--to', to]);
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/no master key/);
      expect(fs.existsSync(to)).toBe(false);

      const plainConf = writeNodeConf(path.join(root, 'plain-enc1'), server, { cname: 'enc1', cert: pki.client('enc1'), include: [data] });
      const plain = await runCli(['-c', plainConf, '-i', '--to', to]);
      expect(plain.code).not.toBe(0);
      expect(plain.stderr).toMatch(/encrypted and this node has no key/);
      expect(fs.existsSync(path.join(to, data))).toBe(false);

      const rebuilt = path.join(root, 'restored-rebuilt');
      const ok = await runCli(['-c', conf, '-i', '--to', rebuilt]);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(snapshotTree(path.join(rebuilt, data))).toEqual(snapshotTree(data));
    } finally {
      fs.writeFileSync(keyFile, saved, { mode: 0o600 });
    }
  });

  test('a new passphrase re-wraps the same key: the old one no longer opens the copy, no backup is re-encrypted', async () => {
    const newConf = writeNodeConf(path.join(root, 'new-pass'), server, {
      cname: 'enc1',
      cert: pki.client('enc1'),
      include: [data],
      extra: ['encryption = 1', `encryption_key_file = ${keyFile}`, 'encryption_password = the new passphrase'],
    });
    const r = await runCli(['-c', newConf, '--init-key']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Kept the existing master key/);
    const saved = fs.readFileSync(keyFile);
    fs.rmSync(keyFile);
    try {
      const old = await runCli(['-c', conf, '-i', '--to', path.join(root, 'restored-old-pass')]);
      expect(old.code).toBe(2);
      expect(old.stderr).toMatch(/passphrase does not open/);
      const to = path.join(root, 'restored-new-pass');
      const ok = await runCli(['-c', newConf, '-i', '--to', to]);
      expect(ok.stderr).toBe('');
      expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
    } finally {
      fs.writeFileSync(keyFile, saved, { mode: 0o600 });
      expect((await runCli(['-c', conf, '--init-key'])).code).toBe(0); // back to the first passphrase for the tests after
    }
  });

  test('on a terminal, --init-key asks for the passphrase twice (not echoed), and a rebuilt node asks for it to restore and to write its key back', async () => {
    const enc3Key = path.join(root, 'enc3.key');
    const conf3 = writeNodeConf(path.join(root, 'enc3'), server, {
      cname: 'enc3',
      cert: pki.client('enc3'),
      include: [path.join(data, MARKERS.dir, 'deeper')],
      extra: ['encryption = 1', `encryption_key_file = ${enc3Key}`],
    });
    const typed = 'typed on the terminal 7';
    const mismatch = runCliOnTerminal(['-c', conf3, '--init-key'], [typed, 'something else']);
    expect(mismatch.code).toBe(2);
    expect(mismatch.output).toMatch(/the two passphrases differ: nothing was changed/);
    expect(fs.existsSync(enc3Key)).toBe(false); // asked before anything is written
    const init = runCliOnTerminal(['-c', conf3, '--init-key'], [typed, typed]);
    expect(init.code).toBe(0);
    expect(init.output).toMatch(/New passphrase for this node's master key: /);
    expect(init.output).toMatch(/copy wrapped by the passphrase is on the server/);
    expect(init.output).not.toContain(typed); // never echoed
    expect((await runCli(['-c', conf3, '-e'])).code).toBe(0);
    const enc3Saved = fs.readFileSync(enc3Key, 'utf8');
    fs.rmSync(enc3Key);
    const to = path.join(root, 'restored-enc3');
    const r = runCliOnTerminal(['-c', conf3, '-i', '--to', to], [typed]);
    expect(r.output).toMatch(/Passphrase of enc3's master key/);
    expect(r.code).toBe(0);
    expect(snapshotTree(path.join(to, data, MARKERS.dir, 'deeper'))).toEqual(snapshotTree(path.join(data, MARKERS.dir, 'deeper')));
    // --init-key on the rebuilt node asks for the passphrase once and writes the same key back (never a new one).
    const back = runCliOnTerminal(['-c', conf3, '--init-key'], [typed]);
    expect(back.output).toMatch(/Passphrase of enc3's master key \(.*enc3\.key is missing; the server keeps a copy wrapped by it\)/);
    expect(back.output).not.toContain(typed);
    expect(back.code).toBe(0);
    expect(fs.readFileSync(enc3Key, 'utf8')).toBe(enc3Saved);
  });

  test('another key in the same dedup group is refused; a plain node beside encrypted ones works', async () => {
    const conf2 = writeNodeConf(root, server, {
      cname: 'enc2',
      cert: pki.client('enc2'),
      include: [data],
      extra: ['encryption = 1', `encryption_key_file = ${path.join(root, 'enc2.key')}`],
    });
    // A new key for a node of the group is refused before any key file exists: it could not back up with it.
    const init = await runCli(['-c', conf2, '--init-key']);
    expect(init.code).toBe(1);
    expect(init.stderr).toMatch(/dedup group shared holds backups encrypted with another key/);
    expect(fs.existsSync(path.join(root, 'enc2.key'))).toBe(false);
    // A key file of its own, not the group's: its backup is refused too.
    fs.writeFileSync(path.join(root, 'enc2.key'), formatKeyFile(randomBytes(32)), { mode: 0o600 });
    const refused = await runCli(['-c', conf2, '-e']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/dedup group shared holds backups encrypted with another key/);

    // enc1 given enc2's key file: the backup names the key it was made with, and nothing is written.
    const wrongKeyConf = writeNodeConf(path.join(root, 'wrong-key'), server, {
      cname: 'enc1',
      cert: pki.client('enc1'),
      include: [data],
      extra: ['encryption = 1', `encryption_key_file = ${path.join(root, 'enc2.key')}`],
    });
    const to = path.join(root, 'restored-wrong-key');
    const wrong = await runCli(['-c', wrongKeyConf, '-i', '--to', to]);
    expect(wrong.code).toBe(2);
    const enc1Key = new ChunkKeys(parseKeyFile(fs.readFileSync(keyFile, 'utf8'), keyFile)).keyId.toString('hex').slice(0, 16);
    expect(wrong.stderr).toMatch(
      new RegExp(`backup \\d+ was made with key ${enc1Key}, and the key this node reads with is [0-9a-f]{16}: give the key file it was made with`),
    );
    expect(fs.existsSync(path.join(to, data))).toBe(false);

    const plainConf = writeNodeConf(root, server, { cname: 'plain1', cert: pki.client('plain1'), include: [data] });
    expect((await runCli(['-c', plainConf, '-e'])).code).toBe(0);
    // What the search for plaintext would have found without encryption: the plain node's copy.
    expect(filesHolding(server.storeDir, MARKERS.content).length).toBeGreaterThan(0);
    const toPlain = path.join(root, 'restored-plain');
    expect((await runCli(['-c', plainConf, '-i', '--to', toPlain])).code).toBe(0);
    expect(snapshotTree(path.join(toPlain, data))).toEqual(snapshotTree(data));
  });

  test('a flipped ciphertext bit is found by verify and stops a restore before the file is written', async () => {
    await server.stop();
    // The big file's chunks are the largest records: flip one bit of ciphertext in the largest pack.
    const pack = packFiles(server.storeDir).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
    const original = fs.readFileSync(pack);
    const damaged = Buffer.from(original);
    damaged[Math.floor(damaged.length / 2)]! ^= 0x10;
    fs.writeFileSync(pack, damaged);
    await server.start(server.port);
    try {
      const v = await runCli(['-c', conf, '--verify']);
      expect(v.code).not.toBe(0);
      expect(v.stdout + v.stderr).toMatch(/damaged|bad/i);
      const to = path.join(root, 'restored-damaged');
      const r = await runCli(['-c', conf, '-i', '--to', to]);
      expect(r.code).not.toBe(0);
      // Wherever the bit fell: a record header the server reads, or a seal the node opens.
      expect(r.stderr).toMatch(/damaged on the server \(.*\): its operator should run cpsbackupd verify|does not authenticate: it is damaged/);
    } finally {
      await server.stop();
      fs.writeFileSync(pack, original);
      await server.start(server.port);
    }
  });

  test('a ciphertext changed with its server-side hash made to match is caught by the node: the tag fails', async () => {
    await server.stop();
    const pack = packFiles(server.storeDir).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
    const original = fs.readFileSync(pack);
    const damaged = Buffer.from(original);
    // Walk the pack's records (see the store's pack-format.ts) to the largest sealed one; change its seal and fix its record hash.
    let off = 8;
    let best: { payload: number; length: number } | undefined;
    while (off + 44 <= damaged.length) {
      const codec = damaged.readUInt8(off + 32);
      const stored = damaged.readUInt32BE(off + 40);
      if (codec === 2 && (!best || stored > best.length)) best = { payload: off + 44, length: stored };
      off += 44 + stored;
    }
    expect(best).toBeDefined();
    const p = best!.payload;
    damaged[p + best!.length - 100]! ^= 0x01;
    createHash('sha256')
      .update(damaged.subarray(p + 32, p + best!.length))
      .digest()
      .copy(damaged, p);
    fs.writeFileSync(pack, damaged);
    await server.start(server.port);
    try {
      const to = path.join(root, 'restored-tampered');
      const r = await runCli(['-c', conf, '-i', '--to', to]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/does not authenticate/);
      // Never under its name: its earlier chunks may lie in its hidden .big.bin.cpsbackup-partial, as after a killed restore.
      const dir = path.join(to, data, MARKERS.dir);
      expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).not.toContain('big.bin');
    } finally {
      await server.stop();
      fs.writeFileSync(pack, original);
      await server.start(server.port);
    }
  });

  /** The wire ids of every sealed record in the packs (they are in the clear: a reader of the server's disk or bucket sees them). */
  function sealedWireIds(): Buffer[] {
    const ids: Buffer[] = [];
    for (const pack of packFiles(server.storeDir)) {
      const b = fs.readFileSync(pack);
      for (let off = 8; off + 44 <= b.length; off += 44 + b.readUInt32BE(off + 40)) {
        if (b.readUInt8(off + 32) === 2) ids.push(Buffer.from(b.subarray(off + 44 + 32, off + 44 + 64)));
      }
    }
    return ids;
  }

  /** A backup session of mallory's (an encrypted node's when `keyId` is given); waits until the last one has let go of its lock. */
  async function malloryBackup(keyId: Buffer | undefined): Promise<Awaited<ReturnType<typeof rawSession>>> {
    for (let attempt = 0; ; attempt++) {
      const session = await rawSession(server, 'mallory', pki.client('mallory'), keyId);
      await session.conn.send({ beginBackup: {} });
      // A backup has begun at BackupStarted (the node reads its parent's file list itself, if it wants it).
      const begun = (x: Message) => x.msg === 'backupStarted';
      const m = await readUntil(session.conn, (x) => begun(x) || x.msg === 'error');
      if (m?.msg !== 'error') return session;
      session.socket.destroy();
      // Refused while the last session's lock is held: its release is what is waited for, however long it takes.
      if (m.error?.code !== 'BACKUP_RUNNING') throw new Error(`backup refused after ${attempt} tries: ${m.error?.message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test("hostile: a peer that read the server's disk and claims the node's key id cannot poison its chunks nor read them", async () => {
    const keyId = new ChunkKeys(parseKeyFile(fs.readFileSync(keyFile, 'utf8'), keyFile)).keyId;
    const wireIds = sealedWireIds();
    expect(wireIds.length).toBeGreaterThan(300);
    const { socket, conn } = await malloryBackup(keyId);
    // Its group has none of them: the answer says nothing of what enc1 stores.
    await conn.send({ missingQuery: { queryId: 1, ids: wireIds } });
    const reply = await readUntil(conn, (m) => m.msg === 'missingReply' || m.msg === 'error');
    expect(reply?.missingReply?.missing).toHaveLength(wireIds.length);
    // Garbage under enc1's ids: stored ids that exist keep the copy they had.
    for (const id of wireIds) await conn.send({ chunk: { id, codec: 2, rawLength: 64, payload: randomBytes(64) } });
    // Reading them back is no backup's tree.
    await conn.send({ readChunks: { ids: wireIds.slice(0, 1) } });
    const refused = await readUntil(conn, (m) => m.msg === 'error');
    expect(refused?.error?.message).toMatch(/without a parent/);
    socket.destroy();
    const to = path.join(root, 'restored-after-mallory');
    const r = await runCli(['-c', conf, '-i', '--to', to]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
  });

  test('hostile: an encrypted node reading its own backup gets only what its tree reaches, and malformed sealed input is refused', async () => {
    const keyId = new ChunkKeys(parseKeyFile(fs.readFileSync(keyFile, 'utf8'), keyFile)).keyId;
    {
      const { socket, conn } = await rawSession(server, 'enc1', pki.client('enc1'), keyId);
      await conn.send({ restoreRequest: { number: 0 } });
      const tree = await readUntil(conn, (m) => m.msg === 'backupTree' || m.msg === 'error');
      expect(tree?.msg).toBe('backupTree');
      // A chunk of the backup that no listing sent so far names (a data chunk deep in the tree): refused.
      const deep = sealedWireIds().find((id) => !tree!.backupTree!.root!.some((r) => Buffer.from(r).equals(id)))!;
      await conn.send({ readChunks: { ids: [deep] } });
      const e = await readUntil(conn, (m) => m.msg === 'error');
      expect(e?.error?.code).toBe('NOT_FOUND');
      expect(e?.error?.message).toMatch(/not part of this backup's tree/);
      socket.destroy();
    }
    {
      const { socket, conn } = await malloryBackup(randomBytes(32));
      await conn.send({ chunk: { id: randomBytes(32), codec: 1, rawLength: 10, payload: randomBytes(10) } });
      const plainRefused = await readUntil(conn, (m) => m.msg === 'error');
      expect(plainRefused?.error?.message).toMatch(/sealed chunks only/);
      socket.destroy();
    }
    {
      const { socket, conn } = await malloryBackup(randomBytes(32));
      await conn.send({ listingChunk: { id: randomBytes(32), codec: 2, rawLength: 40, payload: randomBytes(40), refs: randomBytes(33) } });
      const badRefs = await readUntil(conn, (m) => m.msg === 'error');
      expect(badRefs?.error?.message).toMatch(/references of 33 bytes/);
      socket.destroy();
    }
    {
      const { socket, conn } = await malloryBackup(randomBytes(32));
      await conn.send({ listingChunk: { id: randomBytes(32), codec: 2, rawLength: 40, payload: randomBytes(40), refs: randomBytes(64), listingRefs: 1 } });
      const unknown = await readUntil(conn, (m) => m.msg === 'error');
      expect(unknown?.error?.message).toMatch(/never sent/);
      socket.destroy();
    }
    {
      // A plain peer may not send sealed chunks.
      const { socket, conn } = await malloryBackup(undefined);
      await conn.send({ chunk: { id: randomBytes(32), codec: 2, rawLength: 10, payload: randomBytes(10) } });
      const sealedRefused = await readUntil(conn, (m) => m.msg === 'error');
      expect(sealedRefused?.error?.code).toBe('CHUNK_REFUSED');
      socket.destroy();
    }
  });
});
