/**
 * Which store directory the storage behind a backend belongs to, and which
 * live process may change it. Recovery deletes packs its catalog does not
 * know (they are garbage of a crash), GC deletes packs, a delete removes
 * records: done by a server whose catalog does not describe the storage
 * (a second server on the same bucket prefix, a catalog lost while the
 * packs remain), each would destroy backups.
 *
 * So the storage holds a lease (backend.readLease/writeLease): the store
 * directory's id, the holder's host and process, how long it lasts. The
 * holder renews it in the background every third of its duration and
 * counts it held only until (start of its last successful renewal +
 * duration − margin) by its own monotonic clock; past that, or once
 * another writer changed the lease, it neither acknowledges backups nor
 * deletes anything (assertHeld). Another server takes it only once it is
 * older than its duration + slack by the storage's own clock (an object
 * store's Date and Last-Modified; a file's mtime), never by comparing two
 * hosts' clocks; what is assumed is in OPERATIONS.md ("One owner per
 * storage").
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFileDurably } from '@cpsbackup/durable';
import { type LeaseObject, type StorageBackend } from './backend';
import { StoreError } from './errors';
import { isOutOfSpace } from './space-reserve';
import { StoreLock } from './store-lock';

/** The object an earlier version wrote to name the directory the storage belongs to (read when there is no lease yet). */
const LEGACY_OWNER_OBJECT = 'owner';
/** This directory's identity (random, made once). */
const ID_FILE = 'store-id';
/** Lease length when none is configured. */
const DEFAULT_LEASE_MS = 60_000;
/**
 * Added to a lease's duration before another server may take it: covers
 * the one-second resolution of Date and Last-Modified (one second each
 * way) with a second to spare.
 */
export const TAKEOVER_SLACK_MS = 3_000;
/** On a store that ignores conditional writes, how long a new holder waits before reading the lease back once more (see OPERATIONS.md): a write racing ours lands within it. */
function settleMs(durationMs: number): number {
  return Math.min(1_500, durationMs / 6);
}

/** What the lease says. */
interface LeaseRecord {
  id: string;
  token: string;
  host: string;
  pid: number;
  directory: string;
  durationMs: number;
  /** Set by a clean stop: no process holds it, the directory still owns the storage. */
  released?: boolean;
  /** This holder's clock, for people only (never compared). */
  writtenAt: string;
}

/** The holder's monotonic clock, in ms. */
function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/** This store directory's id, made the first time it is asked for. */
function ownId(dir: string): string {
  const file = path.join(dir, ID_FILE);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  createFileDurably(file, randomBytes(16).toString('hex') + '\n', 0o600);
  return fs.readFileSync(file, 'utf8').trim();
}

function parseRecord(bytes: Buffer): Partial<LeaseRecord> {
  try {
    const r = JSON.parse(bytes.toString('utf8')) as unknown;
    return r && typeof r === 'object' ? (r as Partial<LeaseRecord>) : {};
  } catch {
    return {}; // unreadable: another owner's, whose lease lasts the default
  }
}

/** Where the storage is, for messages. */
function storageName(backend: StorageBackend): string {
  return backend.objectsLocation.replace(/records\/?$/, '');
}

/** A lease as read: who holds it and whether it still runs. */
export interface LeaseState {
  record: Partial<LeaseRecord>;
  tag: string | undefined;
  ageMs: number | undefined;
  durationMs: number;
  /** Held by a running process, as far as the storage shows (not released, not older than its duration + slack). */
  live: boolean;
  /** Milliseconds until another server may take it (0: now). */
  expiresInMs: number;
}

/** Reads the lease (or an earlier version's owner object) and judges it. */
export async function readLeaseState(backend: StorageBackend): Promise<LeaseState | undefined> {
  const lease: LeaseObject | undefined = await backend.readLease();
  if (!lease) {
    const legacy = await backend.readObject(LEGACY_OWNER_OBJECT);
    // An earlier version's claim: no process renews it, the directory it names still owns the storage.
    return legacy
      ? { record: { ...parseRecord(legacy), released: true }, tag: undefined, ageMs: undefined, durationMs: 0, live: false, expiresInMs: 0 }
      : undefined;
  }
  const record = parseRecord(lease.data);
  const durationMs = typeof record.durationMs === 'number' && record.durationMs > 0 ? record.durationMs : DEFAULT_LEASE_MS;
  // No age known (a storage without times): it never expires by itself; a clean stop releases it.
  const left = lease.ageMs === undefined ? Infinity : durationMs + TAKEOVER_SLACK_MS - lease.ageMs;
  const live = record.released !== true && left > 0;
  return { record, tag: lease.tag, ageMs: lease.ageMs, durationMs, live, expiresInMs: live ? left : 0 };
}

