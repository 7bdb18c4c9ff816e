import * as path from 'node:path';
import { bytesText, type NodeConfig } from '@cpsbackup/config';
import { type cpsbackup } from '@cpsbackup/protocol';
import { EntryType, type FileEntry, isUnder, ManifestFormat, selectedWithWay } from '@cpsbackup/format';
import { loadNodeKey, type PassphrasePrompt, requireKeys } from '../encryption/node-key';
import { keyAccessOf } from '../client/key-requests';
import { compileRegex, selectionThroughLinks, type PathSelection, selectionOf } from '../reads/path-selection';
import { type StoredChunk, TreeReads } from '../reads/tree-reads';
import { ServerConnection } from '../client/server-connection';
import { restoreFailure } from './fatal-errors';
import { type FileContent, TreeWriter, type WriteOutcome } from './tree-writer';
import { interruptionOf, throwIfInterrupted } from '../interruption';
import { escapeName } from '../escaped-names';
import { AgentError } from '../errors';

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
  /** Called as each entry is written, and within a large file as its chunks arrive (progress display). */
  onProgress?: (p: RestoreProgress) => void;
  /** Aborted (with an Interruption) when the restore must stop: the files it completed are kept, the one being written is not. */
  interrupt?: AbortSignal;
}

/** Where a restore stands; the totals are known when the whole backup is restored (they are the backup's own), not for a selection. */
interface RestoreProgress {
  entries: number;
  bytes: number;
  totalEntries?: number;
  totalBytes?: number;
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
    const w = (writer = new TreeWriter(opts.target, {
      overwrite: !!opts.overwrite,
      fifoAsFile: restoredAsFile(opts),
      ontoDevices: !!opts.ontoDevices,
      devices: opts.devices ?? true,
      setuid: opts.setuid ?? true,
    }));
    // The backup's own counts are the whole of a restore that selects nothing: a restore of part of it knows no total.
    const whole = !opts.prefixes?.length && opts.regex === undefined;
    const totals: Totals = { entries: 0, bytes: 0, skipped: 0 };
    const progress = new Progress(opts.onProgress, totals, whole ? (tree.backup ?? undefined) : undefined);
    await restoreTree(reads, root, selection, w, totals, progress, opts).catch(async (err: unknown) => {
      throw await stopped(err, { writer: w, totals, progress, target: opts.target, number: Number(tree.backup?.number ?? 0), interrupt: opts.interrupt });
    });
    progress.tell();
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

/** A window of a file's chunks asked for, and its answer once it came (then the writer takes it without a promise). */
interface Window {
  answer: Promise<StoredChunk[]>;
  came?: StoredChunk[];
}

/**
 * One file's content, read from the server a window of chunks at a time,
 * two windows ahead of what the writer took: a large file never sits in
 * memory whole (a 2 GiB dump is 32 chunks at a time, not 2 GiB). Each
 * chunk is opened and checked as the writer takes it, decoded where the
 * writer's `target` says (its ring) or else into one scratch buffer (which
 * the writer copies first); `onPiece` is told of each before.
 */
class ContentStream implements FileContent {
  private asked = 0;
  private index = 0;
  private readonly inFlight: Window[] = [];
  private current: StoredChunk[] = [];
  private inCurrent = 0;
  onPiece: (piece: Buffer) => void = () => undefined;
  target: FileContent['target'];

  constructor(
    private readonly reads: TreeReads,
    private readonly e: FileEntry,
  ) {
    this.fill();
  }

  private fill(): void {
    while (this.inFlight.length < 2 && this.asked < this.e.chunks.length) {
      // A file of one window (most files) asks for its own list of chunks: no copy of it.
      const ids = this.asked === 0 && this.e.chunks.length <= WINDOW_CHUNKS ? this.e.chunks : this.e.chunks.slice(this.asked, this.asked + WINDOW_CHUNKS);
      const w: Window = { answer: this.reads.stored(ids, this.e.path.toString()) };
      // The answer is kept where next() looks for it; a failure is met when the writer takes it.
      w.answer.then(
        (chunks) => (w.came = chunks),
        () => undefined,
      );
      this.inFlight.push(w);
      this.asked += WINDOW_CHUNKS;
    }
  }

  next(): Buffer | undefined | Promise<Buffer | undefined> {
    if (this.inCurrent < this.current.length) return this.take();
    const w = this.inFlight[0];
    if (!w) return undefined;
    if (!w.came) return w.answer.then(() => this.next());
    this.inFlight.shift();
    this.fill();
    this.current = w.came;
    this.inCurrent = 0;
    return this.next();
  }

