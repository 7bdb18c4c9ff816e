import * as os from 'node:os';
import { type ChunkerParams, DEFAULT_CHUNKER_PARAMS, validateChunkerParams } from '@cpsbackup/chunker';
import { type NodeConfig } from '@cpsbackup/config';
import { type cpsbackup } from '@cpsbackup/protocol';
import { EntryType, type FileEntry, isUnder, type ManifestFormat, type Xattr } from '@cpsbackup/format';
import { ChunkPool, defaultThreads } from './chunk-pool';
import { type BackupCounters, newBackupCounters } from './counters';
import {
  type ChunkSink,
  DeviceReadError,
  FifoReadError,
  type FileStat,
  looksSparse,
  ReadBlocks,
  readBlockDevice,
  readFifo,
  readRegularFile,
  type ReadResult,
} from './file-reader';
import { type AheadDecision, type AheadStep, backupWorkers, FilePool, type FileRead, ReadAhead } from './file-pool';
import { OwnerNames } from './owners';
import { type PreviousManifest, PreviousManifestSpool } from './previous-manifest';
import { sendRateOf, ServerConnection } from '../client/server-connection';
import { AgentError, ExitCode } from '../errors';
import { interruptionOf, throwIfInterrupted } from '../interruption';
import { DEFAULT_UPLOAD_LIMITS, Uploader } from './uploader';
import { loadNodeKey, type PassphrasePrompt } from '../encryption/node-key';
import { keyAccessOf } from '../client/key-requests';
import { DamagedTreeError, TreeReads } from '../reads/tree-reads';
import { type RootReport, walk, type WalkItem, type WalkKind } from './walker';
import { compressionRule } from './selection';
import { selectionWalkOptions } from './walk-options';

/** Options of one backup run. */
export interface BackupOptions {
  /** Read every file, trusting no metadata from the previous backup. */
  full?: boolean;
  name?: string;
  description?: string;
  /** Who is asked for the passphrase of the server's copy of the key when the key file is missing (the CLI's terminal); none: no one. */
  prompt?: PassphrasePrompt;
  /**
   * Called with the counters as each entry is sent (progress display), also within a
   * large file or FIFO as its chunks are cut: `readingBytes` of the one being
   * read (not yet in `bytesRead`); `expectedBytes` is the previous backup's
   * size (0: none).
   */
  onProgress?: (c: BackupCounters, expectedBytes: number, readingBytes: number) => void;
  /** Aborted (with an Interruption) when the backup must stop: it is abandoned, and the server told why. */
  interrupt?: AbortSignal;
  /** Paths to walk besides node.conf's includes (the dump directory). */
  extraIncludes?: string[];
  /** FIFOs to read whatever read_all_fifos says (the dump FIFOs). */
  extraFifos?: string[];
  /** For a FIFO with a known writer: resolves when that writer exits. */
  fifoWriterExit?: (path: string) => Promise<void> | undefined;
  /** Runs after the last entry, before commit; throwing aborts the backup with that reason. */
  beforeCommit?: () => Promise<void>;
  /** Warnings known before the walk (a file moved aside from where a dump FIFO goes), stored with the backup's own. */
  warnings?: string[];
  /** A line to show its user now: the server waits on its storage, or no longer does (the CLI prints it, the daemon logs it). */
  onNotice?: (line: string) => void;
}

/** What a finished backup reports. */
export interface BackupResult {
  summary: cpsbackup.BackupSummary.$Properties;
  counters: BackupCounters;
}

/** A file that keeps changing is read this many times before it is stored as read, with a warning. */
const MAX_READS = 3;
/**
 * Files up to this size are read whole on the file pool; larger ones are
 * streamed by the main thread (their chunks hashed on the chunk pool), so
 * no file is ever held whole in memory past this size.
 */
const POOLED_FILE_BYTES = 4 * 1024 * 1024;

const TYPE_OF: Record<WalkKind, FileEntry['type']> = {
  file: EntryType.File,
  dir: EntryType.Directory,
  symlink: EntryType.Symlink,
  fifo: EntryType.Fifo,
  chardev: EntryType.CharDevice,
  blockdev: EntryType.BlockDevice,
  socket: EntryType.Socket,
};

/** The extended attributes of every entry that has none (never written to). */
const NO_XATTRS: readonly Xattr[] = Object.freeze([]);

/** The link target of every entry that is not a symlink (never written to). */
const NO_TARGET = Buffer.alloc(0);

