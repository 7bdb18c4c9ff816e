import { ABSOLUTE_MAX_CHUNK_SIZE } from '@cpsbackup/chunker';
import { type ChunkKeys } from '@cpsbackup/crypto';
import {
  chunkIdOf,
  Codec,
  decodeChunk,
  decodeChunkToScratch,
  decodeEntry,
  EntryType,
  type FileEntry,
  isFormatError,
  ManifestDecoder,
  ManifestFormat,
  recordHeadAt,
  walkTree,
  walkTreeRecords,
} from '@cpsbackup/format';
import { type cpsbackup, LIMITS, type Message } from '@cpsbackup/protocol';
import { AgentError, ExitCode } from '../errors';
import { openChunk } from '../encryption/sealed-chunks';

/**
 * What the reads use of the connection to the server (client/'s
 * ServerConnection has it): send a ReadChunks, take each chunk it answers.
 * Declared here so reads/ needs nothing of client/ (which calls reads/).
 */
export interface ChunkSource {
  send(m: { readChunks: cpsbackup.ReadChunks.$Properties }): Promise<void>;
  /** The next message, which must be a chunk (an Error frame or any other message fails). */
  expect(kind: 'chunk'): Promise<NonNullable<Message['chunk']>>;
}

/** A chunk as the server sent it, not yet opened (a file's content: see stored()). */
export interface StoredChunk {
  codec: number;
  rawLength: number;
  payload: Buffer;
}

interface Pending {
  ids: readonly Buffer[];
  what: string;
  /** Open each chunk as it arrives (listings); else keep it as it came, for the reader to open (file contents: see stored()). */
  open: boolean;
  got: Array<Buffer | StoredChunk>;
  resolve: (chunks: Array<Buffer | StoredChunk>) => void;
  reject: (err: Error) => void;
}

/**
 * Where a chunk's plaintext of `length` bytes may be decoded to (a
 * restore's writer ring, which then copies nothing); undefined: the
 * decoder's own scratch buffer.
 */
type DecodeTarget = (length: number) => Buffer | undefined;

/**
 * How the chunks of one backup are opened and checked: a plain backup's
 * decoded (zstd or raw) and hashed with SHA-256, an encrypted one's
 * authenticated under this node's key, then decoded and hashed with its
 * keyed id. `toScratch`: into a buffer the next such call reuses (or,
 * a plain zstd chunk, where `into` says).
 */
type Opener = (id: Buffer, c: StoredChunk, what: string, toScratch: boolean, into?: DecodeTarget) => Buffer;

function plainOpener(id: Buffer, c: StoredChunk, what: string, toScratch: boolean, into?: DecodeTarget): Buffer {
  if (c.codec !== Codec.Raw && c.codec !== Codec.Zstd) {
    throw new AgentError('PROTOCOL', `the server sent ${what} with codec ${c.codec}, not a plain backup's (raw or zstd)`);
  }
  if (c.rawLength > ABSOLUTE_MAX_CHUNK_SIZE) throw new AgentError('PROTOCOL', `${what} of ${c.rawLength} bytes exceeds the limit`);
  const target = toScratch && c.codec === Codec.Zstd ? into?.(c.rawLength) : undefined;
  const plain = target
    ? decodeChunk(c.codec, c.payload, c.rawLength, target)
    : (toScratch ? decodeChunkToScratch : decodeChunk)(c.codec, c.payload, c.rawLength);
  if (!chunkIdOf(plain).equals(id)) throw new AgentError('CORRUPT', `${what} does not match its hash: the stored copy is damaged`);
  return plain;
}

function sealedOpener(keys: ChunkKeys): Opener {
  return (id, c, what, toScratch) => openChunk(keys, id, c.codec, c.payload, what, toScratch);
}

/** Listing chunks asked for ahead of the walk (each at most a few hundred KiB). */
const LISTINGS_AHEAD = 64;

/**
 * A stored backup whose file list cannot be read: a listing that does not
 * hash to its id (or, encrypted, authenticate under this node's key), does
 * not decode, or breaks the tree's shape (entries out of order, the same
 * name twice, a child below a symlink). The server cannot see this in an
 * encrypted backup (it cannot read listings), so the node meets it when it
 * walks the tree. Nothing of the walk is usable past it: a restore or a
 * listing stops, a backup goes on without its parent (backup.ts).
 */
export class DamagedTreeError extends AgentError {
  constructor(
    readonly backup: number,
    /** What is wrong, and where: "<what> (its listing of <dir>)". */
    readonly reason: string,
  ) {
    super('DAMAGED_BACKUP', `backup ${backup} is damaged: ${reason}; restore another backup (cpsbackup -l lists them)`, ExitCode.FAILED);
    this.name = 'DamagedTreeError';
  }
}

