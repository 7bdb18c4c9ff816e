import { type NodeConfig } from '@cpsbackup/config';
import { type cpsbackup } from '@cpsbackup/protocol';
import { EntryType, type FileEntry, isUnder, ManifestFormat, selectedWithWay } from '@cpsbackup/format';
import { loadNodeKey, type PassphrasePrompt, requireKeys } from '../encryption/node-key';
import { keyAccessOf } from '../client/key-requests';
import { compileRegex, selectionThroughLinks, type PathSelection, selectionOf } from '../reads/path-selection';
import { type StoredChunk, TreeReads } from '../reads/tree-reads';
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
  /** Only paths this regular expression matches (RE2 syntax; selected on this node, so only their content is read). */
  regex?: string;
  overwrite?: boolean;
  /** Make FIFOs whose content was backed up as FIFOs (the content is not written); by default they come back as files. */
  fifoAsFifo?: boolean;
  /** Write a block device's backed-up content onto the block device at its destination, when one is there and not in use (by default: a file). */
  ontoDevices?: boolean;
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
 * Which FIFO and block device entries come back as regular files. A block
 * device whose content was backed up (read_blockdev) always does, as under
 * Burp, unless --onto-devices finds a block device where it goes (see
 * TreeWriter.writeOntoDevice). A FIFO whose content was
 * backed up (read_all_fifos, read_fifo, a dump job) is restored as a file
 * named after it holding that content, as the Canopsis page says Burp does:
 * a FIFO made in its place would lose the content (a database dump) without
 * a word. A FIFO backed up without content is made as a FIFO. `fifoAsFifo`
 * makes FIFOs of the first kind too, except below `fifoAsFileUnder` (this
 * node's dump directory, whose files the dump jobs load).
 */
function restoredAsFile(opts: Pick<RestoreOptions, 'fifoAsFifo' | 'fifoAsFileUnder'>): (e: FileEntry) => boolean {
  const under = (opts.fifoAsFileUnder ?? []).map((p) => Buffer.from(p));
  return (e) => (e.type === EntryType.BlockDevice ? e.chunks.length > 0 : under.some((p) => isUnder(e.path, p)) || (!opts.fifoAsFifo && e.chunks.length > 0));
}

/**
 * Restores a backup (or part of it) into `opts.target`. This node walks the
 * backup's tree (plain or encrypted alike: TreeReads), selects paths itself,
 * and asks for each selected file's chunks, a few hundred files ahead of the
 * writer so that requests and answers overlap; every chunk is checked against
 * its id (and, encrypted, authenticated) before the writer sees a byte.
 */
export async function runRestore(config: NodeConfig, opts: RestoreOptions): Promise<RestoreResult> {
  const regex = await compileRegex(opts.regex); // a pattern refused before anything is asked or written
  const keys = await loadNodeKey(config, keyAccessOf(config, opts.prompt));
  const server = await ServerConnection.open(config, keys?.keyId);
  let writer: TreeWriter | undefined;
  try {
    await server.send({ restoreRequest: { number: opts.number ?? 0, metadataOnly: false, client: opts.client ?? '' } });
    const tree = await server.expect('backupTree');
    const { reads, root } = TreeReads.of(server, tree, tree.format === ManifestFormat.Sealed ? requireKeys(keys, tree.backup) : undefined);
    const selection = await selectionThroughLinks(reads, root, opts.prefixes ?? [], regex);
    writer = new TreeWriter(opts.target, {
      overwrite: !!opts.overwrite,
      fifoAsFile: restoredAsFile(opts),
      ontoDevices: !!opts.ontoDevices,
      devices: opts.devices ?? true,
      setuid: opts.setuid ?? true,
    });
    const totals = await restoreTree(reads, root, selection, writer, opts);
    await reads.done();
    const end = await server.expect('restoreEnd');
    await writer.finish();
    await server.close();
    return { summary: end.backup ?? tree.backup ?? {}, ...afterWriter(totals, writer), warnings: writer.warnings, damaged: writer.damaged };
  } catch (err) {
    server.conn.destroy();
    await writer?.abort();
    throw restoreFailure(err, opts.target);
  }
}

/**
 * The selection a restore of these prefixes and --regex makes, links in the
 * way not followed: which of the dump jobs' files a restore took.
 */
export async function pathSelection(prefixes: readonly Buffer[], regex: string | undefined): Promise<PathSelection> {
  return selectionOf(prefixes, await compileRegex(regex));
}

/** Entries (with their first chunks asked for) a restore holds ahead of the writer. */
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
  private readonly inFlight: Array<Promise<StoredChunk[]>> = [];

  constructor(
    private readonly reads: TreeReads,
    private readonly e: FileEntry,
  ) {
    this.fill();
  }

  private fill(): void {
    while (this.inFlight.length < 2 && this.next < this.e.chunks.length) {
      const window = this.reads.stored(this.e.chunks.slice(this.next, this.next + WINDOW_CHUNKS), this.e.path.toString());
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
      for (const c of window) yield this.reads.open(this.e.chunks[index++]!, c, this.e.path.toString());
    }
  }
}

/** Writes what `selection` takes of the tree, the directories on the way to it as context (made where missing, else left alone). */
async function restoreTree(
  reads: TreeReads,
  root: readonly Buffer[],
  { selected, descend }: PathSelection,
  writer: TreeWriter,
  opts: RestoreOptions,
): Promise<Totals> {
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
  for await (const { e, context } of selectedWithWay(reads.walk(root, descend), selected, (x) => x.type === EntryType.Directory)) {
    // What its first two windows hold at most (chunks of the default chunker are at most 1 MiB, 256 KiB on average).
    const held = Math.min(e.size, 2 * WINDOW_CHUNKS * 1024 * 1024);
    ahead.push({ e, content: new ContentStream(reads, e), held, context });
    aheadBytes += held;
    if (ahead.length > AHEAD_ENTRIES || (aheadBytes > AHEAD_BYTES && ahead.length > 1)) {
      // Written down to half the marks, then refilled in one go: the reads the refill asks for go out
      // together, as one ReadChunks. Refilled one file at a time, each read went out alone, and a
      // message per small file cost the node's and the server's CPU more than the chunk it carried.
      while (ahead.length > AHEAD_ENTRIES / 2 || (aheadBytes > AHEAD_BYTES / 2 && ahead.length > 1)) await writeOldest();
    }
  }
  while (ahead.length > 0) await writeOldest();
  return totals;
}
