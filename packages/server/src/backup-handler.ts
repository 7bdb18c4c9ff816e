import { bytesText } from '@cpsbackup/config';
import { boundedText, ConnectionError, type cpsbackup, LIMITS, type Message, type MessageKind, ProtocolError, toSafeNumber } from '@cpsbackup/protocol';
import { CHUNK_ID_BYTES, Codec, ManifestFormat, splitChunkIds, splitSealedManifest } from '@cpsbackup/format';
import { type BackupInfo, type BackupWriter, catalogDamage, isOutOfSpace, isStoreError, type Store } from '@cpsbackup/store';
import { TreeReads } from './tree-reads';
import { StorageWatch } from './storage-watch';
import { hasChangedFiles } from './tree-changes';
import { type SessionContext } from './context';
import { type BackupOutcome, notifyBackupEnd } from './notify';
import { applyRetention, backupsToKeep, pruneFailed } from './retention';
import { toSummary } from './summary';
import { toWireError, WireError } from './wire-errors';
import type { Logger } from 'pino';

/**
 * Runs one backup: lock the client, create the backup, send the parent's
 * root (the node reads the listings it needs), then take missing-queries, chunks and listing chunks until
 * EndBackup (the tree is checked, then committed) or AbortBackup / failure
 * (recorded as error with the reason). Resolves to whether the backup is a
 * good one (not aborted by its node, not partial), for server_script_post.
 */