/** Which extended attributes node.conf keeps: POSIX ACLs with acl = 1, the others with xattr = 1 (Burp's keys, both on by default). */
function xattrsKept(config: Pick<NodeConfig, 'acl' | 'xattr'>): (xattrs: readonly Xattr[] | undefined) => readonly Xattr[] {
  if (config.acl && config.xattr) return (xattrs) => xattrs ?? NO_XATTRS;
  return (xattrs) => {
    const kept = (xattrs ?? NO_XATTRS).filter((x) => (x.name.toString('latin1').startsWith('system.posix_acl_') ? config.acl : config.xattr));
    return kept.length ? kept : NO_XATTRS;
  };
}

function entryOf(item: WalkItem, st: FileStat, owners: OwnerNames, xattrs: readonly Xattr[]): FileEntry {
  return {
    path: item.path,
    type: TYPE_OF[item.kind],
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    user: owners.user(Number(st.uid)),
    group: owners.group(Number(st.gid)),
    size: item.kind === 'file' ? Number(st.size) : 0,
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
    inode: st.ino,
    dev: st.dev,
    rdev: st.rdev,
    linkTarget: NO_TARGET,
    hardlinkGroup: 0,
    chunks: [],
    xattrs,
  };
}

/** A file's entry as of the end of its read (the walk's lstat may be older): in place, as it is made per file. */
function updateEntry(entry: FileEntry, st: FileStat, owners: OwnerNames): void {
  entry.mode = Number(st.mode & 0o7777n);
  if (entry.uid !== Number(st.uid)) entry.user = owners.user((entry.uid = Number(st.uid)));
  if (entry.gid !== Number(st.gid)) entry.group = owners.group((entry.gid = Number(st.gid)));
  entry.mtimeNs = st.mtimeNs;
  entry.ctimeNs = st.ctimeNs;
  entry.inode = st.ino;
  entry.dev = st.dev;
  entry.rdev = st.rdev;
}

/**
 * One backup of this node: connect, begin, learn the parent's files, walk
 * and upload, end. Any failure aborts the backup on the server with the
 * reason (so it is recorded as error) before it is rethrown.
 */
export async function runBackup(config: NodeConfig, opts: BackupOptions = {}): Promise<BackupResult> {
  const keys = await loadNodeKey(config, keyAccessOf(config, opts.prompt));
  const server = await ServerConnection.open(config, keys?.keyId);
  const counters = newBackupCounters();
  // One set of worker threads reads files and compresses chunks: read_concurrency of them, or a compressor per core but one where that is more.
  const workers = backupWorkers(Math.max(config.read_concurrency, defaultThreads()));
  const pool = new ChunkPool(config.zstd_level, workers, undefined, keys?.idKey);
  let files: FilePool | undefined;
  let begun = false;
  let backupNumbers: { number: number; parent: number } | undefined;
  let ended = false;
  // What the walk and FIFO reads stop on: the connection lost, or the run interrupted.
  const stop = opts.interrupt ? AbortSignal.any([server.lost, opts.interrupt]) : server.lost;
  // The server is told at once, and the connection ended, so that no wait on the server (its storage answering slowly) outlives an interruption.
  const onInterrupt = () => {
    const i = interruptionOf(opts.interrupt);
    if (!begun || ended || !i) return;
    void server
      .send({ abortBackup: { reason: i.reason } })
      .then(() => server.close())
      .catch(() => undefined);
  };
  opts.interrupt?.addEventListener('abort', onInterrupt, { once: true });
  try {
    const w = server.welcome.chunker;
    const params: ChunkerParams = w?.avgSize
      ? validateChunkerParams({ minSize: w.minSize ?? 0, avgSize: w.avgSize, maxSize: w.maxSize ?? 0 })
      : DEFAULT_CHUNKER_PARAMS;
    checkSendRate(config, params, server.welcome.idleTimeoutMs ?? 0); // before the backup begins: nothing to record on the server
    throwIfInterrupted(opts.interrupt);
    await server.send({ beginBackup: { name: opts.name ?? '', description: opts.description ?? '', full: !!opts.full } });
    server.onStorageWait = (w) => opts.onNotice?.(storageWaitText(w));
    const started = await server.expect('backupStarted');
    begun = true;
    backupNumbers = { number: Number(started.number ?? 0), parent: Number(started.parentNumber ?? 0) };
    const spoolDir = config.spool_dir || os.tmpdir();
    const parentRoot = (started.parentRoot ?? []).map((id) => Buffer.from(id));
    // The parent comes as its root: the agent reads its file list as a restore reads a tree.
    const { previous, problem } =
      parentRoot.length === 0
        ? new PreviousManifestSpool(spoolDir).finish()
        : await spoolParent(
            new TreeReads(server, Number(started.parentNumber ?? 0), (started.parentFormat ?? 0) as ManifestFormat, keys),
            parentRoot,
            spoolDir,
          );
    const expectedBytes = Number(started.parentBytes ?? 0);
    const uploader = new Uploader(server, pool, counters, DEFAULT_UPLOAD_LIMITS, keys, config.encryption_padding);
    files = new FilePool(params, { maxReads: MAX_READS, maxBytes: POOLED_FILE_BYTES, idKey: keys?.idKey }, workers);
    if (problem) await uploader.addWarning(problem);
    let partialReasons: string[];
    try {
      const roots = await walkAndUpload(config, opts, { previous, expectedBytes }, { params, files, keyed: !!keys, stop }, uploader, counters);
      partialReasons = incompleteRoots(roots, previous);
      if (config.scan_problem_raises_error && partialReasons.length) throw scanProblem(partialReasons);
    } finally {
      previous.close();
    }
    const root = await uploader.finish();
    await opts.beforeCommit?.();
    // The last moment an interruption abandons the backup: once its end is sent, it is committed.
    throwIfInterrupted(opts.interrupt);
    const claimed = keys ? { fileCount: uploader.totals.entries, logicalBytes: uploader.totals.bytes } : {};
    ended = true;
    await server.send({ endBackup: { partialReasons, root, ...claimed } });
    const done = await server.expect('backupDone').catch((err: unknown) => {
      throw lostAfterEnd(err, Number(started.number ?? 0));
    });
    await server.close();
    return { summary: done.backup ?? {}, counters };
  } catch (caught) {
    // Whatever an interruption made fail on its way out (a read, a send), the interruption is what happened.
    const interruption = ended ? undefined : interruptionOf(opts.interrupt);
    let err = caught;
    if (interruption) {
      err = backupNumbers
        ? interruption.with(
            `backup ${backupNumbers.number} abandoned, nothing of it committed; ` +
              (backupNumbers.parent ? `the previous backup ${backupNumbers.parent} is intact` : 'the backups made before it are intact'),
          )
        : interruption.with('the backup had not begun, nothing was sent');
    }
    if (begun) {
      const reason = interruption ? interruption.reason : err instanceof Error ? err.message : String(err);
      await server.send({ abortBackup: { reason } }).catch(() => undefined);
    }
    await server.close().catch(() => undefined);
    throw err;
  } finally {
    opts.interrupt?.removeEventListener('abort', onInterrupt);
    await Promise.all([pool.close(), files?.close()]);
  }
}

