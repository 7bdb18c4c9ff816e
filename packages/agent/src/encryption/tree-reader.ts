import { type ChunkKeys } from '@cpsbackup/crypto';
import { Codec, decodeListingChunk, EntryType, type FileEntry, isFormatError, walkTree } from '@cpsbackup/format';
import { LIMITS } from '@cpsbackup/protocol';
import { AgentError, ExitCode } from '../errors';
import { type ServerConnection } from '../client/server-connection';
import { openChunk } from './sealed-chunks';

interface Pending {
  ids: Buffer[];
  what: string;
  /** Open each chunk as it arrives (listings); else keep its seal, for the reader to open (file contents: see seals()). */
  open: boolean;
  got: Buffer[];
  resolve: (chunks: Buffer[]) => void;
  reject: (err: Error) => void;
}

/** Listing chunks asked for ahead of the walk (each at most a few hundred KiB). */
const LISTINGS_AHEAD = 64;

/**
 * A stored encrypted backup whose file list cannot be read: a listing that
 * does not authenticate under this node's key, does not decode, or breaks
 * the tree's shape (entries out of order, the same name twice, a child
 * below a symlink). The server cannot see this (it cannot read listings),
 * so the node meets it when it walks the tree. Nothing of the walk is
 * usable past it: a restore or a listing stops, a backup goes on without
 * its parent (backup.ts).
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

/**
 * Chunks of an encrypted backup, read by this node (the server cannot read
 * its file list): reads asked for in one turn of the event loop go out as
 * one ReadChunks, and the answers, which come in order, are handed to each
 * read (listings opened and checked as they arrive, file contents kept
 * sealed until the writer takes them: sealed-chunks.ts), so reads of
 * listings and of file contents can be in flight together. The server
 * sends only what the tree reaches from what it already sent: a listing is
 * asked for after the listing naming it.
 */
export class SealedChunkReads {
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

  /** `backup` is the number of the backup read, for errors. */
  constructor(
    private readonly server: ServerConnection,
    private readonly keys: ChunkKeys,
    private readonly backup: number,
  ) {}

  /** The checked plaintexts of `ids`, in order; `what` names them in errors. */
  async read(ids: readonly Buffer[], what: string): Promise<Buffer[]> {
    return this.fetch(ids, what, true);
  }

  /**
   * The seals of `ids` as they came, in order, for the caller to open one
   * at a time with open() as it uses them: a file's content is opened
   * into one scratch buffer, so a restore allocates no plaintext per chunk.
   */
  seals(ids: readonly Buffer[], what: string): Promise<Buffer[]> {
    return this.fetch(ids, what, false);
  }

  /** A seal from seals(), opened and checked; valid until the next open(). */
  open(id: Buffer, seal: Buffer, what: string): Buffer {
    return openChunk(this.keys, id, Codec.Sealed, seal, `chunk ${id.toString('hex')} of ${what}`, true);
  }

  private async fetch(ids: readonly Buffer[], what: string, open: boolean): Promise<Buffer[]> {
    if (this.failure) throw this.failure;
    const parts: Array<Promise<Buffer[]>> = [];
    for (let i = 0; i < ids.length; i += LIMITS.idsPerQuery) parts.push(this.request(ids.slice(i, i + LIMITS.idsPerQuery), what, open));
    return (await Promise.all(parts)).flat();
  }

  /**
   * Queues a read; reads asked for in the same turn of the event loop
   * (the first chunks of hundreds of small files, listings read ahead) go
   * out as one ReadChunks: a message per file cost the server as much as
   * the chunks it carried.
   */
  private request(ids: Buffer[], what: string, open: boolean): Promise<Buffer[]> {
    const answer = new Promise<Buffer[]>((resolve, reject) => this.queued.push({ ids, what, open, got: [], resolve, reject }));
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
          if (!Buffer.from(c.id ?? new Uint8Array()).equals(id)) {
            throw new AgentError('PROTOCOL', `the server sent chunk ${Buffer.from(c.id ?? []).toString('hex')} where ${id.toString('hex')} was expected`);
          }
          const p8 = c.payload ?? new Uint8Array();
          const payload = Buffer.from(p8.buffer, p8.byteOffset, p8.byteLength); // a view: frame buffers are never reused
          if (damage) continue;
          if (p.open) {
            try {
              p.got.push(openChunk(this.keys, id, c.codec ?? 0, payload, `chunk ${id.toString('hex')} of ${p.what}`));
            } catch (err) {
              if (!isDamage(err)) throw err;
              damage = err;
            }
          } else if (c.codec === Codec.Sealed) p.got.push(payload);
          else throw new AgentError('PROTOCOL', `the server sent chunk ${id.toString('hex')} of ${p.what} unencrypted (codec ${c.codec ?? 0})`);
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

  /**
   * Notes which directory each listing `entries` names lists (for errors),
   * and with `ahead` asks early for those listings (the walk goes there next).
   */
  private named(entries: readonly FileEntry[], ahead: boolean): void {
    for (const e of entries) {
      if (e.type !== EntryType.Directory) continue;
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
   * The backup's entries in walk order (format's walkTree, which checks
   * each listing's shape), from its root listing's ids. With `descend`,
   * only the directories it accepts are read. A listing that is damaged
   * (it does not authenticate, decode, or keep the tree's shape) ends the
   * walk with a DamagedTreeError naming the backup and the directory.
   */
  async *walk(root: readonly Buffer[], descend?: (dir: Buffer) => boolean): AsyncGenerator<FileEntry> {
    const reading: { dir: Buffer | null } = { dir: null }; // the listing being read (its directory; null: the root)
    try {
      yield* walkTree(
        root,
        async (id) => {
          const hex = id.toString('hex');
          reading.dir = this.listingDirs.get(hex) ?? null;
          this.listingDirs.delete(hex);
          const chunk = await this.listing(id);
          this.named(decodeListingChunk(chunk), !descend);
          return chunk;
        },
        descend,
      );
    } catch (err) {
      if (!isDamage(err)) throw err;
      const where = reading.dir === null ? 'the root' : JSON.stringify(reading.dir.toString());
      throw new DamagedTreeError(this.backup, `${err.message} (its listing of ${where})`);
    }
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