function seconds(ms: number): string {
  return ms === Infinity ? 'never by itself (the storage gives no times)' : `${Math.ceil(ms / 1000)} s`;
}

/** Who holds a lease, for messages. */
function holderText(r: Partial<LeaseRecord>): string {
  return `store directory ${r.directory ?? '?'} on ${r.host ?? '?'}${r.pid ? `, process ${r.pid}` : ''}`;
}

/** The refusal while another process holds the lease: how to check it is gone, when its lease ends; nothing that destroys data. */
function leaseHeldMessage(backend: StorageBackend, s: LeaseState, command: 'start' | 'rebuild-catalog'): string {
  const r = s.record;
  return (
    `${storageName(backend)} is in use by another cpsbackupd (${holderText(r)}): its lease was renewed ${s.ageMs === undefined ? '?' : Math.floor(s.ageMs / 1000)} s ago ` +
    `and lasts ${Math.round(s.durationMs / 1000)} s, so it expires in ${seconds(s.expiresInMs)} unless that server renews it. ` +
    `Two servers must never share storage: if this one is a second server, give it its own ${backend.publishesPacks ? 's3_prefix' : 'directory'}. ` +
    `If it is to replace that one: stop that one first (on ${r.host ?? 'its host'}: systemctl stop cpsbackupd, then check that ${r.pid ? `process ${r.pid} no longer runs there` : 'no cpsbackupd runs there'}); ` +
    `a clean stop releases the lease at once, otherwise it expires as said. ` +
    (command === 'start' ? `Until then this server refuses to start.` : `Until then rebuild-catalog refuses to run, and nothing was changed.`)
  );
}

/** The refusal of a catalog that is not the storage's, once its owner is gone. */
function notOursMessage(backend: StorageBackend, s: LeaseState): string {
  return (
    `${storageName(backend)} belongs to another cpsbackupd (${holderText(s.record)}), ` +
    `${s.record.released ? 'which released it at a clean stop' : `whose lease expired ${seconds(-(s.durationMs + TAKEOVER_SLACK_MS - (s.ageMs ?? 0)))} ago`}: ` +
    `this server's catalog does not describe it, and opening it would delete that server's backups as garbage. ` +
    `If this server replaces that one, check that it is not running (on ${s.record.host ?? 'its host'}: systemctl status cpsbackupd), then run cpsbackupd -c server.conf rebuild-catalog here ` +
    `(it keeps this catalog aside, and refuses if that server holds the storage again). Otherwise give this server its own ${backend.publishesPacks ? 's3_prefix' : 'directory'}.`
  );
}

/**
 * The store directory's lock for `command`, where another host's lock
 * counts while the storage's lease runs (a directory two hosts share);
 * `backend` is closed if the lock is refused.
 */
export async function lockStoreDirectory(dir: string, backend: StorageBackend, command: 'start' | 'rebuild-catalog'): Promise<StoreLock> {
  try {
    return await StoreLock.acquireShared(dir, async () => {
      const s = await readLeaseState(backend);
      return s && { host: s.record.host, live: s.live, message: leaseHeldMessage(backend, s, command) };
    });
  } catch (err) {
    await backend.close().catch(() => undefined);
    throw err;
  }
}

/** How a lease is held. */
export interface LeaseOptions {
  /** How long the lease lasts unless renewed. */
  durationMs?: number;
  /** Told (once) when the lease is lost to another writer, or lapses because it could not be renewed in time. */
  onLost?: (message: string) => void;
}

/**
 * The storage's lease, held by this process. Taken at open (or by a
 * catalog rebuild), renewed in the background, released at close.
 */
export class StorageLease {
  private timer: NodeJS.Timeout | undefined;
  /** Monotonic time until which the lease counts as held. */
  private validUntil: number;
  private lostReason: string | undefined;
  private lapsedTold = false;
  private closed = false;
  private renewing: Promise<void> | undefined;
  private readonly durationMs: number;

  private constructor(
    private readonly backend: StorageBackend,
    private readonly record: LeaseRecord,
    private tag: string,
    takenAt: number,
    private readonly onLost: (message: string) => void,
  ) {
    this.durationMs = record.durationMs;
    this.validUntil = takenAt + this.durationMs - this.marginMs;
    this.schedule(this.renewEveryMs);
  }

