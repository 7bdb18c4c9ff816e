import {
  checkSealedRecord,
  CHUNK_ID_BYTES,
  chunkIdOf,
  Codec,
  decodeChunk,
  decodeSealedRecord,
  FormatError,
  isFormatError,
  listingRefs,
  ManifestFormat,
  sealedStoreId,
  splitSealedManifest,
} from '@cpsbackup/format';
import { LIMITS, ProtocolError, type cpsbackup } from '@cpsbackup/protocol';
import { type BackupInfo, isStoreError, type Store } from '@cpsbackup/store';
import { type SessionContext } from './context';
import { WireError } from './wire-errors';

/**
 * Chunks of one backup's tree a session may read so far. Each read names
 * what it may reach next (a listing, the chunks it names), so a session
 * holds one small key per chunk of the tree it has walked: this bounds it.
 */
const MAX_READABLE = 4 * 1024 * 1024;

/** What a session read, for its log line. */
export interface ReadTotals {
  /** Chunks sent. */
  chunks: number;
  /** Bytes of file content sent (stored bytes of sealed chunks, raw bytes of plain ones). */
  bytes: number;
  /** Bytes of the file list sent, as they went. */
  listingBytes: number;
}

/** One chunk as it goes out: its wire id, its stored form, and whether it is part of the file list. */
interface Served {
  codec: number;
  rawLength: number;
  payload: Buffer;
  listing: boolean;
}

/**
 * A backup read by its node (docs/ARCHITECTURE.md, "A restore"): the node
 * walks the tree itself and asks for chunks by their ids. It gets only what
 * the backup's tree reaches from what it was given: the root (the root
 * listing, or a flat manifest's chunks), then the chunks each listing it was
 * sent names. A plain listing's hash is checked and its entries read for
 * what they name; a sealed record carries what its listing names (the
 * server cannot read it) and its hash is checked. Without `content`, only
 * the file list is readable (a show or a list: the permission to list is
 * not one to read files). Every chunk must be the one asked for; the node
 * checks each one's hash (or tag and keyed id) before it uses a byte.
 */
export class TreeReads {
  /** Readable listings (a flat manifest's chunks among them), and readable file contents, by the first 12 bytes of their stored id. */
  private readonly listings = new Set<string>();
  private readonly data = new Set<string>();
  /**
   * Listings already sent and checked, moved out of `listings`: asked for
   * again (a node walks the way to each prefix anew), one is sent as stored
   * without decoding, hashing and reading its references again, so a read
   * naming one listing thousands of times costs the server no more than
   * sending it.
   */
  private readonly listingsChecked = new Set<string>();
  readonly totals: ReadTotals = { chunks: 0, bytes: 0, listingBytes: 0 };

  private constructor(
    private readonly store: Store,
    readonly format: ManifestFormat,
    /** An encrypted backup's key id (its chunks live under ids derived from it); empty for a plain one. */
    private readonly keyId: Buffer,
    private readonly content: boolean,
    /** Told of a damaged listing, which then goes out as a chunk the node cannot open (a backup's parent); absent: damage ends the session. */
    private readonly onDamage: ((why: string) => void) | undefined,
  ) {}

  /**
   * Readings of an available backup; `root` is what the agent starts from:
   * the root listing's ids (an encrypted backup's: their wire ids, read from
   * the root records), or a flat manifest's chunks.
   */
  static async of(store: Store, backup: BackupInfo, opts: { content: boolean; damage?: (why: string) => void }): Promise<{ reads: TreeReads; root: Buffer[] }> {
    const ids = store.manifestIds(backup.id);
    if (backup.manifestFormat === ManifestFormat.Sealed) {
      const { keyId, roots } = splitSealedManifest(ids);
      const reads = new TreeReads(store, ManifestFormat.Sealed, keyId, opts.content, opts.damage);
      const root: Buffer[] = [];
      for (const id of roots) {
        root.push(decodeSealedRecord(await store.readChunk(id), false).wireId); // readChunk checked it
        reads.allow(reads.listings, id);
      }
      return { reads, root };
    }
    const format = backup.manifestFormat === ManifestFormat.Tree ? ManifestFormat.Tree : ManifestFormat.Flat;
    const reads = new TreeReads(store, format, Buffer.alloc(0), opts.content, opts.damage);
    for (const id of ids) reads.allow(reads.listings, id);
    // A flat manifest (backups made before trees) names its files' chunks in one stream that a piece
    // of cannot be read alone: what it names is known from the start.
    if (format === ManifestFormat.Flat && opts.content) {
      for await (const e of store.walkManifest(backup.id)) for (const id of e.chunks) reads.allow(reads.data, id);
    }
    return { reads, root: ids };
  }

  private allow(set: Set<string>, stored: Buffer): void {
    if (this.listings.size + this.listingsChecked.size + this.data.size >= MAX_READABLE) {
      throw new WireError('TOO_LARGE', `this backup's tree names more than ${MAX_READABLE} chunks: restore it a directory at a time`, true);
    }
    set.add(stored.toString('latin1', 0, 12));
  }

