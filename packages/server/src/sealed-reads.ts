import {
  checkSealedRecord,
  CHUNK_ID_BYTES,
  Codec,
  decodeSealedRecord,
  FormatError,
  isFormatError,
  type SealedRecord,
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

/**
 * An encrypted backup read by its node (docs/ARCHITECTURE.md, "Encrypted
 * nodes"): the server cannot read the file list, so the agent walks the
 * tree itself and asks for chunks by their wire ids. It gets only what the
 * backup's tree reaches from what it was given: the root listing, then the
 * chunks each listing it was sent names (from the references the record
 * carries). Every chunk must be the one asked for; the node checks each
 * one's tag and id before it uses a byte.
 */
export class SealedReads {
  private readonly readable = new Set<string>();

  private constructor(
    private readonly store: Store,
    private readonly keyId: Buffer,
    roots: readonly Buffer[],
  ) {
    for (const id of roots) this.allow(id);
  }

  /** Readings of an available encrypted backup; `root` is its root listing's wire ids, for the agent. */
  static async of(store: Store, backup: BackupInfo): Promise<{ reads: SealedReads; root: Buffer[] }> {
    const { keyId, roots } = splitSealedManifest(store.catalog.manifestIds(backup.id));
    const root: Buffer[] = [];
    for (const id of roots) root.push(decodeSealedRecord(await store.readChunk(id), false).wireId); // readChunk checked it
    return { reads: new SealedReads(store, keyId, roots), root };
  }

  private allow(stored: Buffer): void {
    if (this.readable.size >= MAX_READABLE) {
      throw new WireError('TOO_LARGE', `this backup's tree names more than ${MAX_READABLE} chunks: restore it a directory at a time`, true);
    }
    this.readable.add(stored.toString('latin1', 0, 12));
  }

  /**
   * A stored record. A data chunk's is taken as it lies (its shape checked,
   * not its hash: the node checks the seal's tag, which catches more, so a
   * restore does not pay a SHA-256 of every byte twice); a listing's hash is
   * checked, since the server acts on its references (what may be read
   * next). Damage the server meets is said as such.
   */
  private async read(stored: Buffer, wireId: Buffer): Promise<SealedRecord> {
    try {
      const c = await this.store.readEncodedChunk(stored);
      if (c.codec !== Codec.Sealed) throw new FormatError('CHUNK_CORRUPT', `codec ${c.codec} where a sealed record was expected`);
      const record = decodeSealedRecord(c.payload, false);
      if (record.listingRefs.length + record.dataRefs.length > 0) checkSealedRecord(c.payload);
      return record;
    } catch (err) {
      if (!isFormatError(err) && !isStoreError(err, 'CHUNK_CORRUPT')) throw err;
      throw new WireError(
        'STORE',
        `chunk ${wireId.toString('hex')} of this backup is damaged on the server (${(err as Error).message}): its operator should run cpsbackupd verify`,
        true,
      );
    }
  }

  /** Sends the chunks `req` asks for, one Chunk frame each, in order; returns their bytes. */
  async serve(ctx: SessionContext, req: cpsbackup.ReadChunks.$Properties): Promise<number> {
    const ids = req.ids ?? [];
    if (ids.length > LIMITS.idsPerQuery) throw new ProtocolError('TOO_MANY_IDS', `a read of ${ids.length} chunks (max ${LIMITS.idsPerQuery})`);
    let bytes = 0;
    for (const raw of ids) {
      if (raw.length !== CHUNK_ID_BYTES) throw new ProtocolError('BAD_ID', `chunk id of ${raw.length} bytes`);
      const wireId = Buffer.from(raw);
      const stored = sealedStoreId(this.keyId, wireId);
      if (!this.readable.has(stored.toString('latin1', 0, 12))) {
        throw new WireError('NOT_FOUND', `chunk ${wireId.toString('hex')} is not part of this backup's tree (or was asked before what names it)`, true);
      }
      const record = await this.read(stored, wireId);
      if (!record.wireId.equals(wireId)) throw new WireError('STORE', `stored chunk ${stored.toString('hex')} is not the one asked for`, true);
      for (const ref of record.listingRefs) this.allow(ref);
      for (const ref of record.dataRefs) this.allow(ref);
      await ctx.conn.sendChunk({ id: wireId, codec: Codec.Sealed, rawLength: record.seal.length, payload: record.seal });
      bytes += record.seal.length;
    }
    return bytes;
  }
}
