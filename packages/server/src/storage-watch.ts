import { type FramedConnection } from '@cpsbackup/protocol';
import { type StorageWait, type Store } from '@cpsbackup/store';
import type { Logger } from 'pino';

/** How often the store's wait is looked at, and a node waiting on the server (its backup committing, the storage slow) is sent a sign of life. */
const TICK_MS = 1_500;
/** A wait shorter than this (a few requests retried, a gateway restarting) is nobody's business. */
const NOTICE_AFTER_MS = 10_000;
/** While the wait lasts, the node is told again this often (it also prints how long it has been). */
const REPEAT_MS = 30_000;

/**
 * While a backup runs: tells its node when the server waits on its storage
 * (an object store that refuses connections, fails or holds requests, its
 * requests retried for up to s3_retry_time) and again once the storage
 * answers, and logs both with what the storage answered (which the node is
 * not told). While the backup commits, the node waits on the server and
 * hears nothing else: a KeepAlive every few seconds keeps it from taking a
 * busy server for a dead one (its network_timeout). It polls the store's
 * state (Store.storageWait) rather than being called by the store, so a
 * wait is told whichever request waits (an upload, a read of the parent's
 * tree, the commit's check).
 */
export class StorageWatch {
  private timer: NodeJS.Timeout | undefined;
  private told: StorageWait | undefined;
  private toldAt = 0;
  private sending = false;
  private lostTold = false;
  /** Set once the backup commits: the node waits on us. */
  committing = false;

  constructor(
    private readonly conn: FramedConnection,
    private readonly store: Store,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  private tick(): void {
    if (this.conn.error) {
      // Said once: the backup will not be committed (see handleBackup), whenever the storage answers.
      if (this.told && !this.lostTold) this.log.warn({ err: this.conn.error.message }, "the node's connection was lost while the backup waited on the storage");
      this.lostTold = true;
      return;
    }
    if (this.sending) return;
    const now = Date.now();
    const wait = this.store.storageWait();
    const shown = wait && now - wait.since >= NOTICE_AFTER_MS ? wait : undefined;
    if (shown && (!this.told || now - this.toldAt >= REPEAT_MS)) {
      if (!this.told) {
        this.log.warn(
          {
            since: new Date(shown.since).toISOString(),
            attempts: shown.attempts,
            lastError: shown.lastError || 'none: the storage holds the request unanswered',
            retryTimeS: shown.retryTimeMs / 1000,
          },
          'waiting on the storage; the node is told',
        );
      }
      this.told = shown;
      this.toldAt = now;
      this.send({ waiting: true, sinceMs: shown.since, attempts: shown.attempts, retryTimeS: Math.round(shown.retryTimeMs / 1000) });
      return;
    }
    if (!shown && this.told) {
      this.log.info({ since: new Date(this.told.since).toISOString() }, 'the storage answers again; the node is told');
      this.send({ waiting: false, sinceMs: this.told.since, attempts: 0, retryTimeS: 0 });
      this.told = undefined;
      return;
    }
    // A read the node waits for (its parent's file list) may be what waits on the storage, before it is told.
    if (this.committing || wait) this.send(undefined);
  }

  /** A notice (undefined: a KeepAlive); one at a time, so a node that reads nothing does not pile them up. */
  private send(wait: { waiting: boolean; sinceMs: number; attempts: number; retryTimeS: number } | undefined): void {
    this.sending = true;
    this.conn
      .send(wait ? { storageWait: wait } : { keepAlive: {} })
      .catch(() => undefined) // a lost connection is the handler's to report
      .finally(() => (this.sending = false));
  }

  /**
   * Ends the watch. `answered`: the backup went on (it is committed), so a
   * node told of a wait is told it is over before its result; not when the
   * backup failed (the storage may never have answered: its error says).
   */
  async stop(answered = false): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const told = this.told;
    this.told = undefined;
    if (!told || !answered || this.conn.error) return;
    this.log.info({ since: new Date(told.since).toISOString() }, 'the storage answers again; the node is told');
    await this.conn.send({ storageWait: { waiting: false, sinceMs: told.since, attempts: 0, retryTimeS: 0 } }).catch(() => undefined);
  }
}