  /**
   * Damage met on the server, said as such: the chunk, and that its operator
   * should verify. For a backup's parent (onDamage), said to the log and
   * sent as an empty chunk, which the node cannot open: it goes on without
   * the parent.
   */
  private damaged(wireId: Buffer, err: unknown): Served {
    if (!isFormatError(err) && !isStoreError(err, 'CHUNK_CORRUPT')) throw err;
    if (this.onDamage) {
      this.onDamage(`chunk ${wireId.toString('hex')}: ${(err as Error).message}`);
      const codec = this.format === ManifestFormat.Sealed ? Codec.Sealed : Codec.Raw;
      return { codec, rawLength: 0, payload: Buffer.alloc(0), listing: true };
    }
    throw new WireError(
      'STORE',
      `chunk ${wireId.toString('hex')} of this backup is damaged on the server (${(err as Error).message}): its operator should run cpsbackupd verify`,
      true,
    );
  }

  /**
   * An encrypted backup's record. A data chunk's is taken as it lies (its
   * shape checked, not its hash: the node checks the seal's tag, which
   * catches more, so a restore does not pay a SHA-256 of every byte twice);
   * a listing's hash is checked, since the server acts on its references.
   */
  private async readSealed(wireId: Buffer, listing: boolean): Promise<Served> {
    const stored = sealedStoreId(this.keyId, wireId);
    try {
      const c = await this.store.readEncodedChunk(stored);
      if (c.codec !== Codec.Sealed) throw new FormatError('CHUNK_CORRUPT', `codec ${c.codec} where a sealed record was expected`);
      const record = decodeSealedRecord(c.payload, false);
      if (!record.wireId.equals(wireId)) throw new WireError('STORE', `stored chunk ${stored.toString('hex')} is not the one asked for`, true);
      if (listing && record.listingRefs.length + record.dataRefs.length > 0) {
        checkSealedRecord(c.payload);
        for (const ref of record.listingRefs) this.allow(this.listings, ref);
        if (this.content) for (const ref of record.dataRefs) this.allow(this.data, ref);
      }
      return { codec: Codec.Sealed, rawLength: record.seal.length, payload: record.seal, listing };
    } catch (err) {
      return this.damaged(wireId, err);
    }
  }

  /**
   * A plain backup's chunk, sent as stored. A file's content is not decoded
   * here (the node checks its hash); a listing's is, and its hash checked,
   * since the server acts on what it names.
   */
  private async readPlain(id: Buffer, listing: boolean, at: Parameters<Store['readEncodedChunk']>[1]): Promise<Served> {
    try {
      const c = await this.store.readEncodedChunk(id, at);
      if (c.codec === Codec.Sealed) throw new FormatError('CHUNK_CORRUPT', 'a sealed record where a plain chunk was expected');
      if (listing && this.format === ManifestFormat.Tree) {
        const plain = decodeChunk(c.codec, c.payload, c.rawLength);
        if (!chunkIdOf(plain).equals(id)) throw new FormatError('CHUNK_CORRUPT', 'the listing does not match its hash');
        const refs = listingRefs(plain);
        for (const ref of refs.listings) this.allow(this.listings, ref);
        if (this.content) for (const ref of refs.data) this.allow(this.data, ref);
      }
      return { codec: c.codec, rawLength: c.rawLength, payload: c.payload, listing };
    } catch (err) {
      return this.damaged(id, err);
    }
  }

  /** Sends the chunks `req` asks for, one Chunk frame each, in order. */
  async serve(ctx: SessionContext, req: cpsbackup.ReadChunks.$Properties): Promise<void> {
    const ids = req.ids ?? [];
    if (ids.length > LIMITS.idsPerQuery) throw new ProtocolError('TOO_MANY_IDS', `a read of ${ids.length} chunks (max ${LIMITS.idsPerQuery})`);
    const sealed = this.format === ManifestFormat.Sealed;
    for (const raw of ids) if (raw.length !== CHUNK_ID_BYTES) throw new ProtocolError('BAD_ID', `chunk id of ${raw.length} bytes`);
    // A plain backup's chunks are looked up together (one read transaction), then read one by one.
    const places = sealed ? undefined : this.store.locateChunks(ids.map((raw) => Buffer.from(raw)));
    for (let i = 0; i < ids.length; i++) {
      const id = Buffer.from(ids[i]!);
      const key = (sealed ? sealedStoreId(this.keyId, id) : id).toString('latin1', 0, 12);
      const checked = this.listingsChecked.has(key);
      const listing = checked || this.listings.has(key);
      if (!listing && !this.data.has(key)) {
        throw new WireError(
          'NOT_FOUND',
          this.content
            ? `chunk ${id.toString('hex')} is not part of this backup's tree (or was asked before what names it)`
            : `chunk ${id.toString('hex')} is not part of this backup's file list (a show, a listing or a backup's parent reads no file's content)`,
          true,
        );
      }
      const check = listing && !checked;
      const c = sealed ? await this.readSealed(id, check) : await this.readPlain(id, check, places?.[i]);
      if (check && this.listings.delete(key)) this.listingsChecked.add(key);
      await ctx.conn.sendChunk({ id, codec: c.codec, rawLength: c.rawLength, payload: c.payload });
      this.totals.chunks++;
      if (listing || c.listing) this.totals.listingBytes += c.payload.length;
      else this.totals.bytes += sealed ? c.payload.length : c.rawLength;
    }
  }
}