/**
 * A ratelimit so low that the largest frame a backup sends (a chunk of the
 * server's largest size, sealed and padded on an encrypted node) would take
 * longer than half the server's idle_timeout, which is also how long the
 * server gives one frame to arrive: refused before anything is sent, with
 * the lowest rate that works, rather than a backup the server drops midway.
 */
function checkSendRate(config: NodeConfig, params: ChunkerParams, idleTimeoutMs: number): void {
  const rate = sendRateOf(config);
  if (!rate || !(idleTimeoutMs > 0)) return;
  const largestFrame = params.maxSize * 1.1 + 64 * 1024;
  const seconds = largestFrame / rate;
  if (seconds * 1000 <= idleTimeoutMs / 2) return;
  const lowest = Math.ceil(((largestFrame * 8) / (1024 * 1024) / (idleTimeoutMs / 2000)) * 100) / 100;
  throw new AgentError(
    'CONFIG',
    `ratelimit = ${config.ratelimit} Mbit/s is too low for this server: a chunk of up to ${params.maxSize} bytes would take ${Math.round(seconds)} s to send, ` +
      `and the server drops a connection whose message takes longer than its idle_timeout (${idleTimeoutMs / 1000} s): ` +
      `set ratelimit to at least ${lowest} in ${config.configFile}, or raise idle_timeout in the server's server.conf`,
    ExitCode.CONFIG,
  );
}

/**
 * A connection lost once the whole backup was sent: the server checks that
 * its node is still there right before it commits, but the commit may
 * have happened and its answer been lost on the way.
 */
function lostAfterEnd(err: unknown, number: number): unknown {
  if (!(err instanceof AgentError) || err.code !== 'CONNECTION') return err;
  return new AgentError(
    'CONNECTION',
    `${err.message}, after the whole backup was sent and before the server answered: backup ${number} may have been committed: check with cpsbackup -l`,
    err.exitCode,
  );
}