/** A stored chunk that cannot be what it claims (its seal, its encoding, its records): damage, not a failure of the connection. */
function isDamage(err: unknown): err is Error {
  return isFormatError(err) || (err instanceof AgentError && err.code === 'CORRUPT');
}

/** Flat manifest chunks asked for ahead of the decoder. */
const FLAT_AHEAD = 8;

/**
 * Chunks of a backup, read by this node as it walks the backup's tree
 * (plain and encrypted backups alike: the server cannot read an encrypted
 * one's file list, and a node selecting paths itself needs no second
 * route): reads asked for in one turn of the event loop go out as one
 * ReadChunks, and the answers, which come in order, are handed to each
 * read (listings opened and checked as they arrive, file contents kept as
 * they came until the writer takes them), so reads of listings and of file
 * contents can be in flight together. The server sends only what the tree
 * reaches from what it already sent: a listing is asked for after the
 * listing naming it.
 */
export class TreeReads {
  /** Reads asked for and not yet sent: they go out together, as one request, at the next turn of the event loop. */
  private queued: Pending[] = [];
  private queuedIds = 0;
  private flushing: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  /** Reads sent, in the order their answers come. */
  private readonly pending: Pending[] = [];
  private pumping: Promise<void> | undefined;
  private failure: Error | undefined;
  /** Listing chunks asked for ahead of the walk, by hex id. */
  private readonly ahead = new Map<string, Promise<Buffer>>();
  /** The directory each listing chunk named so far lists (hex id to path), to say where a damaged one lies. */
  private readonly listingDirs = new Map<string, Buffer>();

  private readonly opener: Opener;

  /**
   * `backup` is the number of the backup read, for errors; `format` how its
   * tree is written (BackupTree.format); `keys` this node's, the backup's
   * key (requireKeys), for an encrypted one.
   */
  constructor(
    private readonly server: ChunkSource,
    private readonly backup: number,
    readonly format: ManifestFormat,
    keys: ChunkKeys | undefined,
  ) {
    if (format === ManifestFormat.Sealed) {
      if (!keys) throw new AgentError('NO_KEY', `backup ${backup} is encrypted and this node has no key to read it with`);
      this.opener = sealedOpener(keys);
    } else if (format === ManifestFormat.Tree || format === ManifestFormat.Flat) this.opener = plainOpener;
    else throw new AgentError('PROTOCOL', `the server sent backup ${backup} as a manifest of format ${format as number}, which this agent does not know`);
  }

  /** The reads of the backup a BackupTree names, and its root; `keys` as in the constructor. */
  static of(server: ChunkSource, tree: cpsbackup.BackupTree.$Properties, keys: ChunkKeys | undefined): { reads: TreeReads; root: Buffer[] } {
    const reads = new TreeReads(server, Number(tree.backup?.number ?? 0), (tree.format ?? 0) as ManifestFormat, keys);
    return { reads, root: (tree.root ?? []).map((id) => Buffer.from(id)) };
  }

  /** The checked plaintexts of `ids`, in order; `what` names them in errors. */
  read(ids: readonly Buffer[], what: string): Promise<Buffer[]> {
    return this.fetch(ids, what, true) as Promise<Buffer[]>;
  }

  /**
   * The chunks of `ids` as they came, in order, for the caller to open one
   * at a time with open() as it uses them: a file's content is opened
   * into one scratch buffer, so a restore allocates no plaintext per chunk.
   */
  stored(ids: readonly Buffer[], what: string): Promise<StoredChunk[]> {
    return this.fetch(ids, what, false) as Promise<StoredChunk[]>;
  }

  /** A chunk from stored(), opened and checked; valid until the next open() (decoded where `into` says, if it says). */
  open(id: Buffer, c: StoredChunk, what: string, into?: DecodeTarget): Buffer {
    return this.opener(id, c, `chunk ${id.toString('hex')} of ${what}`, true, into);
  }

  private fetch(ids: readonly Buffer[], what: string, open: boolean): Promise<Array<Buffer | StoredChunk>> {
    if (this.failure) return Promise.reject(this.failure);
    // Almost every read (a listing, a file's window) fits one request: its answer as it comes, no parts to join.
    if (ids.length <= LIMITS.idsPerQuery) return this.request(ids, what, open);
    const parts: Array<Promise<Array<Buffer | StoredChunk>>> = [];
    for (let i = 0; i < ids.length; i += LIMITS.idsPerQuery) parts.push(this.request(ids.slice(i, i + LIMITS.idsPerQuery), what, open));
    return Promise.all(parts).then((answers) => answers.flat());
  }