export async function handleBackup(ctx: SessionContext, begin: cpsbackup.BeginBackup.$Properties): Promise<boolean> {
  const { store, client, conn, log } = ctx;
  ctx.activity.attempts.set(client.name, Date.now());
  if (ctx.isShuttingDown()) throw new WireError('SHUTTING_DOWN', 'the server is shutting down; try again in a moment');
  const name = boundedText(begin.name, 'backup name', LIMITS.backupNameChars);
  const description = boundedText(begin.description, 'backup description', LIMITS.descriptionChars);
  const lock = ctx.locks.tryAcquire(client.name, ctx.owner);
  if (!lock.ok) {
    throw new WireError('BACKUP_RUNNING', `a backup of ${client.name} is already running (since ${new Date(lock.since).toISOString()})`);
  }
  let writer: BackupWriter | undefined;
  let watch: StorageWatch | undefined;
  const notify = (status: BackupOutcome['status'], reason: string, more: Pick<BackupOutcome, 'warnings' | 'changed'> = {}) =>
    void notifyBackupEnd(ctx.policy.notify, { client: client.name, number: writer?.number ?? 0, status, reason, ...more }, log);
  try {
    await store.gcDone(); // no backup writes while GC runs (see Store.gc)
    const usage = await checkQuotaUpFront(ctx);
    // The newest complete backup: a partial one would make the same gap look normal next time.
    const parent = usableParent(store, store.latestComplete(client.name), ctx.keyId);
    writer = store.beginBackup({
      client: client.name,
      dedupGroup: client.dedup_group,
      parentId: parent?.id ?? null,
      name: name || null,
      description: description || null,
      keyId: ctx.keyId,
    });
    const run = ctx.activity.begin(client.name, writer.number, writer);
    const blog = log.child({ backup: writer.number });
    blog.info({ parent: parent?.number ?? null, full: !!begin.full }, 'backup started');
    watch = new StorageWatch(conn, store, blog);
    // The node reads its parent's file list itself, as a restore reads a tree: it gets the root's ids, and may read the listings they reach.
    const parentTree = parent && !begin.full ? await TreeReads.of(store, parent, { content: false, damage: damagedParent(ctx, parent, blog) }) : undefined;
    await conn.send({
      backupStarted: {
        number: writer.number,
        parentNumber: parent?.number ?? 0,
        parentBytes: parent?.logicalBytes ?? 0,
        parentRoot: parentTree?.root ?? [],
        parentFormat: parentTree?.reads.format ?? 0,
      },
    });
    run.phase = 'receiving';
    const done = await receive(ctx, writer, usage.storedBytes, parentTree?.reads);
    if (done.kind === 'aborted') {
      ctx.activity.end(client.name, 'error');
      await prunedAfterFailure(ctx);
      notify('error', done.reason);
      return false;
    }
    run.phase = 'committing';
    watch.committing = true; // the node waits on us now: kept alive, told when it is the storage we wait on
    const totals = await writer.checkTree(done.root);
    checkSizeQuotas(ctx, writer, totals.bytes);
    failOnWarnings(ctx, writer);
    const partial = partialReason(done.partialReasons, totals.entries, parent);
    // A node gone while the storage kept us waiting was told its backup failed, or will think so: never committed then.
    const gone = () => (conn.error ? `its node's connection was lost while the server waited (${conn.error.message})` : undefined);
    const info = await writer.commitTree(done.root, totals, partial, gone);
    ctx.activity.end(client.name, partial ? 'error' : 'ok', { newBytes: info.newRawBytes, logicalBytes: info.logicalBytes });
    blog[partial ? 'warn' : 'info'](
      {
        seconds: ((info.finishedAt ?? Date.now()) - info.startedAt) / 1000,
        files: info.fileCount,
        bytes: info.logicalBytes,
        newBytes: info.newRawBytes,
        storedBytes: info.newStoredBytes,
        warnings: info.warnings.length,
        partial,
      },
      partial ? 'backup committed, but PARTIAL' : 'backup committed',
    );
    // Asked only when it decides whether the success script runs: it reads the listings that differ from the parent's
    // (whose ids it takes now, before retention may delete the parent), and the node's answer does not wait for it.
    const changed = !partial && ctx.policy.notify.successChangesOnly ? hasChangedFiles(store, info, parent).catch(() => true) : undefined;
    void Promise.resolve(changed).then((c) => notify(partial ? 'partial' : 'available', partial ?? '', { warnings: info.warnings.length, changed: c }));
    const deleted = await applyRetention(store, client.name, ctx.policy, blog, (n) => ctx.activity.isBeingRead(client.name, n));
    await watch.stop(true);
    await conn.send({ backupDone: { backup: toSummary(store, info) } });
    if (deleted.length) ctx.requestGc();
    return !partial;
  } catch (err) {
    if (ctx.activity.running.get(client.name)?.writer === writer && writer) ctx.activity.end(client.name, 'error');
    if (err instanceof ConnectionError || conn.error) {
      const lost = err instanceof ConnectionError ? err : conn.error!;
      writer?.abort(`connection lost: ${lost.message}`);
      if (writer) await prunedAfterFailure(ctx);
      log.warn({ backup: writer?.number, reason: lost.message }, 'backup aborted: connection lost');
      notify('error', `connection lost: ${lost.message}`);
      throw lost;
    }
    // A disk filled by something else may first show as the catalog's SQLITE_FULL: the store goes to low-space mode.
    if (isOutOfSpace(err) || (isStoreError(err, 'STORE_IO') && isOutOfSpace(err.context))) store.noteOutOfSpace();
    // A damaged catalog: the agent is told only to wait; the operator is told how to repair, as for any request.
    const damage = catalogDamage(err, store.dir);
    if (damage) log.error({ err: damage.message }, 'CATALOG DAMAGED');
    const wire = toWireError(err, 'backup');
    // What the agent is told may leave details out (an object store's address and answer): the log has them.
    if (wire.message !== (err as Error)?.message) log.error({ backup: writer?.number, err: (err as Error)?.message }, 'backup failed');
    writer?.abort(`${wire.code}: ${wire.message}`);
    if (writer) await prunedAfterFailure(ctx);
    if (wire.code === 'STORE') ctx.requestGc(); // a full disk: reclaim what the failed backup left
    if (wire.code === 'CHUNK_REFUSED') log.warn({ err: wire.message }, 'chunk refused; backup aborted');
    notify('error', `${wire.code}: ${wire.message}`);
    throw wire;
  } finally {
    void watch?.stop();
    ctx.locks.release(client.name, ctx.owner);
  }
}

/**
 * The parent a backup may build on: one whose ids the node can reuse.
 * A plain node's chunks are named by SHA-256, an encrypted node's by its
 * key: a backup made the other way, or with another key, is no parent
 * (every file is read again, and deduplicated where it can be).
 */
