/**
 * An encrypted node's backup whose file list is damaged (real cpsbackupd,
 * real CLI). The server stores listings it cannot read, so it cannot refuse
 * a malformed one: a patched agent (or damage the seal's tag does not
 * catch, since the node's own key sealed it) leaves a backup only the node
 * finds wrong, when it walks the tree. Each way of reading a stored tree
 * says so in one line (no stack trace, exit 1), and the next backup goes on
 * without that parent, reading every file, instead of failing for good.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ChunkKeys, parseKeyFile } from '@cpsbackup/crypto';
import { Codec, encodeEntryRecords, EntryType, type FileEntry } from '@cpsbackup/format';
import { fileEntry } from '@cpsbackup/testkit';
import { rawSession, readUntil, runCli, snapshotTree, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

const PASSPHRASE = 'a damaged tree is said, not thrown';

function entry(p: string, type: FileEntry['type'], extra: Partial<FileEntry> = {}): FileEntry {
  return { ...fileEntry(p, [], 0), type, mode: type === EntryType.Directory ? 0o755 : 0o777, ...extra };
}
const symlink = (p: string) => entry(p, EntryType.Symlink, { linkTarget: Buffer.from('/etc/hostname') });

/**
 * Ways a stored listing of the directory /forged can be damaged. Each gives
 * the listing as stored (its wire id and seal), made with the node's key
 * unless the damage is the seal itself; `says` is what the node must find.
 */
const DAMAGE: Array<{ name: string; listing: (keys: ChunkKeys) => { id: Buffer; seal: Buffer }; says: RegExp }> = [
  {
    name: 'the same name twice',
    listing: (keys) => sealed(keys, encodeEntryRecords([symlink('/forged/lnk'), symlink('/forged/lnk')])),
    says: /listing entries out of order: "\/forged\/lnk" after "\/forged\/lnk"/,
  },
  {
    name: 'a child below a symlink',
    listing: (keys) => sealed(keys, encodeEntryRecords([symlink('/forged/lnk'), fileEntry('/forged/lnk/x', [], 0)])),
    says: /holds "\/forged\/lnk\/x", which is not a child of it/,
  },
  {
    name: 'records that do not decode',
    listing: (keys) => sealed(keys, Buffer.from('this is no listing of entry records at all')),
    says: /entry record of \d+ bytes at byte 0 is cut off/,
  },
  {
    name: 'a padding length that lies',
    listing: (keys) => padded(keys, encodeEntryRecords([symlink('/forged/lnk')]), 4000),
    says: /claims a payload of \d+ bytes and holds \d+: its padding is damaged/,
  },
  {
    name: 'padding that is not zeros',
    // Another listing than the case above (the server keeps the copy of an id it has: the same listing would be that one).
    listing: (keys) => padded(keys, encodeEntryRecords([symlink('/forged/lnk2')]), 0, 0xff),
    says: /has padding that is not zeros: its padding is damaged/,
  },
  {
    name: 'a seal that does not authenticate',
    listing: () => ({ id: randomBytes(32), seal: randomBytes(200) }),
    says: /does not authenticate/,
  },
];

/** A listing chunk as the agent seals it (sealed-chunks.ts: codec, raw length, payload; here raw). */
function sealed(keys: ChunkKeys, plain: Buffer): { id: Buffer; seal: Buffer } {
  const id = keys.chunkId(plain);
  const head = Buffer.alloc(5);
  head.writeUInt8(Codec.Raw, 0);
  head.writeUInt32BE(plain.length, 1);
  return { id, seal: keys.seal(id, head, plain) };
}

/**
 * A listing chunk padded as the agent pads it (sealed-chunks.ts: codec | 0x80, raw length, payload length, payload, zeros to
 * 1 KiB), made with the key by a node that lies: its payload length `over` too long, or its padding `fill` instead of zeros.
 */
function padded(keys: ChunkKeys, plain: Buffer, over: number, fill = 0): { id: Buffer; seal: Buffer } {
  const id = keys.chunkId(plain);
  const head = Buffer.alloc(9);
  head.writeUInt8(0x80 | Codec.Raw, 0);
  head.writeUInt32BE(plain.length, 1);
  head.writeUInt32BE(plain.length + over, 5);
  return { id, seal: keys.seal(id, head, plain, Buffer.alloc(1024 - 9 - plain.length, fill)) };
}

