/** A hand-driven protocol client with a valid certificate: for hostile-input tests. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { chunkIdOf, decodeChunk, decodeListingChunk, encodeEntryRecords, EntryType, type FileEntry, isUnder, TreeBuilder } from '@cpsbackup/format';
import { FramedConnection, type Message, PROTOCOL_VERSION } from '@cpsbackup/protocol';
import { type TestServer } from './cluster';
import { fileEntry } from '../entries';

export async function rawConnect(server: TestServer, cert: { cert: string; key: string }): Promise<{ socket: tls.TLSSocket; conn: FramedConnection }> {
  const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect(
      {
        host: '127.0.0.1',
        port: server.port,
        ca: fs.readFileSync(server.pki.caFile),
        cert: fs.readFileSync(cert.cert),
        key: fs.readFileSync(cert.key),
        checkServerIdentity: () => undefined,
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  socket.on('error', () => undefined); // the server may cut us off; the test reads that from the connection
  return { socket, conn: new FramedConnection(socket, { maxQueuedMessages: 100000 }) };
}

/** Connects and says hello as `client` (an encrypted node's when `keyId` is given); returns once welcomed. */
export async function rawSession(server: TestServer, client: string, cert: { cert: string; key: string }, keyId?: Buffer) {
  const c = await rawConnect(server, cert);
  await c.conn.send({ hello: { protocolVersion: PROTOCOL_VERSION, clientName: client, keyId: keyId ?? Buffer.alloc(0) } });
  const w: Message = await c.conn.next();
  if (w.msg !== 'welcome') throw new Error(`expected welcome, got ${w.msg}: ${w.error?.message}`);
  return c;
}

/** A ListingChunk message of `entries` as they are (in the order given, raw): what a hostile peer may send. */
export function listingChunkOf(entries: readonly FileEntry[]): { id: Buffer; codec: number; rawLength: number; payload: Buffer } {
  const payload = encodeEntryRecords(entries);
  return { id: chunkIdOf(payload), codec: 0, rawLength: payload.length, payload };
}

/**
 * Sends `entries` (in walk order) as an agent does: each listing chunk of
 * their tree (raw, not compressed), children first. Returns the root
 * listing's ids, for EndBackup. A hostile test sends what it likes instead.
 */
export async function sendTree(conn: FramedConnection, entries: readonly FileEntry[]): Promise<Buffer[]> {
  const tree = new TreeBuilder();
  const send = async (chunks: ReadonlyArray<{ id: Buffer; chunk: Buffer }>) => {
    for (const c of chunks) await conn.send({ listingChunk: { id: c.id, codec: 0, rawLength: c.chunk.length, payload: c.chunk } });
  };
  for (const e of entries) await send(tree.add(e));
  const { chunks, root } = tree.finish();
  await send(chunks);
  return root;
}

/**
 * A whole backup made by hand as `client`: each file's content as one
 * chunk (sent if the server lacks it), its entry claiming `size` (its
 * content's length unless given: a forged entry may claim what its data
 * does not hold). Resolves once the server answered EndBackup with
 * BackupDone; throws with the server's error otherwise.
 */
export async function rawBackup(
  server: TestServer,
  client: string,
  cert: { cert: string; key: string },
  files: ReadonlyArray<{ path: string; content: Buffer; size?: number }>,
): Promise<void> {
  const { socket, conn } = await rawSession(server, client, cert);
  try {
    await conn.send({ beginBackup: {} });
    await readUntil(conn, (m) => m.msg === 'backupStarted');
    const withData = files.filter((f) => f.content.length > 0).map((f) => ({ f, id: createHash('sha256').update(f.content).digest() }));
    await conn.send({ missingQuery: { queryId: 1, ids: withData.map((x) => x.id) } });
    const reply = await readUntil(conn, (m) => m.msg === 'missingReply');
    for (const i of reply?.missingReply?.missing ?? []) {
      const { f, id } = withData[i]!;
      await conn.send({ chunk: { id, codec: 0, rawLength: f.content.length, payload: f.content } });
    }
    const idOf = new Map(withData.map((x) => [x.f, x.id]));
    const entries = files.map((f) => fileEntry(f.path, idOf.has(f) ? [idOf.get(f)!] : [], f.size ?? f.content.length));
    await conn.send({ endBackup: { root: await sendTree(conn, entries) } });
    const done = await readUntil(conn, (m) => m.msg === 'backupDone' || m.msg === 'error');
    if (done?.msg !== 'backupDone') throw new Error(`the backup was refused: ${done?.error?.message ?? 'the connection ended'}`);
  } finally {
    socket.destroy();
  }
}

/** Reads messages until one satisfies `pred` (returns it) or the connection ends (returns undefined). */
export async function readUntil(conn: FramedConnection, pred: (m: Message) => boolean): Promise<Message | undefined> {
  for (;;) {
    let m: Message;
    try {
      m = await conn.next();
    } catch (err) {
      if ((err as Error).name === 'FrameError') continue;
      return undefined;
    }
    if (pred(m)) return m;
  }
}

/**
 * The entry at `want` in a plain backup being read on `conn` (after its
 * BackupTree: `root`), reached as a node reaches it: only the listings on
 * the way are read.
 */
export async function findTreeEntry(conn: FramedConnection, root: Buffer[], want: string): Promise<FileEntry> {
  const target = Buffer.from(want);
  let ids = root;
  for (;;) {
    await conn.send({ readChunks: { ids } });
    const entries: FileEntry[] = [];
    for (const id of ids) {
      const c = await readUntil(conn, (m) => m.msg === 'chunk' || m.msg === 'error');
      if (c?.msg !== 'chunk') throw new Error(`listing ${id.toString('hex')} not sent: ${c?.error?.message}`);
      entries.push(...decodeListingChunk(decodeChunk(c.chunk!.codec ?? 0, c.chunk!.payload!, c.chunk!.rawLength ?? 0)));
    }
    const found = entries.find((e) => e.path.equals(target));
    if (found) return found;
    const way = entries.find((e) => e.type === EntryType.Directory && isUnder(target, e.path));
    if (!way) throw new Error(`${want} is not in the backup`);
    ids = way.chunks;
  }
}

/** Starts a restore of the newest backup on `conn` and asks for all of `file`'s content (a plain backup): a restore under way, as a node makes it. */
export async function askRestoreOf(conn: FramedConnection, file: string): Promise<void> {
  await conn.send({ restoreRequest: { number: 0 } });
  const tree = await readUntil(conn, (m) => m.msg === 'backupTree' || m.msg === 'error');
  if (tree?.msg !== 'backupTree') throw new Error(`no tree: ${tree?.error?.message}`);
  const e = await findTreeEntry(
    conn,
    (tree.backupTree!.root ?? []).map((id) => Buffer.from(id)),
    file,
  );
  await conn.send({ readChunks: { ids: e.chunks } });
}

/** Resident memory of a process in bytes (Linux). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Peak resident memory of a process so far (VmHWM), in bytes (Linux). */
export function peakRssOf(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