function usableParent(store: Store, parent: BackupInfo | undefined, keyId: Buffer | undefined): BackupInfo | undefined {
  if (!parent || store.untrustedReason(parent) !== undefined) return undefined; // not vouched for by its record: every file is read again
  if (store.unreadableFileList(parent.id) !== undefined) return undefined; // its file list is known not to read whole
  if (parent.manifestFormat !== ManifestFormat.Sealed) return keyId ? undefined : parent;
  return keyId && splitSealedManifest(store.manifestIds(parent.id)).keyId.equals(keyId) ? parent : undefined;
}

/** After a failed backup: old failed ones go (see pruneFailed); a failure to prune is logged, never thrown over the backup's own error. */
async function prunedAfterFailure(ctx: SessionContext): Promise<void> {
  try {
    await pruneFailed(ctx.store, ctx.client.name, ctx.log, (n) => ctx.activity.isBeingRead(ctx.client.name, n));
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message }, 'could not delete old failed backups');
  }
}

function formatGiB(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/**
 * Refuses a backup that would break a quota: more available backups than
 * quota_backups once retention has run, or stored bytes already at quota_bytes.
 */
async function checkQuotaUpFront(ctx: SessionContext): Promise<{ storedBytes: number }> {
  const { store, client, policy } = ctx;
  // Usage means a join over every chunk reference: only pay for it when a quota asks.
  if (policy.quotaBackups === 0 && policy.quotaBytes === 0) return { storedBytes: 0 };
  const usage = await store.clientUsage(client.name);
  if (policy.quotaBackups > 0) {
    const existing = store
      .listBackups(client.name)
      .filter((b) => b.status === 'available')
      .map((b) => ({ id: b.id, number: b.number, time: b.finishedAt ?? b.startedAt }));
    const next = Math.max(0, ...existing.map((b) => b.number)) + 1;
    const kept = backupsToKeep([...existing, { id: -1, number: next, time: Date.now() }], policy);
    if (kept.size > policy.quotaBackups) {
      throw new WireError(
        'QUOTA',
        `quota reached: client ${client.name} holds ${usage.backups} backups and retention would keep ${kept.size} with a new one (quota_backups = ${policy.quotaBackups}); delete backups or raise the quota`,
      );
    }
  }
  if (policy.quotaBytes > 0 && usage.storedBytes >= policy.quotaBytes) {
    throw new WireError(
      'QUOTA',
      `quota reached: client ${client.name} stores ${formatGiB(usage.storedBytes)} of its ${formatGiB(policy.quotaBytes)} (quota_bytes); delete backups or raise the quota`,
    );
  }
  return usage;
}

/**
 * What becomes of a listing of the parent found damaged on the server (a
 * listing rotted in its pack): the node is sent a chunk it cannot open, so
 * it goes on without the parent and reads every file again (the backup
 * would otherwise fail every time, its parent being the newest complete
 * backup); the parent is not used again, and the operator is told.
 */
function damagedParent(ctx: SessionContext, parent: BackupInfo, log: Logger): (why: string) => void {
  return (why) => {
    ctx.store.noteUnreadableFileList(parent.id, why);
    log.error(
      { parent: parent.number, err: why },
      "the parent's file list cannot be read whole: the node reads every file again; run cpsbackupd verify, then cpsbackupd --repair-catalog",
    );
  };
}

/** Why a backup is partial (null: it is complete): the agent's reasons, or an empty backup where its parent was not. */
function partialReason(agentReasons: string[], fileCount: number, parent: BackupInfo | undefined): string | null {
  const reasons = agentReasons.slice(0, MAX_PARTIAL_REASONS).map((r) => r.slice(0, LIMITS.abortReasonChars));
  if (fileCount === 0 && parent && parent.fileCount > 0) reasons.push(`the backup is empty, but backup ${parent.number} held ${parent.fileCount} entries`);
  return reasons.length ? reasons.join('; ') : null;
}

/** Reasons an agent may give for a partial backup that are kept. */
const MAX_PARTIAL_REASONS = 20;

/** How the agent ended the stream. */
type Ending = { kind: 'end'; partialReasons: string[]; root: Buffer[] } | { kind: 'aborted'; reason: string };

/** A bytes field as a Buffer over the same memory. */
function toBuffer(b: Uint8Array | null | undefined): Buffer {
  return b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : Buffer.alloc(0);
}

/**
 * The peer's next message, or the error of a chunk whose check failed
 * meanwhile: such a chunk ends the session at once, not at the peer's next
 * message. (Not Promise.race with one long-lived promise: each race would
 * leave a reaction on it holding its message, for the whole backup.)
 */
function nextUnlessCheckFails(ctx: SessionContext, writer: BackupWriter): Promise<Message> {
  return new Promise<Message>((resolve, reject) => {
    if (writer.checkFailure) return reject(writer.checkFailure);
    writer.onCheckFailure = reject;
    ctx.conn.next().then(resolve, reject);
  });
}

/**
 * Takes the agent's messages until it ends or aborts the backup: each by
 * the handler of its kind (plain or encrypted handlers, chosen once per
 * backup), any other kind refused.
 */
async function receive(ctx: SessionContext, writer: BackupWriter, storedBefore: number, parentReads: TreeReads | undefined): Promise<Ending> {
  const handlers = ctx.keyId ? SEALED_MESSAGES : PLAIN_MESSAGES;
  const b: BackupReceipt = { ctx, writer, storedBefore, parentReads };
  for (;;) {
    const m = await nextUnlessCheckFails(ctx, writer);
    if (!isBackupMessage(m.msg)) throw new ProtocolError('UNEXPECTED', `unexpected ${m.msg} during a backup`);
    const ending = await handle(handlers, m.msg, m, b);
    if (ending) return ending;
  }
}

/** One backup being received, as every message handler sees it. */
interface BackupReceipt {
  ctx: SessionContext;
  writer: BackupWriter;
  /** What the client stored before this backup (counted only when quota_bytes is set). */
  storedBefore: number;
  /** The parent's chunks the node may read while it backs up (its file list, read as the node walks the parent's tree). */
  parentReads: TreeReads | undefined;
}

/** What an agent may send during a backup, by kind. */
interface BackupBodies {
  missingQuery: cpsbackup.MissingQuery.$Shape;
  chunk: cpsbackup.Chunk.$Shape;
  listingChunk: cpsbackup.ListingChunk.$Shape;
  readChunks: cpsbackup.ReadChunks.$Shape;
  warning: cpsbackup.Warning.$Shape;
  endBackup: cpsbackup.EndBackup.$Shape;
  abortBackup: cpsbackup.AbortBackup.$Shape;
}
type BackupMessageKind = keyof BackupBodies;

/** What a handler makes of one message: the backup's end, or undefined to take the next message. */
type Handled = Ending | undefined;

/** A handler for each kind of message a backup takes. */
type BackupMessages = { [K in BackupMessageKind]: (body: BackupBodies[K], b: BackupReceipt) => Handled | Promise<Handled> };

/** Whether a backup takes this kind of message (plain and encrypted backups take the same kinds). */
function isBackupMessage(kind: MessageKind | undefined): kind is BackupMessageKind {
  return kind !== undefined && Object.hasOwn(PLAIN_MESSAGES, kind);
}

/** Hands a message to its kind's handler. */
function handle<K extends BackupMessageKind>(handlers: BackupMessages, kind: K, m: Message, b: BackupReceipt): Handled | Promise<Handled> {
  // A decoded envelope sets the field its `msg` names (a oneof), so m[kind] is that kind's body.
  return handlers[kind](m[kind] as BackupBodies[K], b);
}

/** The handlers of a plain node's backup and of an encrypted one's: they differ in how chunks, listings and the end are taken. */
const PLAIN_MESSAGES: BackupMessages = {
  missingQuery: onMissingQuery,
  chunk: onPlainChunk,
  listingChunk: onPlainListing,
  readChunks: onReadChunks,
  warning: onWarning,
  endBackup: onPlainEnd,
  abortBackup: onAbortBackup,
};
const SEALED_MESSAGES: BackupMessages = { ...PLAIN_MESSAGES, chunk: onSealedChunk, listingChunk: onSealedListing, endBackup: onSealedEnd };

/** Everything this backup stores counts against quota_bytes: chunks, and the manifest its entries make. */
function checkQuotaDuring({ ctx, writer, storedBefore }: BackupReceipt): void {
  const hard = ctx.policy.hardQuota;
  if (hard > 0 && writer.progress.logicalBytes > hard) checkSizeQuotas(ctx, writer, writer.progress.logicalBytes);
  const quota = ctx.policy.quotaBytes;
  if (quota > 0 && storedBefore + writer.progress.newStoredBytes > quota) {
    throw new WireError(
      'QUOTA',
      `quota exceeded during the backup: client ${ctx.client.name} would store more than ${formatGiB(quota)} (quota_bytes); the backup was not kept`,
      true,
    );
  }
}

/**
 * Burp's hard_quota and soft_quota, on the size of the backup's files (as
 * on the node, not what is stored): above the hard one the backup is not
 * kept (checked as listings come, and on the whole tree, which an encrypted
 * node's claimed totals give); above the soft one it is kept with a warning.
 */
function checkSizeQuotas(ctx: SessionContext, writer: BackupWriter, bytes: number): void {
  const { hardQuota, softQuota } = ctx.policy;
  if (hardQuota > 0 && bytes > hardQuota) {
    throw new WireError(
      'QUOTA',
      `hard_quota exceeded: the files of this backup of ${ctx.client.name} total more than ${bytesText(hardQuota)}, so it was not kept; leave some out of node.conf's includes, or raise hard_quota on the server`,
      true,
    );
  }
  if (softQuota > 0 && bytes > softQuota) {
    writer.addWarning(`soft_quota exceeded: the files of this backup total ${bytesText(bytes)}, more than ${bytesText(softQuota)} (soft_quota on the server)`);
  }
}

/** Burp's fail_on_warning: a backup that had a warning is failed before its commit, its warnings in the reason. */
function failOnWarnings(ctx: SessionContext, writer: BackupWriter): void {
  const warnings = writer.warningsSoFar;
  if (!ctx.policy.failOnWarning || warnings.length === 0) return;
  const shown = warnings.slice(0, 3).join('; ') + (warnings.length > 3 ? '; …' : '');
  throw new WireError('FAILED_ON_WARNING', `the backup had warnings and fail_on_warning = 1 on the server, so it was not kept: ${shown}`, true);
}

/** Which of the ids asked about the group lacks: their indexes in the query. */
async function onMissingQuery(q: cpsbackup.MissingQuery.$Shape, { ctx, writer }: BackupReceipt): Promise<Handled> {
  const ids = (q.ids ?? []).map((id) => Buffer.from(id.buffer, id.byteOffset, id.byteLength));
  if (ids.length > LIMITS.idsPerQuery) throw new ProtocolError('TOO_MANY_IDS', `missing-query of ${ids.length} ids (max ${LIMITS.idsPerQuery})`);
  for (const id of ids) if (id.length !== CHUNK_ID_BYTES) throw new ProtocolError('BAD_ID', `chunk id of ${id.length} bytes`);
  await writer.settle(); // chunks sent before the query count as had
  const lacking = new Set(writer.missing(ids).map((id) => id.toString('hex')));
  const missing: number[] = [];
  ids.forEach((id, i) => lacking.has(id.toString('hex')) && missing.push(i));
  await ctx.conn.send({ missingReply: { queryId: q.queryId, missing } });
  return undefined;
}

/** A plain node's chunk: decoded, hashed and checked on the workers, then stored. */
async function onPlainChunk(c: cpsbackup.Chunk.$Shape, b: BackupReceipt): Promise<Handled> {
  await b.writer.queueEncodedChunk(Buffer.from(c.id ?? new Uint8Array()), c.codec ?? 0, toBuffer(c.payload), c.rawLength ?? 0, b.ctx.checkChunk);
  checkQuotaDuring(b);
  return undefined;
}

/** An encrypted node's chunk: stored as it came (the server cannot read it). */
function onSealedChunk(c: cpsbackup.Chunk.$Shape, b: BackupReceipt): Handled {
  b.writer.putSealedChunk(Buffer.from(c.id ?? new Uint8Array()), sealedPayload(c));
  checkQuotaDuring(b);
  return undefined;
}

/** A plain node's listing chunk, decoded and its records checked. The file list is stored too: it counts against quota_bytes like data. */
async function onPlainListing(c: cpsbackup.ListingChunk.$Shape, b: BackupReceipt): Promise<Handled> {
  await b.writer.settle(); // a listing may only name chunks stored before it
  b.writer.putListingChunk(Buffer.from(c.id ?? new Uint8Array()), c.codec ?? 0, toBuffer(c.payload), c.rawLength ?? 0);
  checkQuotaDuring(b);
  return undefined;
}

/** An encrypted node's listing chunk: stored as it came, with the ids it says it names. */
async function onSealedListing(c: cpsbackup.ListingChunk.$Shape, b: BackupReceipt): Promise<Handled> {
  await b.writer.settle(); // a listing may only name chunks stored before it
  const { listings, data } = sealedRefs(c);
  b.writer.putSealedListing(Buffer.from(c.id ?? new Uint8Array()), sealedPayload(c), listings, data);
  checkQuotaDuring(b);
  return undefined;
}

/** A node reading its parent's tree: its file list, walked by the node as a restore walks a backup's. */
async function onReadChunks(r: cpsbackup.ReadChunks.$Shape, { ctx, parentReads }: BackupReceipt): Promise<Handled> {
  if (!parentReads) throw new ProtocolError('UNEXPECTED', 'readChunks during a backup without a parent');
  await parentReads.serve(ctx, r);
  return undefined;
}

function onWarning(m: cpsbackup.Warning.$Shape, { writer }: BackupReceipt): Handled {
  writer.addWarning(String(m.message ?? '')); // the writer keeps a bounded number, each cut short
  return undefined;
}

/** The end of the stream: the root's ids, and why the agent thinks the backup partial. */
async function onPlainEnd(e: cpsbackup.EndBackup.$Shape, b: BackupReceipt): Promise<Handled> {
  await b.writer.settle();
  checkQuotaDuring(b);
  const root = (e.root ?? []).map(toBuffer);
  if (root.length > LIMITS.rootListingChunks) {
    throw new ProtocolError('TOO_MANY_IDS', `a root listing of ${root.length} chunks refused (at most ${LIMITS.rootListingChunks})`);
  }
  for (const id of root) if (id.length !== CHUNK_ID_BYTES) throw new ProtocolError('BAD_ID', `chunk id of ${id.length} bytes`);
  return { kind: 'end', partialReasons: (e.partialReasons ?? []).map(String), root };
}

/** An encrypted node's end: it also says what its backup holds (the server cannot count it). */
async function onSealedEnd(e: cpsbackup.EndBackup.$Shape, b: BackupReceipt): Promise<Handled> {
  const end = await onPlainEnd(e, b);
  b.writer.claimTotals(toSafeNumber(e.fileCount, 'file_count'), toSafeNumber(e.logicalBytes, 'logical_bytes'));
  return end;
}

function onAbortBackup(a: cpsbackup.AbortBackup.$Shape, { ctx, writer }: BackupReceipt): Handled {
  const reason = `aborted by the agent: ${String(a.reason ?? '').slice(0, LIMITS.abortReasonChars)}`;
  writer.abort(reason);
  ctx.log.warn({ backup: writer.number, reason }, 'backup aborted by agent');
  return { kind: 'aborted', reason };
}

/** An encrypted node's chunk payload: its ciphertext, as long as it says. */
function sealedPayload(c: { codec?: number | null; rawLength?: number | null; payload?: Uint8Array | null }): Buffer {
  const payload = toBuffer(c.payload);
  if (c.codec !== Codec.Sealed || c.rawLength !== payload.length) {
    throw new ProtocolError(
      'BAD_CHUNK',
      `an encrypted node sent a chunk of codec ${c.codec ?? 0} and ${c.rawLength ?? 0} of ${payload.length} bytes (sealed chunks only)`,
    );
  }
  return payload;
}

/** The ids an encrypted listing chunk names: `refs` cut in 32-byte ids, the first `listing_refs` listings. */
function sealedRefs(c: cpsbackup.ListingChunk.$Properties): { listings: Buffer[]; data: Buffer[] } {
  const refs = toBuffer(c.refs);
  const nListings = c.listingRefs ?? 0;
  if (refs.length % CHUNK_ID_BYTES !== 0 || nListings * CHUNK_ID_BYTES > refs.length) {
    throw new ProtocolError('BAD_ID', `an encrypted listing's references of ${refs.length} bytes, ${nListings} of them listings`);
  }
  const ids = splitChunkIds(refs);
  return { listings: ids.slice(0, nListings), data: ids.slice(nListings) };
}