/** What the node is told of its server's wait on its storage (where the storage is and what it answered stay in the server's log). */
function storageWaitText(w: cpsbackup.StorageWait.$Properties): string {
  const since = new Date(Number(w.sinceMs ?? 0));
  if (!w.waiting) {
    return `the server's storage answers again (it waited ${Math.max(0, Math.round((Date.now() - since.getTime()) / 1000))} s): the backup goes on`;
  }
  const minutes = Math.round(Number(w.retryTimeS ?? 0) / 60);
  return (
    `the server is waiting on its storage, which has not answered since ${since.toISOString()} (attempt ${w.attempts ?? 0}); ` +
    `the backup goes on once it answers, or fails if it does not within ${minutes >= 2 ? `${minutes} min` : `${w.retryTimeS ?? 0} s`} (s3_retry_time on the server)`
  );
}

/**
 * The parent's file list, spooled to disk as a flat manifest in walk order
 * (see PreviousManifest): the agent reads the tree from its root, opening
 * and checking each listing itself (plain or encrypted: the server cannot
 * read an encrypted one's). Its entries only decide what is unchanged;
 * chunk ids reused from it are checked again by the server like any
 * others. A parent whose file list is damaged (DamagedTreeError: a listing
 * the node cannot open or check, one the server found rotted included) is
 * met here: the backup goes on without it, reading every file, with a
 * warning that names it (failing instead would fail every backup after
 * it, since it stays the newest complete one until a backup succeeds).
 * The connection's failures still fail the backup.
 */
async function spoolParent(reads: TreeReads, root: Buffer[], spoolDir: string): Promise<ReturnType<PreviousManifestSpool['finish']>> {
  const spool = new PreviousManifestSpool(spoolDir);
  try {
    for await (const piece of reads.records(root)) spool.append(piece);
  } catch (err) {
    spool.discard();
    if (!(err instanceof DamagedTreeError)) throw err;
    await reads.settle(); // the listings read ahead are still on their way
    const { previous } = new PreviousManifestSpool(spoolDir).finish();
    return {
      previous,
      problem:
        `the previous backup (${err.backup}) is damaged: ${err.reason}; so every file is read again, ` +
        `and backup ${err.backup} itself cannot be restored (cpsbackup -l lists the others)`,
    };
  }
  return spool.finish();
}

/**
 * Walks the includes and hands each entry to the uploader in walk order.
 * Each walked item is backed up by the policy of its kind (`policyOf`),
 * chosen once per item; this loop only carries the warnings and progress.
 */
async function walkAndUpload(
  config: NodeConfig,
  opts: BackupOptions,
  { previous, expectedBytes }: { previous: PreviousManifest; expectedBytes: number },
  { params, files, keyed, stop }: { params: ChunkerParams; files: FilePool; keyed: boolean; stop: AbortSignal },
  uploader: Uploader,
  counters: BackupCounters,
): Promise<RootReport[]> {
  const keptXattrs = xattrsKept(config);
  const roots: RootReport[] = [];
  const warnings: string[] = [...(opts.warnings ?? [])];
  // Told as each entry is sent and as a large file's or a FIFO's chunks are cut (a 2 GiB dump moves the display too); the display paces itself.
  const reading = { bytes: 0 };
  const progress = () => opts.onProgress?.(counters, expectedBytes, reading.bytes);
  const w = walkState(config, opts, { params, keyed, stop, reading, progress }, uploader, counters);
  const walkOptions = selectionWalkOptions(
    config,
    opts.extraIncludes,
    (m) => warnings.push(m),
    (r) => {
      // Burp's scan_problem_raises_error: an include that cannot be read stops the backup before more is sent.
      if (r.problem && config.scan_problem_raises_error) throw scanProblem([`include ${r.path.toString()} could not be read (${r.problem})`]);
      roots.push(r);
    },
  );
  const ahead = new ReadAhead(walk(walkOptions), files, readDecision(opts, previous));
  for (let step = ahead.next(); step; step = ahead.next()) {
    if (stop.aborted) throw stop.reason;
    const item = step.item;
    while (warnings.length) await uploader.addWarning(warnings.shift()!);
    const entry = await policyOf(step)(w, step, entryOf(item, item.stat, w.owners, keptXattrs(item.xattrs)));
    reading.bytes = 0; // counted in bytesRead now, or not read after all
    if (!entry) continue;
    await uploader.addEntry(entry);
    progress();
  }
  while (warnings.length) await uploader.addWarning(warnings.shift()!);
  progress();
  return roots;
}

/**
 * What the read-ahead does with each walked item, asked once per item in
 * walk order (the parent's manifest is read as a merge): a file unchanged
 * since the parent reuses its chunks; a changed one is read, on the file
 * pool when small, single-linked and not sparse.
 */