  /**
   * Queues a read; reads asked for in the same turn of the event loop
   * (the first chunks of hundreds of small files, listings read ahead) go
   * out as one ReadChunks: a message per file cost the server as much as
   * the chunks it carried.
   */
  private request(ids: readonly Buffer[], what: string, open: boolean): Promise<Array<Buffer | StoredChunk>> {
    const answer = new Promise<Array<Buffer | StoredChunk>>((resolve, reject) => this.queued.push({ ids, what, open, got: [], resolve, reject }));
    this.queuedIds += ids.length;
    if (this.queuedIds >= LIMITS.idsPerQuery) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return answer;
  }

  /** Sends what is queued, in order, at most LIMITS.idsPerQuery ids a message. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queued;
    this.queued = [];
    this.queuedIds = 0;
    if (batch.length === 0) return;
    this.flushing = this.flushing.then(async () => {
      let ids: Buffer[] = [];
      for (const p of batch) {
        if (ids.length + p.ids.length > LIMITS.idsPerQuery) {
          await this.server.send({ readChunks: { ids } });
          ids = [];
        }
        ids.push(...p.ids);
        this.pending.push(p);
      }
      if (ids.length > 0) await this.server.send({ readChunks: { ids } });
      this.pumping ??= this.pump();
    });
    this.flushing.catch((err: Error) => {
      this.failure ??= err;
      for (const p of [...this.pending.splice(0), ...batch]) p.reject(err);
    });
  }

  /**
   * Takes the answers, in order. A chunk that cannot be opened (damage:
   * see isDamage) fails its own read only, and the frames of the rest of
   * that read are taken all the same: the connection stays in step, so a
   * backup can go on after its parent proved unreadable. Anything else
   * (the connection, a server that sends what was not asked) fails every
   * read.
   */
  private async pump(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const p = this.pending[0]!;
        let damage: Error | undefined;
        for (let i = 0; i < p.ids.length; i++) {
          const id = p.ids[i]!;
          const c = await this.server.expect('chunk');
          if (!c.id || !id.equals(c.id)) {
            throw new AgentError('PROTOCOL', `the server sent chunk ${Buffer.from(c.id ?? []).toString('hex')} where ${id.toString('hex')} was expected`);
          }
          const p8 = c.payload ?? new Uint8Array();
          const payload = Buffer.from(p8.buffer, p8.byteOffset, p8.byteLength); // a view: frame buffers are never reused
          if (damage) continue;
          const stored: StoredChunk = { codec: c.codec ?? 0, rawLength: c.rawLength ?? 0, payload };
          if (p.open) {
            try {
              p.got.push(this.opener(id, stored, `chunk ${id.toString('hex')} of ${p.what}`, false));
            } catch (err) {
              if (!isDamage(err)) throw err;
              damage = err;
            }
          } else if (this.format !== ManifestFormat.Sealed || stored.codec === Codec.Sealed) p.got.push(stored);
          else throw new AgentError('PROTOCOL', `the server sent chunk ${id.toString('hex')} of ${p.what} unencrypted (codec ${stored.codec})`);
        }
        this.pending.shift();
        if (damage) p.reject(damage);
        else p.resolve(p.got);
      }
    } catch (err) {
      this.failure = err as Error;
      for (const p of this.pending.splice(0)) p.reject(err as Error);
    } finally {
      this.pumping = undefined;
    }
  }

  /** One listing chunk, asked for ahead where the walk will need it. */
  private listing(id: Buffer): Promise<Buffer> {
    const hex = id.toString('hex');
    const early = this.ahead.get(hex);
    if (early) {
      this.ahead.delete(hex);
      return early;
    }
    return this.read([id], 'the file list').then((c) => c[0]!);
  }

  /** A flat manifest's chunks (backups made before trees), each checked, in order, a few asked for ahead. */
  private async *flatChunks(root: readonly Buffer[]): AsyncGenerator<Buffer> {
    const ahead: Array<Promise<Buffer>> = [];
    let next = 0;
    const fill = () => {
      while (ahead.length < FLAT_AHEAD && next < root.length) {
        const p = this.read([root[next++]!], 'the file list').then((c) => c[0]!);
        p.catch(() => undefined); // met when the walk takes it
        ahead.push(p);
      }
    };
    fill();
    while (ahead.length > 0) {
      const chunk = await ahead.shift()!;
      fill();
      yield chunk;
    }
  }

  /**
   * The directories a listing chunk holds, each record read by its head and
   * only a directory's decoded: to say where a damaged listing lies, and to
   * ask early for what the walk reads next, without decoding every record
   * twice (the walk decodes or copies them).
   */
  private static directories(chunk: Buffer): FileEntry[] {
    const dirs: FileEntry[] = [];
    for (let pos = 0; pos < chunk.length;) {
      const head = recordHeadAt(chunk, pos);
      if (head.type === EntryType.Directory) dirs.push(decodeEntry(chunk.subarray(head.bodyStart, head.end)));
      pos = head.end;
    }
    return dirs;
  }

  /**
   * Notes which directory each listing named by `dirs` lists (for errors),
   * and with `ahead` asks early for those listings (the walk goes there next).
   */
  private named(dirs: readonly FileEntry[], ahead: boolean): void {
    for (const e of dirs) {
      for (const id of e.chunks) {
        const hex = id.toString('hex');
        this.listingDirs.set(hex, e.path);
        if (!ahead || this.ahead.size >= LISTINGS_AHEAD || this.ahead.has(hex)) continue;
        const p = this.read([id], 'the file list').then((c) => c[0]!);
        p.catch(() => undefined); // a failure is met again when the walk asks for it
        this.ahead.set(hex, p);
      }
    }
  }

  /**
   * Runs `walk` over the listings it reads through `read` (each checked,
   * the next ones asked for early unless `descend` limits the walk); a
   * listing that is damaged (it does not hash to its id or authenticate,
   * decode, or keep the tree's shape) ends it with a DamagedTreeError
   * naming the backup and the directory.
   */
  private async *guarded<T>(walk: (read: (id: Buffer) => Promise<Buffer>) => AsyncGenerator<T>, ahead: boolean): AsyncGenerator<T> {
    const reading: { dir: Buffer | null } = { dir: null }; // the listing being read (its directory; null: the root)
    try {
      yield* walk(async (id) => {
        const hex = id.toString('hex');
        reading.dir = this.listingDirs.get(hex) ?? null;
        this.listingDirs.delete(hex);
        const chunk = await this.listing(id);
        if (this.format !== ManifestFormat.Flat) this.named(TreeReads.directories(chunk), ahead);
        return chunk;
      });
    } catch (err) {
      if (!isDamage(err)) throw err;
      const where = reading.dir === null ? 'the root' : JSON.stringify(reading.dir.toString());
      throw new DamagedTreeError(this.backup, `${err.message} (its listing of ${where})`);
    }
  }

  /**
   * The backup's entries in walk order (format's walkTree, which checks
   * each listing's shape), from its root listing's ids (a flat manifest's:
   * its chunks, every entry read). With `descend`, only the directories it
   * accepts are read. Damage: see guarded().
   */
  walk(root: readonly Buffer[], descend?: (dir: Buffer) => boolean): AsyncGenerator<FileEntry> {
    if (this.format === ManifestFormat.Flat) {
      const chunks = this.flatChunks(root);
      return this.guarded(async function* () {
        const decoder = new ManifestDecoder();
        for await (const chunk of chunks) yield* decoder.push(chunk);
        decoder.end();
      }, false);
    }
    return this.guarded((read) => walkTree(root, read, descend), !descend);
  }

  /**
   * The backup's file list as one flat manifest stream in walk order (what
   * a backup spools of its parent): format's walkTreeRecords, which checks
   * each listing's shape as walkTree does and copies files' records as
   * they are stored, decoding only the others (decoding every entry and
   * encoding it again cost more than reading the listings); a flat
   * manifest as stored. Damage: see guarded().
   */
  records(root: readonly Buffer[]): AsyncGenerator<Buffer> {
    if (this.format === ManifestFormat.Flat) {
      const chunks = this.flatChunks(root);
      return this.guarded(() => chunks, false);
    }
    return this.guarded((read) => walkTreeRecords(root, read), true);
  }

  /**
   * Waits until every read asked for has been answered, whatever became of
   * it, so that nothing more of them comes on the connection: for a backup
   * that goes on after its parent's walk failed. Throws if the connection
   * itself failed.
   */
  async settle(): Promise<void> {
    this.flush();
    await this.flushing.catch(() => undefined);
    while (this.pumping) await this.pumping;
    this.ahead.clear();
    if (this.failure) throw this.failure;
  }

  /** Tells the server the reading is over. */
  async done(): Promise<void> {
    await this.flushing;
    if (this.failure) throw this.failure;
    await this.server.send({ readChunks: { done: true } });
  }
}