  /** How long before its end by the holder's clock the lease stops counting as held. */
  private get marginMs(): number {
    return Math.max(1_000, this.durationMs / 4);
  }

  private get renewEveryMs(): number {
    return Math.max(250, this.durationMs / 3);
  }

  /**
   * Takes the storage's lease for the store in `dir` (whose local lock the
   * caller holds). `start`: only if the storage is this directory's (or
   * nobody's yet). `rebuild-catalog`: also storage whose owner's lease
   * ended. Refuses while another process holds it.
   */
  static async acquire(dir: string, backend: StorageBackend, purpose: 'start' | 'rebuild-catalog', opts: LeaseOptions = {}): Promise<StorageLease> {
    const durationMs = opts.durationMs ?? DEFAULT_LEASE_MS;
    const id = ownId(dir);
    const state = await readLeaseState(backend);
    if (state) {
      const mine = state.record.id === id;
      // This directory's own lease, left on this host: its process is gone (the caller holds the directory's lock), so a restart need not wait.
      const restart = mine && state.record.host === os.hostname();
      if (state.live && !restart)
        throw new StoreError('STORE_LOCKED', leaseHeldMessage(backend, state, purpose), { host: state.record.host, pid: state.record.pid });
      if (!mine && purpose === 'start') throw new StoreError('STORE_LOCKED', notOursMessage(backend, state), { host: state.record.host });
    }
    const record: LeaseRecord = {
      id,
      token: randomBytes(16).toString('hex'),
      host: os.hostname(),
      pid: process.pid,
      directory: path.resolve(dir),
      durationMs,
      writtenAt: new Date().toISOString(),
    };
    const takenAt = monotonicMs();
    const tag = await backend.writeLease(Buffer.from(JSON.stringify(record) + '\n'), state?.tag);
    const raced = async () => {
      const now = await readLeaseState(backend);
      return new StoreError(
        'STORE_LOCKED',
        now ? leaseHeldMessage(backend, now, purpose) : `${storageName(backend)}: another server changed the lease while this one took it; try again`,
      );
    };
    if (tag === undefined) throw await raced();
    if (backend.leaseWrites === 'checked') {
      // The store ignores conditions: a writer that read the old lease just before ours may land its write after our read-back.
      await new Promise((r) => setTimeout(r, settleMs(durationMs)));
      if ((await backend.readLease())?.tag !== tag) throw await raced();
    }
    return new StorageLease(backend, record, tag, takenAt, opts.onLost ?? (() => undefined));
  }

  /** Whether the lease counts as held now. */
  get held(): boolean {
    return !this.lostReason && !this.closed && monotonicMs() < this.validUntil;
  }

  /**
   * Before anything that acknowledges a backup or destroys data: refuses
   * once the lease is lost, or lapsed because it could not be renewed.
   */
  assertHeld(what: string): void {
    if (this.held) return;
    const why =
      this.lostReason ??
      (this.closed
        ? 'the store is closing'
        : `its lease could not be renewed for ${seconds(this.durationMs - this.marginMs)} (the storage did not answer; see the log)`);
    // Lapsed (not lost, not closing): held again by itself once a renewal gets through.
    const lapsed = !this.lostReason && !this.closed ? 'lapsed' : undefined;
    throw new StoreError('STORE_LOCKED', `${what} refused: this server no longer owns ${storageName(this.backend)}: ${why}`, { lease: lapsed });
  }

  /**
   * assertHeld, after renewing the lease at once if it lapsed: a storage
   * that kept a commit waiting for minutes (s3_retry_time) also kept the
   * renewals from landing, and answers again now; the commit need not wait
   * for the next scheduled renewal nor fail for want of it.
   */
  async regain(what: string): Promise<void> {
    if (!this.held && !this.lostReason && !this.closed) {
      await this.renewing?.catch(() => undefined);
      // Twice at most: a renewal that finds its own late write adopts that tag, and the next one renews from it.
      for (let i = 0; i < 2 && !this.held && !this.lostReason && !this.closed; i++) {
        if (this.timer) clearTimeout(this.timer);
        this.renewing = this.renew();
        await this.renewing;
      }
    }
    this.assertHeld(what);
  }