function readDecision(opts: BackupOptions, previous: PreviousManifest): AheadDecision {
  return (item) => {
    if (item.kind !== 'file') return { pooled: false };
    const before = opts.full ? undefined : previous.previousFile(item.path, item.stat);
    if (before?.unchanged) return { reused: before.chunks, pooled: false };
    return {
      known: before?.chunks,
      pooled: item.stat.nlink === 1n && item.stat.size <= BigInt(POOLED_FILE_BYTES) && !looksSparse(item.stat),
    };
  };
}

/** The state the entry policies share, made once per backup. */
function walkState(
  config: NodeConfig,
  opts: BackupOptions,
  { params, keyed, stop, reading, progress }: { params: ChunkerParams; keyed: boolean; stop: AbortSignal; reading: { bytes: number }; progress: () => void },
  uploader: Uploader,
  counters: BackupCounters,
): WalkState {
  const readFifos = [...config.read_fifo, ...(opts.extraFifos ?? [])].map((p) => Buffer.from(p));
  const readBlockdevs = config.read_blockdev.map((p) => Buffer.from(p));
  const compressed = compressionRule(config.exclude_comp);
  // The reader knows the ids of chunks of zeros (SHA-256); an encrypted node names them with its key.
  // Each chunk of a streamed read counts towards the progress of its file, and is where a long read stops when asked to.
  const sinkOf =
    (compress: boolean): ChunkSink =>
    (data, id) => {
      if (stop.aborted) return Promise.reject(stop.reason as Error);
      reading.bytes += data.length;
      progress();
      return id && !keyed ? uploader.addHashedChunk(id, data, compress) : uploader.addChunk(data, compress);
    };
  const sink = sinkOf(true);
  const rawSink = sinkOf(false);
  return {
    opts,
    params,
    stop,
    uploader,
    counters,
    owners: new OwnerNames(),
    sinkFor: (path) => (compressed(path) ? sink : rawSink),
    compressed,
    blocks: new ReadBlocks(params.maxSize),
    hardlinks: new Map(),
    readsFifo: (path) => config.read_all_fifos || readFifos.some((f) => isUnder(path, f)),
    readFifos,
    fifoWaits: new FifoWaits(config.fifo_timeout),
    readsBlockdev: (path) => config.read_all_blockdevs || readBlockdevs.some((d) => d.equals(path)),
    blockdevLink: (path) => readBlockdevs.some((d) => d.equals(path)),
  };
}

/** What the entry policies share for one backup's walk. */
interface WalkState {
  opts: BackupOptions;
  params: ChunkerParams;
  stop: AbortSignal;
  uploader: Uploader;
  counters: BackupCounters;
  owners: OwnerNames;
  /** Where a file's chunks go: compressed, or stored as they are when its name ends in an exclude_comp extension. */
  sinkFor: (path: Buffer) => ChunkSink;
  compressed: (path: Buffer) => boolean;
  /** The blocks every streamed read (large files, FIFOs) fills in turn. */
  blocks: ReadBlocks;
  /** Files with more than one name already sent, by `dev:ino`: the group and content each later name gets. */
  hardlinks: Map<string, { group: number; chunks: Buffer[]; size: number }>;
  /** Whether a FIFO's content is read (read_all_fifos, or below a read_fifo path or a dump FIFO). */
  readsFifo: (path: Buffer) => boolean;
  readFifos: Buffer[];
  fifoWaits: FifoWaits;
  /** Whether a block device's content is read (read_all_blockdevs, or read_blockdev names it: Burp compares whole paths). */
  readsBlockdev: (path: Buffer) => boolean;
  /** Whether read_blockdev names this symbolic link: it is followed, and its device read (as Burp does, for /dev/VG/LV). */
  blockdevLink: (path: Buffer) => boolean;
}

/**
 * How one walked item is backed up: given the entry its walk's lstat made,
 * the entry to send (content and metadata filled in), or undefined when it
 * is left out (gone since the walk, or unreadable: a warning says so).
 */
type EntryPolicy = (w: WalkState, step: AheadStep, entry: FileEntry) => Promise<FileEntry | undefined> | FileEntry | undefined;

/** The policy of a walked item, by its kind (and, for a regular file, by what the read-ahead decided). */
function policyOf(step: AheadStep): EntryPolicy {
  switch (step.item.kind) {
    case 'file':
      return step.item.stat.nlink > 1n ? hardLinkedFile : regularFileContent(step);
    case 'symlink':
      return symlinkEntry;
    case 'fifo':
      return fifoEntry;
    case 'blockdev':
      return blockDeviceEntry;
    default:
      return metadataOnly; // directories, character devices, sockets: their entry is their metadata
  }
}

