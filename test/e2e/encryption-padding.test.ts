/**
 * What an encrypted node's backup lets the server learn of its file sizes
 * (real cpsbackupd, real CLI). Unpadded, a one-chunk file is stored as its
 * size plus a fixed overhead: the server reads every small file's size off
 * its pack. Padded (encryption_padding = padme, the default), the sealed
 * plaintext of each chunk and listing is rounded to one of few lengths
 * inside the seal: the server sees the bucket, the node restores the file
 * exactly, and a padding length that lies is damage, said as such.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChunkKeys, PADDING_FLOOR, parseKeyFile, SEAL_OVERHEAD } from '@cpsbackup/crypto';
import { Codec, encodeEntryRecords } from '@cpsbackup/format';
import { fileEntry, SeededRandom } from '@cpsbackup/testkit';
import { rawSession, readUntil, runCli, snapshotTree, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/** Bytes a stored sealed record adds to a sealed plaintext: sha256, wire id, two counts, then nonce and tag. */
const RECORD_OVERHEAD = 32 + 32 + 8 + SEAL_OVERHEAD;
/** What an unpadded one-chunk file's record adds to its size (codec, raw length): the leak padding closes. */
const UNPADDED_FILE_OVERHEAD = RECORD_OVERHEAD + 5;

/** A sealed record as a reader of the server's disk sees it. */
interface StoredRecord {
  /** Stored id (hex). */
  id: string;
  /** Its pack, and where its payload starts and how long it is. */
  pack: string;
  offset: number;
  length: number;
  /** References it carries (an encrypted listing's); 0 for a data chunk. */
  refs: number;
  /** Length of the seal (nonce, ciphertext, tag): what the sealed plaintext's length shows through. */
  seal: number;
}

/** Every sealed record in the packs, walked as pack-format.ts lays them out (`id[32] codec kind reserved:u16 raw:u32 stored:u32 payload`). */
function sealedRecords(storeDir: string): Map<string, StoredRecord> {
  const out = new Map<string, StoredRecord>();
  const packs = fs
    .readdirSync(path.join(storeDir, 'packs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.pack'))
    .map((f) => path.join(storeDir, 'packs', f));
  for (const pack of packs) {
    const b = fs.readFileSync(pack);
    for (let off = 8; off + 44 <= b.length; off += 44 + b.readUInt32BE(off + 40)) {
      const length = b.readUInt32BE(off + 40);
      if (b.readUInt8(off + 32) !== Codec.Sealed || off + 44 + length > b.length) continue;
      const p = off + 44;
      const refs = b.readUInt32BE(p + 64) + b.readUInt32BE(p + 68);
      const id = b.subarray(off, off + 32).toString('hex');
      out.set(id, { id, pack, offset: p, length, refs, seal: length - 72 - 32 * refs });
    }
  }
  return out;
}

/** The records `after` holds that `before` did not: what one backup stored. */
function added(before: Map<string, StoredRecord>, after: Map<string, StoredRecord>): StoredRecord[] {
  return [...after.values()].filter((r) => !before.has(r.id));
}

/**
 * Whether `n` is a length Padmé pads to, said without its code: with E =
 * floor(log2 n), S = floor(log2 E) + 1, n is a multiple of 2^(E - S).
 */
function isPadmeLength(n: number): boolean {
  const e = Math.floor(Math.log2(n));
  return n % 2 ** (e - (Math.floor(Math.log2(e)) + 1)) === 0;
}

/** Files of every size from 1 byte to `max` in steps of `step`, of random (incompressible) bytes: compression cannot hide a size. */
function sizedFiles(dir: string, max: number, step: number, seed: string): number[] {
  const rnd = new SeededRandom(seed);
  fs.mkdirSync(dir, { recursive: true });
  const sizes: number[] = [];
  for (let n = 1; n <= max; n += step) {
    fs.writeFileSync(path.join(dir, `f-${n}`), rnd.bytes(n));
    sizes.push(n);
  }
  return sizes;
}