  /** assertHeld, after reading the lease from the storage once more (before the larger destructive steps). */
  async confirm(what: string): Promise<void> {
    this.assertHeld(what);
    const now = await this.backend.readLease();
    if (now?.tag !== this.tag) this.lose(`the lease was written by another server (${now ? holderText(parseRecord(now.data)) : 'it is gone'})`);
    this.assertHeld(what);
  }

  private lose(reason: string): void {
    if (this.lostReason) return;
    this.lostReason = reason;
    if (this.timer) clearTimeout(this.timer);
    this.onLost(
      `this server lost ${storageName(this.backend)}: ${reason}. It acknowledges no backup and deletes nothing any more; stop it and find out why two servers use one storage`,
    );
  }

  private schedule(ms: number): void {
    if (this.closed || this.lostReason) return;
    this.timer = setTimeout(() => {
      this.renewing = this.renew();
    }, ms);
    this.timer.unref();
  }

  /** Frees room on a full disk (the store's space reserve); true if it freed some. Set by the store once open. */
  makeRoom: (() => boolean) | undefined;

  private async renew(): Promise<void> {
    const wasHeld = this.held;
    const sentAt = monotonicMs();
    let tag: string | undefined;
    const write = () => this.backend.writeLease(Buffer.from(JSON.stringify({ ...this.record, writtenAt: new Date().toISOString() }) + '\n'), this.tag);
    try {
      try {
        tag = await write();
      } catch (err) {
        // A disk filled by something else: the store's reserve gives the lease its few bytes (a lapsed lease would
        // refuse the very deletes and GC that free the room).
        if (!isOutOfSpace(err) || !this.makeRoom?.()) throw err;
        tag = await write();
      }
      if (tag !== undefined && !wasHeld && this.backend.leaseWrites === 'checked') {
        // Lapsed meanwhile, on a store that ignores conditions: a taker may have written just after our compare.
        await new Promise((r) => setTimeout(r, settleMs(this.durationMs)));
        if ((await this.backend.readLease())?.tag !== tag) tag = undefined;
      }
    } catch (err) {
      // Not renewed this time: the lease lapses on its own unless a later try gets through.
      if (!this.held && !this.lapsedTold && !this.closed) {
        this.lapsedTold = true;
        this.onLost(
          `this server's lease on ${storageName(this.backend)} lapsed: it could not be renewed (${(err as Error).message}); backups are refused until it is`,
        );
      }
      this.schedule(this.renewEveryMs / 2);
      return;
    }
    if (this.closed) return;
    if (tag === undefined) {
      const now = await this.backend.readLease().catch(() => undefined);
      const record = now ? parseRecord(now.data) : undefined;
      if (now && record?.token === this.record.token && record.id === this.record.id && !record.released) {
        // Our own renewal, given up on while the storage held it (a full cluster) and applied later: the lease is
        // still ours, at a tag we never saw. Renewed from that tag; anyone else's write would carry their token.
        this.tag = now.tag;
        this.schedule(0);
        return;
      }
      this.lose(`another server took the lease (${now ? holderText(parseRecord(now.data)) : 'it is gone'})`);
      return;
    }
    this.tag = tag;
    this.validUntil = sentAt + this.durationMs - this.marginMs;
    this.lapsedTold = false;
    this.schedule(this.renewEveryMs);
  }

  /** Stops renewing; `release` (a clean stop) marks it free for this directory's next start, and for a rebuild elsewhere. */
  async close(release: boolean): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.renewing?.catch(() => undefined);
    if (!release || this.lostReason) return;
    await this.backend
      .writeLease(Buffer.from(JSON.stringify({ ...this.record, released: true, writtenAt: new Date().toISOString() }) + '\n'), this.tag)
      .catch(() => undefined); // not released: it expires
  }
}

/**
 * Before a store opens: refuses a new (empty) catalog over storage that
 * holds backups (a catalog lost while the packs remain).
 */
export async function checkCatalogMatchesStorage(dir: string, backend: StorageBackend, catalogIsNew: boolean): Promise<void> {
  if (!catalogIsNew) return;
  const packs = (await backend.listPacks()).length;
  const clients = (await backend.listObjects('clients/')).length;
  if (packs > 0 || clients > 0) {
    throw new StoreError(
      'CATALOG_MISSING',
      `${path.join(dir, 'catalog.db')} is missing, but ${backend.location} holds ${packs} packs and the records of ${clients} clients: ` +
        'opening would take them for garbage. Rebuild the catalog from them: cpsbackupd -c server.conf rebuild-catalog (or put the catalog back); ' +
        'rebuild-catalog refuses while another server holds the storage',
    );
  }
}