/** A regular file's content: the parent's chunks when unchanged, else read on the file pool or streamed (each policy relies on the field tested here). */
function regularFileContent(step: AheadStep): EntryPolicy {
  if (step.reused) return unchangedFile;
  return step.read ? pooledFile : streamedFile;
}

const metadataOnly: EntryPolicy = (_w, _step, entry) => entry;

const symlinkEntry: EntryPolicy = (w, step, entry) => {
  entry.linkTarget = step.item.linkTarget ?? NO_TARGET; // read by the walker, through its directory's descriptor
  if (w.blockdevLink(step.item.path)) return deviceContent(w, entry, true);
  return entry;
};

/** A block device: its content is read when node.conf asks for it (read_blockdev, read_all_blockdevs); else its entry is the device node. */
const blockDeviceEntry: EntryPolicy = (w, step, entry) => (w.readsBlockdev(step.item.path) ? deviceContent(w, entry, false) : entry);

/**
 * A block device's content, read to its end, as the entry's data: a block
 * device entry that carries chunks (through a link read_blockdev names: the
 * device it leads to, recorded at the link's path). A device that cannot be
 * read stays in the backup as it was walked (a device node, a link), a
 * warning naming it; one gone since the walk is left out, as a file is. It
 * is read whole at every backup (a device's times do not change with its
 * content), and only what the server lacks is sent.
 */
async function deviceContent(w: WalkState, entry: FileEntry, throughLink: boolean): Promise<FileEntry | undefined> {
  const path = entry.path;
  try {
    const read = await readBlockDevice(path, throughLink, w.params, w.sinkFor(path), w.blocks);
    w.counters.filesRead++;
    w.counters.bytesRead += read.size;
    updateEntry(entry, read.stat, w.owners);
    entry.type = EntryType.BlockDevice;
    entry.linkTarget = NO_TARGET;
    entry.chunks = read.chunks;
    entry.size = read.size;
    return entry;
  } catch (err) {
    if (!(err instanceof DeviceReadError)) throw err;
    if (err.code === 'ENOENT') return undefined;
    await w.uploader.addWarning(`block device ${path.toString()} cannot be read: ${err.code} (${err.message}); its content was not backed up`);
    return entry;
  }
}

/** Unchanged since the parent (size, mtime, ctime, inode): its chunks are named again, nothing is read. */
const unchangedFile: EntryPolicy = (w, step, entry) => {
  entry.chunks = step.reused!;
  w.counters.filesUnchanged++;
  w.counters.bytesUnchanged += entry.size;
  return entry;
};

/** A small file with one link, read, cut and hashed on the file pool (a file that outgrew its room there is streamed). */
const pooledFile: EntryPolicy = async (w, step, entry) => {
  const path = step.item.path;
  const inline = () => readWithRetries(path, w.params, w.sinkFor(path), w.blocks, w.uploader, w.counters);
  const compress = w.compressed(path);
  return withContent(w, entry, await takePooledRead(path, { read: step.read!, known: step.known, compress }, w.uploader, w.counters, inline));
};

/** A large or sparse file, or a hard-linked one: streamed by the main thread through the read blocks. */
const streamedFile: EntryPolicy = async (w, step, entry) =>
  withContent(w, entry, await readWithRetries(step.item.path, w.params, w.sinkFor(step.item.path), w.blocks, w.uploader, w.counters));

/** A file's entry with what its read found (its metadata as of the end of the read), or undefined when it was not read. */
function withContent(w: WalkState, entry: FileEntry, read: { chunks: Buffer[]; size: number; stat: FileStat } | undefined): FileEntry | undefined {
  if (!read) return undefined;
  updateEntry(entry, read.stat, w.owners);
  entry.chunks = read.chunks;
  entry.size = read.size;
  return entry;
}

/**
 * A file with more than one name: its first name is backed up as any file
 * is, and opens a hard-link group; each later name is another name of the
 * content already sent, restored as a link.
 */
const hardLinkedFile: EntryPolicy = async (w, step, entry) => {
  const key = `${step.item.stat.dev}:${step.item.stat.ino}`;
  const seen = w.hardlinks.get(key);
  if (seen) return { ...entry, hardlinkGroup: seen.group, chunks: seen.chunks, size: seen.size };
  entry.hardlinkGroup = w.hardlinks.size + 1;
  const sent = await regularFileContent(step)(w, step, entry);
  if (sent) w.hardlinks.set(key, { group: sent.hardlinkGroup, chunks: sent.chunks, size: sent.size });
  return sent;
};

