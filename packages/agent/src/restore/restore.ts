import { type NodeConfig } from '@cpsbackup/config';
import { type cpsbackup, entryFromRecord } from '@cpsbackup/protocol';
import { ABSOLUTE_MAX_CHUNK_SIZE } from '@cpsbackup/chunker';
import { chunkIdOf, decodeChunkToScratch, EntryType, type FileEntry, isUnder, prefixSelection, selectedWithWay } from '@cpsbackup/format';
import type RE2 from 're2';
import { loadNodeKey, type PassphrasePrompt, requireKeys } from '../encryption/node-key';
import { keyAccessOf } from '../client/key-requests';
import { SealedChunkReads } from '../encryption/tree-reader';
import { AgentError, ExitCode } from '../errors';
import { ServerConnection } from '../client/server-connection';
import { restoreFailure } from './fatal-errors';
import { TreeWriter, type WriteOutcome } from './tree-writer';

/** What to restore and where. */
export interface RestoreOptions {
  /** Backup number; 0 or absent: the newest available backup. */
  number?: number;
  /** Directory to restore into ("/" puts files back where they were). */
  target: string;
  /** Who is asked for the passphrase of the server's copy of the key when the key file is missing (the CLI's terminal); none: no one. */
  prompt?: PassphrasePrompt;
  /** Only paths equal to or below these (raw bytes: names need not be UTF-8). */
  prefixes?: Buffer[];
  /** Only paths this regular expression matches (RE2 syntax; the server selects, so nothing else is sent). */
  regex?: string;
  overwrite?: boolean;
  /** Make FIFOs whose content was backed up as FIFOs (the content is not written); by default they come back as files. */
  fifoAsFifo?: boolean;
  /** Make device nodes (as root); false leaves them out, each reported. Default true. */
  devices?: boolean;
  /** Keep setuid/setgid bits and file capabilities; false restores files without them. Default true. */
  setuid?: boolean;
  /** FIFOs below these paths are restored as regular files whatever fifoAsFifo says (this node's dump directory). */
  fifoAsFileUnder?: string[];
  /** Another client's backup (its client file names this node in restore_client); absent: our own. */
  client?: string;
  /** Told what became of each selected entry (not of the directories on the way); `path` is valid only during the call. */
  onEntry?: (path: Buffer, outcome: WriteOutcome, entry: FileEntry) => void;
}

/** What a restore did. */
export interface RestoreResult {
  summary: cpsbackup.BackupSummary.$Properties;
  entries: number;
  bytes: number;
  skipped: number;
  warnings: string[];
  /** Files not restored because their content does not match their entry (a damaged or forged backup). */
  damaged: string[];
}

/** Entries written, and what was not. */
interface Totals {
  entries: number;
  bytes: number;
  skipped: number;
}

/** The totals once the writer thread is done: the files it could not restore after all are skipped, not restored. */
function afterWriter(totals: Totals, writer: TreeWriter): Totals {
  return { ...totals, entries: totals.entries - writer.skippedByWriter, skipped: totals.skipped + writer.skippedByWriter };
}

/** Counts one entry's outcome. */
function count(totals: Totals, outcome: WriteOutcome, e: FileEntry): void {
  if (outcome === 'skipped' || outcome === 'damaged') totals.skipped++;
  else totals.entries++;
  if (outcome === 'written') totals.bytes += e.size;
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

/**
 * Which FIFO entries come back as regular files. A FIFO whose content was
 * backed up (read_all_fifos, read_fifo, a dump job) is restored as a file
 * named after it holding that content, as the Canopsis page says Burp does:
 * a FIFO made in its place would lose the content (a database dump) without
 * a word. A FIFO backed up without content is made as a FIFO. `fifoAsFifo`
 * makes FIFOs of the first kind too, except below `fifoAsFileUnder` (this
 * node's dump directory, whose files the dump jobs load).
 */
export function fifoRestoredAsFile(opts: Pick<RestoreOptions, 'fifoAsFifo' | 'fifoAsFileUnder'>): (e: FileEntry) => boolean {
  const under = (opts.fifoAsFileUnder ?? []).map((p) => Buffer.from(p));
  return (e) => under.some((p) => isUnder(e.path, p)) || (!opts.fifoAsFifo && e.chunks.length > 0);
}

/** Restores a backup (or part of it) into `opts.target`. */
export async function runRestore(config: NodeConfig, opts: RestoreOptions): Promise<RestoreResult> {
  const keys = await loadNodeKey(config, keyAccessOf(config, opts.prompt));
  const server = await ServerConnection.open(config, keys?.keyId);
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
      fifoAsFile: fifoRestoredAsFile(opts),
      devices: opts.devices ?? true,
      setuid: opts.setuid ?? true,
    });
    const totals: Totals = { entries: 0, bytes: 0, skipped: 0 };
    for (;;) {
      const m = await server.next();
      if (m.msg === 'sealedTree') {
        const reads = new SealedChunkReads(server, requireKeys(keys, m.sealedTree.backup), Number(m.sealedTree.backup?.number ?? 0));
        const result = await restoreSealed(
          reads,
          (m.sealedTree.root ?? []).map((id) => Buffer.from(id)),
          writer,
          opts,
        );
        await reads.done();
        const end = await server.expect('restoreEnd');
        await writer.finish();
        await server.close();
        return { summary: end.backup ?? {}, ...afterWriter(result, writer), warnings: writer.warnings, damaged: writer.damaged };
      }
      if (m.msg === 'restoreEnd') {
        await writer.finish();
        await server.close();
        return { summary: m.restoreEnd.backup ?? {}, ...afterWriter(totals, writer), warnings: writer.warnings, damaged: writer.damaged };
      }
      if (m.msg !== 'restoreEntry') throw new AgentError('PROTOCOL', `unexpected ${m.msg} during a restore`);
      const e = entryFromRecord(m.restoreEntry.record);
      const content = verifiedContent(server, e);
      const context = !!m.restoreEntry.context;
      const outcome = await writer.write(e, content, context);
      if (!context) {
        count(totals, outcome, e);
        opts.onEntry?.(e.path, outcome, e);
      }
    }
  } catch (err) {
    server.conn.destroy();
    await writer?.abort();
    throw restoreFailure(err, opts.target);
  }
}