describe('padding of what an encrypted node seals', () => {
  const { root, pki, server } = useServer('encryption-padding', { clients: { pad: [], mixed: [], liar: [] } });

  function nodeConf(name: string, extra: string[], include: string): string {
    return writeNodeConf(path.join(root, `conf-${name}`), server, {
      cname: name,
      cert: pki.client(name),
      include: [include],
      extra: ['encryption = 1', `encryption_key_file = ${path.join(root, `${name}.key`)}`, ...extra],
    });
  }

  async function backup(conf: string): Promise<StoredRecord[]> {
    const before = sealedRecords(server.storeDir);
    const b = await runCli(['-c', conf, '-e', '--json']);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    return added(before, sealedRecords(server.storeDir));
  }

  async function restoresExactly(conf: string, n: number, data: string): Promise<void> {
    const to = path.join(root, `restored-${path.basename(conf)}-${n}`);
    const r = await runCli(['-c', conf, '-i', String(n), '--to', to]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
  }

  test('by default, files of 1 byte to 16 KiB in 37-byte steps are stored in few lengths, none of them a file size; the restore is bit-exact', async () => {
    const data = path.join(root, 'data-pad');
    const sizes = sizedFiles(path.join(data, 'sizes'), 16 * 1024, 37, 'pad');
    const conf = nodeConf('pad', [], data); // no encryption_padding: the default
    expect((await runCli(['-c', conf, '--init-key'])).code).toBe(0);
    const stored = await backup(conf);

    const files = stored.filter((r) => r.refs === 0);
    expect(files.length).toBeGreaterThanOrEqual(sizes.length); // one chunk per file (and empty directories' listings)
    const lengths = new Set(files.map((r) => r.length));
    // 443 sizes in; out: the floor, 16 lengths per doubling from 1 to 16 KiB, and one past 16 KiB (a header's bytes over).
    expect(lengths.size).toBeLessThanOrEqual(1 + 4 * 16 + 1);
    for (const r of stored) {
      // Data chunks and listings alike: the sealed plaintext is a Padmé length, at least the floor.
      const plaintext = r.seal - SEAL_OVERHEAD;
      expect(plaintext).toBeGreaterThanOrEqual(PADDING_FLOOR);
      expect(isPadmeLength(plaintext)).toBe(true);
    }
    // What a reader of the packs did learn before: a file's size is its record's length less a constant. Not any more.
    const exact = sizes.filter((n) => lengths.has(n + UNPADDED_FILE_OVERHEAD));
    expect(exact.length).toBeLessThanOrEqual(lengths.size); // a size may fall on a bucket by chance, one per bucket at most
    expect(exact.length).toBeLessThan(sizes.length / 6);

    await restoresExactly(conf, 1, data);
  });

  test('a node that turns padding on restores its unpadded backups, and its padded ones, bit-exact', async () => {
    const data = path.join(root, 'data-mixed');
    const sizes = sizedFiles(path.join(data, 'old'), 8 * 1024, 101, 'mixed-old');
    const unpadded = nodeConf('mixed', ['encryption_padding = none'], data);
    expect((await runCli(['-c', unpadded, '--init-key'])).code).toBe(0);
    const first = await backup(unpadded);
    // Unpadded (what every backup was before padding): each file is its size plus a constant on the server's disk.
    const firstLengths = new Set(first.filter((r) => r.refs === 0).map((r) => r.length));
    for (const n of sizes) expect(firstLengths.has(n + UNPADDED_FILE_OVERHEAD)).toBe(true);
    const snapshotOld = snapshotTree(data);

    // Padding on (the same key): new files are padded; the old ones' chunks stay on the server as they were.
    const padded = nodeConf('mixed', ['encryption_padding = padme'], data);
    const newSizes = sizedFiles(path.join(data, 'new'), 8 * 1024, 103, 'mixed-new');
    const second = await backup(padded);
    const newFiles = second.filter((r) => r.refs === 0);
    expect(newFiles.length).toBeGreaterThanOrEqual(newSizes.length);
    for (const r of second) expect(isPadmeLength(r.seal - SEAL_OVERHEAD) && r.seal - SEAL_OVERHEAD >= PADDING_FLOOR).toBe(true);

    await restoresExactly(padded, 2, data);
    // Backup 1 (unpadded), read by the node now padding: as it was.
    const to = path.join(root, 'restored-mixed-1');
    const r = await runCli(['-c', padded, '-i', '1', '--to', to]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(snapshotTree(path.join(to, data))).toEqual(snapshotOld);
    // And the node's own check of its file lists finds both sound.
    const v = await runCli(['-c', padded, '--verify']);
    expect(v.stdout).toContain('Read the file lists of 2 encrypted backups on this node: all sound');
    expect(v.code).toBe(0);
  });

  test('a padding length that lies (a node with the key) is damage: the restore says which chunk and never writes the file; a server that strips or changes padding fails the tag', async () => {
    const data = path.join(root, 'data-liar');
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, 'honest'), 'an honest file\n');
    const conf = nodeConf('liar', [], data);
    expect((await runCli(['-c', conf, '--init-key'])).code).toBe(0);
    const honest = (await backup(conf)).filter((x) => x.refs === 0 && x.seal - SEAL_OVERHEAD === PADDING_FLOOR);
    expect(honest).toHaveLength(1); // its one small file
    const keys = new ChunkKeys(parseKeyFile(fs.readFileSync(path.join(root, 'liar.key'), 'utf8'), 'liar.key'));

    // Sealed with the node's key, as a patched agent would: the padded header claims more payload than the seal holds.
    const plain = Buffer.from('the content a lying padding length hides\n');
    const id = keys.chunkId(plain);
    const head = Buffer.alloc(9);
    head.writeUInt8(0x80 | Codec.Raw, 0);
    head.writeUInt32BE(plain.length, 1);
    head.writeUInt32BE(plain.length + 5000, 5);
    const seal = keys.seal(id, head, plain, Buffer.alloc(PADDING_FLOOR - 9 - plain.length));
    const listing = encodeEntryRecords([fileEntry('/liar-file', [id], plain.length)]);
    const listingId = keys.chunkId(listing);
    const listingHead = Buffer.alloc(5);
    listingHead.writeUInt32BE(listing.length, 1);
    const listingSeal = keys.seal(listingId, listingHead, listing);

    const { socket, conn } = await rawSession(server, 'liar', pki.client('liar'), keys.keyId);
    let forged: number;
    try {
      await conn.send({ beginBackup: {} });
      expect((await readUntil(conn, (m) => m.msg === 'backupStarted' || m.msg === 'error'))?.msg).toBe('backupStarted');
      await conn.send({ chunk: { id, codec: Codec.Sealed, rawLength: seal.length, payload: seal } });
      await conn.send({ listingChunk: { id: listingId, codec: Codec.Sealed, rawLength: listingSeal.length, payload: listingSeal, refs: id, listingRefs: 0 } });
      await conn.send({ endBackup: { root: [listingId], fileCount: 1, logicalBytes: plain.length } });
      const done = await readUntil(conn, (m) => m.msg === 'backupDone' || m.msg === 'error');
      expect(done?.error?.message).toBeUndefined();
      forged = Number(done!.backupDone!.backup!.number);
    } finally {
      socket.destroy();
    }

    const to = path.join(root, 'restored-liar');
    const r = await runCli(['-c', conf, '-i', String(forged), '--to', to]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `chunk ${id.toString('hex')} of .*liar-file.* claims a payload of ${plain.length + 5000} bytes and holds ${PADDING_FLOOR - 9}: its padding is damaged`,
      ),
    );
    expect(r.stderr).not.toMatch(/unexpected failure|\n\s+at /);
    expect(fs.existsSync(path.join(to, 'liar-file'))).toBe(false);

    // The server's side: it cannot touch the padding. Change the last byte of padding of the honest backup's file chunk (its record's
    // hash made to match, as a server that lies would), and the node's tag check refuses it.
    await server.stop();
    const rec = honest[0]!;
    const original = fs.readFileSync(rec.pack);
    const changed = Buffer.from(original);
    changed[rec.offset + rec.length - 16 - 1]! ^= 0x01; // the last ciphertext byte: padding
    createHash('sha256')
      .update(changed.subarray(rec.offset + 32, rec.offset + rec.length))
      .digest()
      .copy(changed, rec.offset);
    fs.writeFileSync(rec.pack, changed);
    await server.start(server.port);
    try {
      const t = await runCli(['-c', conf, '-i', '1', '--to', path.join(root, 'restored-server-lies')]);
      expect(t.code).toBe(1);
      expect(t.stderr).toMatch(/does not authenticate: it is damaged/);
      expect(t.stderr).not.toMatch(/unexpected failure|\n\s+at /);
    } finally {
      await server.stop();
      fs.writeFileSync(rec.pack, original);
      await server.start(server.port);
    }
  });
});