describe('an encrypted backup whose file list is damaged', () => {
  const { root, pki, server } = useServer('encryption-damaged', { clients: { encd: [] } });
  const data = path.join(root, 'data');
  const keyFile = path.join(root, 'encd.key');
  let conf: string;
  let keys: ChunkKeys;

  beforeAll(async () => {
    fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(data, 'sub', `f${i}`), randomBytes(1000 + i));
    fs.writeFileSync(path.join(data, 'top'), 'top\n');
    conf = writeNodeConf(root, server, {
      cname: 'encd',
      cert: pki.client('encd'),
      include: [data],
      extra: ['encryption = 1', `encryption_key_file = ${keyFile}`, `encryption_password = ${PASSPHRASE}`],
    });
    expect((await runCli(['-c', conf, '--init-key'])).code).toBe(0);
    keys = new ChunkKeys(parseKeyFile(fs.readFileSync(keyFile, 'utf8'), keyFile));
    const first = await runCli(['-c', conf, '-e']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
  });

  /**
   * A backup of the node's, made as a patched agent would: the root lists
   * /forged, whose listing is `damaged`, then sound directories, whose
   * listings the node reads ahead: they are still on their way when it meets
   * the damage. Its number.
   */
  async function forgedBackup(damaged: { id: Buffer; seal: Buffer }): Promise<number> {
    const { socket, conn } = await rawSession(server, 'encd', pki.client('encd'), keys.keyId);
    try {
      await conn.send({ beginBackup: {} });
      const started = await readUntil(conn, (m) => m.msg === 'backupStarted' || m.msg === 'error');
      expect(started?.msg).toBe('backupStarted');
      const sound = ['/zz1', '/zz2', '/zz3'].map((dir) => ({ dir, ...sealed(keys, encodeEntryRecords([symlink(`${dir}/lnk`)])) }));
      const top = sealed(
        keys,
        encodeEntryRecords([
          entry('/forged', EntryType.Directory, { chunks: [damaged.id] }),
          ...sound.map((s) => entry(s.dir, EntryType.Directory, { chunks: [s.id] })),
        ]),
      );
      for (const l of [damaged, ...sound]) await conn.send({ listingChunk: { id: l.id, codec: Codec.Sealed, rawLength: l.seal.length, payload: l.seal } });
      const refs = Buffer.concat([damaged.id, ...sound.map((s) => s.id)]);
      await conn.send({ listingChunk: { id: top.id, codec: Codec.Sealed, rawLength: top.seal.length, payload: top.seal, refs, listingRefs: 4 } });
      await conn.send({ endBackup: { root: [top.id], fileCount: 8, logicalBytes: 0 } });
      const done = await readUntil(conn, (m) => m.msg === 'backupDone' || m.msg === 'error');
      expect(done?.error?.message).toBeUndefined();
      return Number(done!.backupDone!.backup!.number);
    } finally {
      socket.destroy();
    }
  }

  /** One line on stderr, no stack trace: `backup N is damaged: <what> (its listing of "/forged"); restore another backup`. */
  function expectDamageSaid(r: { code: number; stderr: string }, n: number, says: RegExp): void {
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^cpsbackup: backup ${n} is damaged: .*\\(its listing of "/forged"\\); restore another backup \\(cpsbackup -l lists them\\)$`),
    );
    expect(lines[0]).toMatch(says);
    expect(r.stderr).not.toMatch(/unexpected failure|\n\s+at /);
  }

  test.each(DAMAGE)(
    '$name: -s, -i and --verify say which backup is damaged and where; the next backup reads every file and warns',
    async ({ listing, says }) => {
      const n = await forgedBackup(listing(keys));

      expectDamageSaid(await runCli(['-c', conf, '-s', String(n)]), n, says);
      const to = path.join(root, `restore-${n}`);
      expectDamageSaid(await runCli(['-c', conf, '-i', String(n), '--to', to]), n, says);
      expect(fs.existsSync(path.join(to, 'forged', 'lnk'))).toBe(false);

      // The server's verify cannot read the listings; the node reads them, for that backup and for all.
      for (const which of [String(n), '']) {
        const v = await runCli(['-c', conf, '--verify', ...(which ? [which] : [])]);
        expect(v.code).toBe(1);
        expect(v.stdout).toMatch(/^Checked \d+ chunks .*: all sound$/m);
        expect(v.stdout).toMatch(/^Read the file lists of \d+ encrypted backups on this node: [1-9]\d* damaged$/m);
        const line = v.stdout.split('\n').find((l) => l.startsWith(`backup ${n} is damaged: `));
        expect(line).toMatch(/\(its listing of "\/forged"\); restore another backup \(cpsbackup -l lists them\)$/);
        expect(line).toMatch(says);
      }

      // The damaged backup is the newest: the next backup goes on without it, reads every file, and says why.
      const b = await runCli(['-c', conf, '-e', '--json']);
      expect(b.stderr).toBe('');
      expect(b.code).toBe(5); // warnings
      const out = JSON.parse(b.stdout) as { backup: { number: number; status: string; warnings: string[] }; counters: { filesRead: number } };
      expect(out.backup.status).toBe('available');
      expect(out.counters.filesRead).toBe(21);
      expect(out.backup.warnings).toHaveLength(1);
      expect(out.backup.warnings[0]).toMatch(
        new RegExp(`^the previous backup \\(${n}\\) is damaged: .*\\(its listing of "/forged"\\); so every file is read again`),
      );
      expect(out.backup.warnings[0]).toMatch(says);
      const restored = path.join(root, `restore-${out.backup.number}`);
      const r = await runCli(['-c', conf, '-i', String(out.backup.number), '--to', restored]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(snapshotTree(path.join(restored, data))).toEqual(snapshotTree(data));
      const sound = await runCli(['-c', conf, '--verify', String(out.backup.number)]);
      expect(sound.stdout).toContain('Read the file lists of 1 encrypted backups on this node: all sound');
      expect(sound.code).toBe(0);

      // And the one after builds on that one as usual: nothing read, no warning.
      const again = await runCli(['-c', conf, '-e', '--json']);
      expect(again.code).toBe(0);
      expect((JSON.parse(again.stdout) as { counters: { filesRead: number } }).counters.filesRead).toBe(0);
    },
  );
});
