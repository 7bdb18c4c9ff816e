import { type NodeConfig } from '@cpsbackup/config';
import { type cpsbackup, entryFromRecord } from '@cpsbackup/protocol';
import { ABSOLUTE_MAX_CHUNK_SIZE } from '@cpsbackup/chunker';
import { chunkIdOf, decodeChunkToScratch, type FileEntry } from '@cpsbackup/format';
import { AgentError } from '../errors';
import { ServerConnection } from '../client/server-connection';
import { TreeWriter } from './tree-writer';

/** What to restore and where. */
export interface RestoreOptions {
  /** Backup number; 0 or absent: the newest available backup. */
  number?: number;
  /** Directory to restore into ("/" puts files back where they were). */
  target: string;
  /** Only paths equal to or below these (raw bytes: names need not be UTF-8). */
  prefixes?: Buffer[];
  /** Only paths this regular expression matches (RE2 syntax; the server selects, so nothing else is sent). */
  regex?: string;
  overwrite?: boolean;
  fifoAsFile?: boolean;
  /** FIFOs below these paths are restored as regular files (dump jobs). */
  fifoAsFileUnder?: string[];
  /** Another client's backup (its client file names this node in restore_client); absent: our own. */
  client?: string;
}

/** What a restore did. */
export interface RestoreResult {
  summary: cpsbackup.BackupSummary.$Properties;
  entries: number;
  bytes: number;
  skipped: number;
  warnings: string[];
}

/**
 * Receives one entry's chunks from the server, checking each decodes to
 * its declared length and hashes to its id: a restore never writes bytes it
 * has not verified end to end. Each piece is decoded into one scratch
 * buffer, so it is valid only until the next piece is pulled (the tree
 * writer copies it before that).
 */
async function* verifiedContent(server: ServerConnection, e: FileEntry): AsyncGenerator<Buffer> {
  for (const id of e.chunks) {
    const c = await server.expect('chunk');
    const got = Buffer.from(c.id ?? new Uint8Array());
    if (!got.equals(id)) throw new AgentError('PROTOCOL', `the server sent chunk ${got.toString('hex')} where ${id.toString('hex')} was expected`);
    const rawLength = c.rawLength ?? 0;
    if (rawLength > ABSOLUTE_MAX_CHUNK_SIZE) throw new AgentError('PROTOCOL', `chunk of ${rawLength} bytes exceeds the limit`);
    // A view of the frame, not a copy: frame buffers are never reused.
    const p = c.payload ?? new Uint8Array();
    const plain = decodeChunkToScratch(c.codec ?? 0, Buffer.from(p.buffer, p.byteOffset, p.byteLength), rawLength);
    if (!chunkIdOf(plain).equals(id)) {
      throw new AgentError('CORRUPT', `chunk ${id.toString('hex')} of ${e.path.toString()} does not match its hash: the stored copy is damaged`);
    }
    yield plain;
  }
}

/** Restores a backup (or part of it) into `opts.target`. */
export async function runRestore(config: NodeConfig, opts: RestoreOptions): Promise<RestoreResult> {
  const server = await ServerConnection.open(config);
  let writer: TreeWriter | undefined;
  try {
    await server.send({
      restoreRequest: {
        number: opts.number ?? 0,
        metadataOnly: false,
        pathPrefixes: opts.prefixes ?? [],
        client: opts.client ?? '',
        pathRegex: opts.regex ?? '',
      },
    });
    writer = new TreeWriter(opts.target, {
      overwrite: !!opts.overwrite,
      fifoAsFile: !!opts.fifoAsFile,
      fifoAsFileUnder: (opts.fifoAsFileUnder ?? []).map((p) => Buffer.from(p)),
    });
    let entries = 0;
    let bytes = 0;
    let skipped = 0;
    for (;;) {
      const m = await server.next();
      if (m.msg === 'restoreEnd') {
        await writer.finish();
        await server.close();
        return { summary: m.restoreEnd.backup ?? {}, entries, bytes, skipped, warnings: writer.warnings };
      }
      if (m.msg !== 'restoreEntry') throw new AgentError('PROTOCOL', `unexpected ${m.msg} during a restore`);
      const e = entryFromRecord(m.restoreEntry.record);
      const content = verifiedContent(server, e);
      const outcome = await writer.write(e, content);
      if (outcome === 'skipped') skipped++;
      else entries++;
      if (outcome === 'written') bytes += e.size;
    }
  } catch (err) {
    server.conn.destroy();
    await writer?.abort();
    throw err;
  }
}
