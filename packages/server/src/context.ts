import { type ClientConfig } from '@cpsbackup/config';
import { type FramedConnection } from '@cpsbackup/protocol';
import { type EncodedChunkCheck, type Store } from '@cpsbackup/store';
import type { Logger } from 'pino';
import { type Activity } from './activity';
import { type ClientLocks } from './client-locks';
import { type ClientPolicy } from './policy';

/** What a request handler needs: the authenticated client and the shared server parts. */
export interface SessionContext {
  readonly conn: FramedConnection;
  readonly store: Store;
  readonly client: ClientConfig;
  readonly log: Logger;
  readonly locks: ClientLocks;
  /** Identity of this session (lock owner). */
  readonly owner: object;
  /** Running backups and outcome counters (the status port reads them). */
  readonly activity: Activity;
  /** Decodes and hashes a received chunk off the main thread (ChunkChecks). */
  readonly checkChunk: EncodedChunkCheck;
  /** Retention, quotas and permissions of this client. */
  readonly policy: ClientPolicy;
  /** The node's key id when it encrypts (its Hello said so): its chunks come sealed (format's sealed.ts). */
  readonly keyId: Buffer | undefined;
  /** How long a node reading a backup may ask for nothing while it holds the read open (stall_timeout). */
  readonly readTurnMs: number;
  /** True once SIGTERM arrived: no new backups. */
  isShuttingDown(): boolean;
  /** Called after retention deleted backups: reclaims space when no backup runs. */
  requestGc(): void;
  /** Runs `work` with the session marked busy: shutdown and GC wait for it. */
  whileBusy<T>(work: () => Promise<T>): Promise<T>;
}