/**
 * A FIFO: its content is read when node.conf (or a dump job) asks for it;
 * else, or when no writer came, its entry is its metadata. A FIFO gone
 * since the walk is left out.
 */
const fifoEntry: EntryPolicy = async (w, step, entry) => {
  const path = step.item.path;
  if (!w.readsFifo(path)) return entry;
  const writerExit = w.opts.fifoWriterExit?.(path.toString());
  const named = !!writerExit || w.readFifos.some((f) => f.equals(path));
  const read = await readFifoContent(path, { named, writerExit, waits: w.fifoWaits, stop: w.stop }, w.params, w.sinkFor(path), w.blocks, w.uploader);
  if (read === 'gone') return undefined;
  if (read) {
    w.counters.filesRead++;
    w.counters.bytesRead += read.size;
    entry.chunks = read.chunks;
    entry.size = read.size;
  }
  return entry;
};

/**
 * How long each FIFO read waits for its writer. A FIFO read_fifo names, or
 * one a dump job writes into, waits fifo_timeout each time, as asked. The
 * others (read_all_fifos, or below a directory read_fifo names) share one
 * fifo_timeout for the whole backup: once one of them has waited it out
 * with no writer, the next ones are read only if a writer has them open
 * already. Whoever can make a FIFO where the backup looks (a directory
 * others may write to) costs a backup one fifo_timeout, not one per FIFO.
 */
class FifoWaits {
  private sharedMs: number;
  /** The FIFO the shared wait was spent on. */
  private spentOn: string | undefined;

  constructor(private readonly timeoutS: number) {
    this.sharedMs = timeoutS * 1000;
  }

  waitFor(named: boolean): number {
    return named ? this.timeoutS * 1000 : this.sharedMs;
  }

  /** No writer came: why, for the warning (and the shared wait is spent). */
  noWriter(path: string, named: boolean, waitedMs: number): string {
    if (named || waitedMs > 0) {
      if (!named) {
        this.sharedMs = 0;
        this.spentOn = path;
      }
      return `no writer opened it within ${this.timeoutS} s (fifo_timeout)`;
    }
    return (
      `no writer had it open, and the wait for the writers of FIFOs read_fifo does not name (fifo_timeout = ${this.timeoutS} s) ` +
      `was spent on ${this.spentOn ?? 'an earlier FIFO'} (name it in read_fifo to wait for its writer every time)`
    );
  }
}

/**
 * What a writer pushes into a FIFO, for its entry: its chunks, or null
 * when none was read (a warning names the FIFO and says why), or 'gone'
 * when the FIFO no longer exists (it is left out, as a file deleted since
 * the walk is). Only the loss of the connection, or the uploader's own
 * failure, fails the backup.
 */
async function readFifoContent(
  path: Buffer,
  { named, writerExit, waits, stop }: { named: boolean; writerExit: Promise<void> | undefined; waits: FifoWaits; stop: AbortSignal },
  params: ChunkerParams,
  sink: ChunkSink,
  blocks: ReadBlocks,
  uploader: Uploader,
): Promise<{ chunks: Buffer[]; size: number } | null | 'gone'> {
  const shown = path.toString();
  let exited = false;
  void writerExit?.then(() => (exited = true));
  const timeoutMs = waits.waitFor(named);
  try {
    const read = await readFifo(path, params, sink, blocks, { timeoutMs, abandon: writerExit, stop });
    if (read.writer) return read;
  } catch (err) {
    if (err === stop.reason && err instanceof AgentError) throw new AgentError(err.code, `${err.message} (while reading FIFO ${shown})`, err.exitCode);
    if (!(err instanceof FifoReadError)) throw err;
    if (err.code === 'ENOENT') return 'gone';
    await uploader.addWarning(`FIFO ${shown} cannot be read: ${err.code} (${err.message}); its content was not backed up`);
    return null;
  }
  const why = writerExit
    ? exited
      ? 'its dump command exited without writing into it'
      : `its dump command did not open it within ${timeoutMs / 1000} s (fifo_timeout)`
    : waits.noWriter(shown, named, timeoutMs);
  await uploader.addWarning(`FIFO ${shown}: ${why}; its content was not backed up`);
  return null;
}

/**
 * What the backup lacks of what node.conf asks for: an include root that
 * could not be read at all (a typo, an unmounted filesystem, no permission),
 * or a root directory found empty where the parent backup held files below
 * it (the mount point of a filesystem that is not mounted). Such a backup
 * is partial: it is stored, but never counts as a good backup.
 */