/**
 * The path selection a restore asks for, applied by the agent when it walks
 * an encrypted tree itself. RE2 loads only when a --regex asks for it: every
 * other command of the CLI starts without its native addon.
 */
export async function pathSelection(
  prefixes: readonly Buffer[],
  regex: string | undefined,
): Promise<{ selected: (path: Buffer) => boolean; descend?: (dir: Buffer) => boolean }> {
  let re: RE2 | undefined;
  if (regex) {
    const { default: RE2 } = await import('re2');
    try {
      re = new RE2(regex, 'u');
    } catch (err) {
      throw new AgentError(
        'BAD_REGEX',
        `--regex ${JSON.stringify(regex)} is not a regular expression cpsbackup takes (RE2 syntax): ${(err as Error).message}`,
        ExitCode.CONFIG,
      );
    }
  }
  const byPrefix = prefixSelection(prefixes);
  return {
    selected: (path) => byPrefix.selected(path) && (!re || re.test(path)),
    descend: byPrefix.descend,
  };
}

/** Entries (with their first chunks asked for) the restore of an encrypted backup holds ahead of the writer. */
const AHEAD_ENTRIES = 512;
/** ...and the file bytes they may hold at most (counting a large file as its first windows). */
const AHEAD_BYTES = 32 * 1024 * 1024;
/** A file's chunks are asked for this many at a time, two such windows ahead of the writer. */
const WINDOW_CHUNKS = 16;

/**
 * One file's content, read from the server a window of chunks at a time,
 * two windows ahead of what the writer took: a large file never sits in
 * memory whole (a 2 GiB dump is 32 chunks at a time, not 2 GiB).
 */
class ContentStream {
  private next = 0;
  private readonly inFlight: Array<Promise<Buffer[]>> = [];

  constructor(
    private readonly reads: SealedChunkReads,
    private readonly e: FileEntry,
  ) {
    this.fill();
  }

  private fill(): void {
    while (this.inFlight.length < 2 && this.next < this.e.chunks.length) {
      const window = this.reads.seals(this.e.chunks.slice(this.next, this.next + WINDOW_CHUNKS), this.e.path.toString());
      window.catch(() => undefined); // met when the writer takes it
      this.inFlight.push(window);
      this.next += WINDOW_CHUNKS;
    }
  }

  /** The file's chunks, each opened and checked as the writer takes it (into one scratch buffer: the writer copies it first). */
  async *chunks(): AsyncGenerator<Buffer> {
    let index = 0;
    while (this.inFlight.length > 0) {
      const window = await this.inFlight.shift()!;
      this.fill();
      for (const seal of window) yield this.reads.open(this.e.chunks[index++]!, seal, this.e.path.toString());
    }
  }
}

/**
 * Restores an encrypted backup: the agent walks the tree (decrypting each
 * listing) and asks for each selected file's chunks, a few hundred files
 * ahead of the writer so that requests and answers overlap; every chunk is
 * authenticated and checked against its id before the writer sees it.
 */
async function restoreSealed(reads: SealedChunkReads, root: Buffer[], writer: TreeWriter, opts: RestoreOptions): Promise<Totals> {
  const { selected, descend } = await pathSelection(opts.prefixes ?? [], opts.regex);
  const ahead: Array<{ e: FileEntry; content: ContentStream; held: number; context: boolean }> = [];
  let aheadBytes = 0;
  const totals: Totals = { entries: 0, bytes: 0, skipped: 0 };
  const writeOldest = async () => {
    const { e, content, held, context } = ahead.shift()!;
    aheadBytes -= held;
    const outcome = await writer.write(e, content.chunks(), context);
    if (!context) {
      count(totals, outcome, e);
      opts.onEntry?.(e.path, outcome, e);
    }
  };
  // The directories on the way to what is selected come as context, as the server sends them for a plain backup.
  for await (const { e, context } of selectedWithWay(reads.walk(root, descend), selected, (x) => x.type === EntryType.Directory)) {
    // What its first two windows hold at most (chunks of the default chunker are at most 1 MiB, 256 KiB on average).
    const held = Math.min(e.size, 2 * WINDOW_CHUNKS * 1024 * 1024);
    ahead.push({ e, content: new ContentStream(reads, e), held, context });
    aheadBytes += held;
    while (ahead.length > AHEAD_ENTRIES || (aheadBytes > AHEAD_BYTES && ahead.length > 1)) await writeOldest();
  }
  while (ahead.length > 0) await writeOldest();
  return totals;
}
