import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeChunk } from '@cpsbackup/format';
import { type FramedConnection, type Message } from '@cpsbackup/protocol';
import { SeededRandom } from '@cpsbackup/testkit';
import { findTreeEntry, rawSession, readUntil, runCli, snapshotTree, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/** A raw session of `client` that asked to read its newest backup (`metadataOnly`: a show); the tree's root. */
async function readSession(server: Parameters<typeof rawSession>[0], client: string, cert: { cert: string; key: string }, metadataOnly = false, of = '') {
  const session = await rawSession(server, client, cert);
  await session.conn.send({ restoreRequest: { number: 0, metadataOnly, client: of } });
  const tree = await readUntil(session.conn, (m) => m.msg === 'backupTree' || m.msg === 'error');
  if (tree?.msg !== 'backupTree') throw new Error(`no tree: ${tree?.error?.message}`);
  return { ...session, root: (tree.backupTree!.root ?? []).map((id) => Buffer.from(id)), format: tree.backupTree!.format };
}

/** The error the server ends a read with. */
async function refusal(conn: FramedConnection, ids: Buffer[]): Promise<Message['error']> {
  await conn.send({ readChunks: { ids } });
  const m = await readUntil(conn, (x) => x.msg === 'error' || x.msg === 'chunk');
  expect(m?.msg).toBe('error');
  return m?.error;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

/** The server's account of the last restore it served: the node read the tree (listings) and only then file content, by ReadChunks. */
function lastRead(server: Parameters<typeof rawSession>[0]): Record<string, unknown> {
  const finished = server.logLines().filter((l) => l.msg === 'restore finished');
  return finished[finished.length - 1]!;
}

/**
 * Every backup, plain or encrypted, is read by its node walking the tree
 * (server/src/tree-reads.ts): the server sends the root, then only what the
 * listings it already sent name. A plain node reaches no chunk its backup's
 * tree does not name from what it was sent, no other client's chunk, and a
 * show (metadata only) no file's content.
 */
describe('a plain backup read by its node through the tree', () => {
  const { root, pki, server } = useServer('tree-reads', { clients: { alice: [], mallory: [] } });
  const alice = path.join(root, 'alice-data');
  const mallory = path.join(root, 'mallory-data');
  const secret = new SeededRandom('secret').bytes(5000);

  beforeAll(async () => {
    fs.mkdirSync(path.join(alice, 'deep', 'er'), { recursive: true });
    fs.writeFileSync(path.join(alice, 'deep', 'er', 'secret'), secret);
    fs.writeFileSync(path.join(alice, 'top'), 'top\n');
    fs.mkdirSync(mallory);
    fs.writeFileSync(path.join(mallory, 'own'), 'mine\n');
    for (const [name, dir] of [
      ['alice', alice],
      ['mallory', mallory],
    ] as const) {
      const conf = writeNodeConf(path.join(root, name), server, { cname: name, cert: pki.client(name), include: [dir] });
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    }
  });

  test('the tree is plain (format 2) and its root is what a restore starts from; what the listings name is read, bit-exact', async () => {
    const { socket, conn, root: top, format } = await readSession(server, 'alice', pki.client('alice'));
    try {
      expect(format).toBe(2);
      const e = await findTreeEntry(conn, top, path.join(alice, 'deep', 'er', 'secret'));
      expect(e.chunks).toEqual([sha256(secret)]);
      await conn.send({ readChunks: { ids: e.chunks } });
      const c = await readUntil(conn, (m) => m.msg === 'chunk' || m.msg === 'error');
      expect(decodeChunk(c!.chunk!.codec ?? 0, c!.chunk!.payload!, c!.chunk!.rawLength ?? 0).equals(secret)).toBe(true);
    } finally {
      socket.destroy();
    }
  });

  test('a chunk of its own backup that no listing sent so far names is refused', async () => {
    const { socket, conn } = await readSession(server, 'alice', pki.client('alice'));
    try {
      const e = await refusal(conn, [sha256(secret)]);
      expect(e?.code).toBe('NOT_FOUND');
      expect(e?.message).toMatch(/is not part of this backup's tree \(or was asked before what names it\)/);
    } finally {
      socket.destroy();
    }
  });

  test("a hostile node cannot read another client's chunks through its own backup's tree, nor read that client's tree", async () => {
    {
      // mallory knows the content (so its id), walks its own tree all the way, then asks for alice's chunk.
      const { socket, conn, root: top } = await readSession(server, 'mallory', pki.client('mallory'));
      await findTreeEntry(conn, top, path.join(mallory, 'own'));
      const e = await refusal(conn, [sha256(secret)]);
      expect(e?.code).toBe('NOT_FOUND');
      socket.destroy();
    }
    {
      const session = await rawSession(server, 'mallory', pki.client('mallory'));
      await session.conn.send({ restoreRequest: { number: 0, client: 'alice' } });
      const m = await readUntil(session.conn, (x) => x.msg === 'error' || x.msg === 'backupTree');
      expect(m?.error?.code).toBe('PERMISSION');
      session.socket.destroy();
    }
  });

  test("a show (metadata only) reads the file list, not a file's content", async () => {
    const { socket, conn, root: top } = await readSession(server, 'alice', pki.client('alice'), true);
    try {
      const e = await findTreeEntry(conn, top, path.join(alice, 'deep', 'er', 'secret'));
      const refused = await refusal(conn, e.chunks);
      expect(refused?.code).toBe('NOT_FOUND');
      expect(refused?.message).toMatch(/is not part of this backup's file list \(a show, a listing or a backup's parent reads no file's content\)/);
    } finally {
      socket.destroy();
    }
  });

  test('the CLI restores by prefix and shows the same tree, bit-exact', async () => {
    const conf = path.join(root, 'alice', 'alice-node.conf');
    const to = path.join(root, 'restored');
    const r = await runCli(['-c', conf, '-i', '--to', to, '--prefix', path.join(alice, 'deep')]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(snapshotTree(path.join(to, alice, 'deep'))).toEqual(snapshotTree(path.join(alice, 'deep')));
    expect(fs.existsSync(path.join(to, alice, 'top'))).toBe(false);
    // Selected by the node as it read the tree: the listings on the way and the one file's 5,000 bytes.
    expect(lastRead(server)).toMatchObject({ bytes: 5000, listingBytes: expect.any(Number) });
    const s = await runCli(['-c', conf, '-s', '1']);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain(path.join(alice, 'deep', 'er', 'secret'));
  });
});

/**
 * Path selection is the node's, once, for both formats: a prefix written
 * through a symbolic link the backup holds (an include through a link)
 * restores the link and what it leads to, encrypted or not.
 */
describe('--prefix through a symbolic link, plain and encrypted', () => {
  const { root, pki, server } = useServer('tree-reads-links', { clients: { plain: [], sealed: [] } });

  for (const kind of ['plain', 'sealed'] as const) {
    test(`${kind}: the link and the data it leads to come back`, async () => {
      const real = path.join(root, `${kind}-real`);
      fs.mkdirSync(path.join(real, 'app'), { recursive: true });
      fs.writeFileSync(path.join(real, 'app', 'conf'), `${kind} conf\n`);
      fs.writeFileSync(path.join(real, 'other'), 'not asked for\n');
      const link = path.join(root, `${kind}-link`);
      fs.symlinkSync(path.join(real, 'app'), link);
      const extra =
        kind === 'sealed' ? ['encryption = 1', `encryption_key_file = ${path.join(root, 'sealed.key')}`, 'encryption_password = correct horse'] : [];
      // node.conf names the link (its data is stored where it lies, the link beside it) and a file beside the data.
      const include = [link, path.join(real, 'other')];
      const conf = writeNodeConf(path.join(root, kind), server, { cname: kind, cert: pki.client(kind), include, extra });
      if (kind === 'sealed') expect((await runCli(['-c', conf, '--init-key'])).code).toBe(0);
      const b = await runCli(['-c', conf, '-e', '--json']);
      expect(b.code).toBe(5); // the warning that the include goes through a link
      expect((JSON.parse(b.stdout) as { backup: { warnings: string[] } }).backup.warnings).toEqual([
        `include ${link} goes through a symbolic link (${link}): backed up ${path.join(real, 'app')} and the link`,
      ]);
      const to = path.join(root, `${kind}-restored`);
      const r = await runCli(['-c', conf, '-i', '--to', to, '--prefix', link]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(fs.readlinkSync(path.join(to, link))).toBe(path.join(real, 'app'));
      expect(fs.readFileSync(path.join(to, real, 'app', 'conf'), 'utf8')).toBe(`${kind} conf\n`);
      expect(fs.existsSync(path.join(to, real, 'other'))).toBe(false);
      // The link followed by the node as it read the tree, not by the server.
      expect(lastRead(server)).toMatchObject({ listingBytes: expect.any(Number) });
    });
  }
});

/**
 * A backup made before trees (a flat manifest, test/fixtures/store-v1) is
 * read by the same route: the root is the manifest's chunks, and what it
 * names is readable from the start.
 */
describe('a flat backup (made before trees) read through the same route', () => {
  const { root, pki, server } = useServer('tree-reads-flat', { clients: { oldnode: [] } });

  test('shows, and restores bit-exact by prefix, the files the old release stored', async () => {
    const port = server.port;
    await server.stop();
    fs.rmSync(server.storeDir, { recursive: true, force: true });
    fs.cpSync(path.resolve(__dirname, '../fixtures/store-v1'), server.storeDir, { recursive: true });
    await server.start(port);
    const conf = writeNodeConf(path.join(root, 'oldnode'), server, { cname: 'oldnode', cert: pki.client('oldnode'), include: [path.join(root, 'none')] });
    const s = await runCli(['-c', conf, '-s', '2']);
    expect({ code: s.code, stderr: s.stderr }).toEqual({ code: 0, stderr: '' });
    expect(s.stdout).toContain('/srv/app/notes.txt');
    const to = path.join(root, 'restored');
    const r = await runCli(['-c', conf, '-i', '2', '--to', to, '--prefix', '/srv/app/notes.txt']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fs.readFileSync(path.join(to, 'srv', 'app', 'notes.txt'), 'utf8')).toBe('generation 2\n'.repeat(100));
    expect(fs.existsSync(path.join(to, 'srv', 'app', 'file-0.bin'))).toBe(false);
    // The node read the flat manifest's chunks itself, then the one file's.
    expect(lastRead(server)).toMatchObject({ bytes: 1300, listingBytes: expect.any(Number) });
    // The whole backup: the six files of the old release's generator, bit-exact.
    const all = path.join(root, 'all');
    expect((await runCli(['-c', conf, '-i', '2', '--to', all])).code).toBe(0);
    const rnd = new SeededRandom('store-v1');
    for (let i = 0; i < 6; i++) expect(fs.readFileSync(path.join(all, 'srv', 'app', `file-${i}.bin`)).equals(rnd.bytes(20000 + i * 777))).toBe(true);
  });
});