function incompleteRoots(roots: readonly RootReport[], previous: PreviousManifest): string[] {
  const reasons: string[] = [];
  for (const r of roots) if (r.problem) reasons.push(`include ${r.path.toString()} could not be read (${r.problem})`);
  // A root whose file system exclude_fs or include_fs leaves out is empty by configuration.
  const empty = roots.filter((r) => !r.problem && !r.fsLeftOut && r.kind === 'dir' && r.below === 0);
  previous.entriesBelow(empty.map((r) => r.path)).forEach((before, i) => {
    if (before > 0)
      reasons.push(`include ${empty[i]!.path.toString()} is empty, but held ${before} entries in the previous backup (a filesystem not mounted?)`);
  });
  return reasons;
}

/** What fails a backup under scan_problem_raises_error = 1 instead of making it partial (the server records it as failed). */
function scanProblem(reasons: string[]): AgentError {
  return new AgentError(
    'SCAN_PROBLEM',
    `${reasons.join('; ')}: the backup fails because node.conf sets scan_problem_raises_error = 1 (fix the include, or set it to 0 to store a partial backup instead)`,
    ExitCode.FAILED,
  );
}

/** The warnings of a file that could not be read, and of one that kept changing (from either reader). */
function unreadableWarning(path: Buffer, why: string): string {
  return `${path.toString()} cannot be read: ${why}; not backed up`;
}

function keptChangingWarning(path: Buffer): string {
  return `${path.toString()} kept changing while being read (${MAX_READS} tries); stored as last read`;
}

/**
 * A file read on the file pool, its chunks handed to the uploader in order
 * (their ids computed there). The same outcomes as readWithRetries: a file
 * gone since the walk is skipped, one that cannot be read is a warning, one
 * that kept changing is kept as last read with a warning; one that grew past
 * the pool's size since the walk is streamed by `inline` instead.
 */
async function takePooledRead(
  path: Buffer,
  { read, known, compress }: { read: Promise<FileRead>; known?: Buffer[]; compress: boolean },
  uploader: Uploader,
  counters: BackupCounters,
  inline: () => Promise<ReadResult | undefined>,
): Promise<{ chunks: Buffer[]; size: number; stat: FileStat } | undefined> {
  const f = await read;
  if (f.tooLarge) return inline(); // read again from the start: only those reads count
  counters.filesRead += f.reads;
  counters.bytesRead += f.bytesRead;
  if (f.error !== undefined) {
    if (f.error !== 'ENOENT') await uploader.addWarning(unreadableWarning(path, f.error));
    return undefined;
  }
  if (f.changed) await uploader.addWarning(keptChangingWarning(path));
  const chunks: Buffer[] = [];
  let size = 0;
  const inParent = knownIds(known);
  for (const c of f.chunks) {
    // A chunk of the parent's file at this path is on the server: named, not asked about or copied.
    if (inParent(c.id, chunks.length)) {
      chunks.push(c.id);
      counters.chunksInParent++;
    } else {
      chunks.push(await uploader.addHashedChunk(c.id, c.data, compress));
    }
    size += c.data.length;
  }
  return { chunks, size, stat: f.stat! };
}

/**
 * Whether an id is among `known` (the parent's chunks of a file), asked
 * with the chunk's position: an edit usually leaves the chunks before it
 * where they were, so the same position is tried first.
 */
function knownIds(known: readonly Buffer[] | undefined): (id: Buffer, at: number) => boolean {
  if (!known || known.length === 0) return () => false;
  let set: Set<string> | undefined;
  return (id, at) => {
    if (known[at]?.equals(id)) return true;
    if (known.length === 1) return false;
    set ??= new Set(known.map((k) => k.toString('hex')));
    return set.has(id.toString('hex'));
  };
}

/** Reads a file until two consecutive stats agree, at most MAX_READS times; warns and keeps the last read otherwise. */
async function readWithRetries(
  path: Buffer,
  params: ChunkerParams,
  sink: ChunkSink,
  blocks: ReadBlocks,
  uploader: Uploader,
  counters: BackupCounters,
): Promise<ReadResult | undefined> {
  for (let attempt = 1; ; attempt++) {
    let read: ReadResult;
    try {
      read = await readRegularFile(path, params, sink, blocks);
    } catch (err) {
      if (err instanceof AgentError) throw err; // the sink's: the connection lost, the run interrupted
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined; // deleted since the walk saw it
      await uploader.addWarning(unreadableWarning(path, code ?? (err as Error).message));
      return undefined;
    }
    counters.filesRead++;
    counters.bytesRead += read.size;
    if (!read.changed) return read;
    if (attempt >= MAX_READS) {
      await uploader.addWarning(keptChangingWarning(path));
      return read;
    }
  }
}