  private take(): Buffer {
    const piece = this.reads.open(this.e.chunks[this.index++]!, this.current[this.inCurrent++]!, this.e.path.toString(), this.target);
    this.onPiece(piece);
    return piece;
  }
}

/** Writes what `selection` takes of the tree, the directories on the way to it as context (made where missing, else left alone). */
async function restoreTree(
  reads: TreeReads,
  root: readonly Buffer[],
  { selected, descend }: PathSelection,
  writer: TreeWriter,
  totals: Totals,
  progress: Progress,
  opts: RestoreOptions,
): Promise<void> {
  const ahead: Array<{ e: FileEntry; content: ContentStream; held: number; context: boolean }> = [];
  let aheadBytes = 0;
  const onPiece = (piece: Buffer) => progress.passing(piece, opts.interrupt);
  const writeOldest = async () => {
    const { e, content, held, context } = ahead.shift()!;
    aheadBytes -= held;
    progress.writing = e;
    content.onPiece = onPiece;
    const outcome = await writer.write(e, content, context);
    progress.writing = undefined;
    if (!context) {
      count(totals, outcome, e);
      opts.onEntry?.(e.path, outcome, e);
      progress.last = e.path;
      progress.tell();
    }
  };
  for await (const { e, context } of selectedWithWay(reads.walk(root, descend), selected, (x) => x.type === EntryType.Directory)) {
    throwIfInterrupted(opts.interrupt);
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
}

/** A restore's progress: the entries counted, and the bytes of the file being written as its chunks pass. */
class Progress {
  private reading = 0;
  /** The entry being written, and the last one complete (its path), for an interruption's message. */
  writing: FileEntry | undefined;
  last: Buffer | undefined;

  constructor(
    private readonly onProgress: RestoreOptions['onProgress'],
    private readonly totals: Totals,
    private readonly whole: cpsbackup.BackupSummary.$Properties | undefined,
  ) {}

  /** An entry is complete: told (the display paces itself). */
  tell(): void {
    this.reading = 0;
    this.emit();
  }

  private emit(): void {
    this.onProgress?.({
      entries: this.totals.entries,
      bytes: this.totals.bytes + this.reading,
      ...(this.whole ? { totalEntries: Number(this.whole.fileCount ?? 0), totalBytes: Number(this.whole.logicalBytes ?? 0) } : {}),
    });
  }

  /** A file's chunk passing to the writer, counted; an interruption stops the file between two of them. */
  passing(piece: Buffer, interrupt: AbortSignal | undefined): void {
    throwIfInterrupted(interrupt);
    this.reading += piece.length;
    this.emit();
  }
}

/** A server gone for now (the connection lost, the server stopping): the same restore run again finishes the work. */
const CUT_OFF = new Set(['CONNECTION', 'SHUTTING_DOWN']);

/**
 * A restore that stopped midway, interrupted or cut off from the server:
 * the writer finishes what it was handed complete (the file being written
 * is dropped, never left half-written), and the message says how far it
 * got. Any other failure is returned as it is: a damaged or missing chunk
 * would stop the same restore at the same file again, and a full disk says
 * its own counts.
 */
async function stopped(
  err: unknown,
  {
    writer,
    totals,
    progress,
    target,
    number,
    interrupt,
  }: { writer: TreeWriter; totals: Totals; progress: Progress; target: string; number: number; interrupt: AbortSignal | undefined },
): Promise<unknown> {
  const interruption = interruptionOf(interrupt);
  const cutOff = !interruption && err instanceof AgentError && CUT_OFF.has(err.code) ? err : undefined;
  if (!interruption && !cutOff) return err;
  const said = (outcome: string) =>
    interruption ? interruption.with(outcome) : new AgentError(cutOff!.code, `${cutOff!.message}; ${outcome}`, cutOff!.exitCode);
  try {
    await writer.finish();
  } catch {
    return said(`restore of backup ${number} into ${target} stopped; what it had written may be incomplete: run it again`);
  }
  const done = afterWriter(totals, writer);
  const shown = (p: Buffer) => path.join(target, escapeName(p));
  const last = progress.last !== undefined ? `, the last ${shown(progress.last)}` : '';
  const cut = progress.writing ? `; ${shown(progress.writing.path)}, being written, was not kept (no partial file is left)` : '';
  return said(
    `restore of backup ${number} into ${target} stopped after ${done.entries} entries (${bytesText(done.bytes)}) restored complete${last}${cut}; ` +
      `the rest of the selection was not restored: run the same restore again to finish it (files already there are kept as they are; --overwrite replaces them)`,
  );
}
