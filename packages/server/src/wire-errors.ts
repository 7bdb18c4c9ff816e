import { ConfigError } from '@cpsbackup/config';
import { FrameError, ProtocolError } from '@cpsbackup/protocol';
import { isFormatError } from '@cpsbackup/format';
import { catalogDamage, isStoreError } from '@cpsbackup/store';

/** Stable error codes sent to agents (the CLI maps them to exit codes). */
export type WireErrorCode =
  | 'AUTH_NO_CERT'
  | 'AUTH_BAD_CERT'
  | 'AUTH_UNKNOWN_CLIENT'
  | 'AUTH_CN_MISMATCH'
  | 'AUTH_CLIENT_CONFIG'
  | 'AUTH_ENROL'
  /** Burp's enabled = 0 for this client. */
  | 'AUTH_DISABLED'
  /** Burp's network_allow: the peer's address is not in the client's networks. */
  | 'AUTH_NETWORK'
  /** Burp's fail_on_warning: the backup had warnings, so it was not kept. */
  | 'FAILED_ON_WARNING'
  | 'BUSY'
  | 'BACKUP_RUNNING'
  | 'NOT_FOUND'
  | 'BAD_STATE'
  | 'CHUNK_REFUSED'
  | 'PROTOCOL'
  | 'VERSION'
  | 'SHUTTING_DOWN'
  | 'QUOTA'
  | 'PERMISSION'
  /** The client's server_script_pre failed: the request was not run. */
  | 'SCRIPT_REFUSED'
  | 'STORE'
  | 'KEY_MISMATCH'
  /** A node's key may not be replaced: backups made with it remain (cpsbackup --change-key says what becomes of them). */
  | 'KEY_IN_USE'
  | 'ENCRYPTED'
  | 'TOO_LARGE'
  | 'INTERNAL';

/** An error to report to the agent with a code and a message meant for its operator. */
export class WireError extends Error {
  constructor(
    readonly code: WireErrorCode,
    message: string,
    /** After sending it, close the connection (the session cannot go on). */
    readonly fatal = false,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

/** What the operator of a store short of space must do. */
const FULL_ADVICE =
  "its operator must delete old backups (cpsbackup -d NUMBER, or cpsbackupd prune) and run cpsbackupd gc, or free space on the server's disk; " +
  'backups resume by themselves once there is room';

/** Error codes of a write that failed for lack of space (the disk, a quota, SQLite's room on it). */
const OUT_OF_SPACE = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

function fullDuringBackup(): WireError {
  return new WireError('STORE', `the storage is full: this backup was not stored (nothing already stored is affected); ${FULL_ADVICE}`, true);
}

/** What the node asked for, for what a failure of the server's object storage meant to it. */
export type WireOperation = 'backup' | 'restore' | 'read' | 'delete' | 'other';

/** "2 min", "45 s": how long something lasted, for a person. */
function minutesText(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

/**
 * Told when the object storage did not answer: what became of the node's
 * request, and what to do. `retriedMs`: it was retried for all of
 * s3_retry_time (a gateway down, a full cluster): the node learns for how long.
 */
function storageFailed(op: WireOperation, retriedMs?: number): string {
  const failed =
    retriedMs === undefined
      ? "the server's object storage failed (the server's log says why)"
      : `the server's object storage kept failing or not answering for ${minutesText(retriedMs)} (s3_retry_time; the server's log says what it answered)`;
  switch (op) {
    case 'backup':
      return retriedMs === undefined
        ? `${failed}; nothing was committed: try again later`
        : `${failed}; nothing was committed: its operator must get the storage answering again (its gateway, its free space), then run the backup again`;
    case 'restore':
      // The node keeps what it wrote (each file named only once whole); the server changes nothing for a restore.
      return `${failed}, so the backup could not be read and this restore stopped (what it had restored by then stays on this node); nothing on the server was changed: try again later (into an empty directory, or with --overwrite)`;
    case 'read':
      return `${failed}, so this could not be answered; nothing was changed: try again later`;
    case 'delete':
      return `${failed}; the backup was not deleted: try again later`;
    case 'other':
      return `${failed}; the request may not have been carried out: check with cpsbackup -l, then try again later`;
  }
}

/** Maps any failure to what the agent is told; `op` is what it asked for (a failure of the object storage means something else to each). */
export function toWireError(err: unknown, op: WireOperation = 'other'): WireError {
  if (err instanceof WireError) return err;
  // The stream is still in step after these: answer, drop any running backup, go on.
  if (err instanceof ProtocolError) return new WireError('PROTOCOL', err.message);
  if (err instanceof FrameError) return new WireError('PROTOCOL', err.message);
  if (err instanceof ConfigError) return new WireError('AUTH_CLIENT_CONFIG', `the server's client file is invalid: ${err.message}`, true);
  if (isStoreError(err, 'CHUNK_HASH_MISMATCH') || isStoreError(err, 'CHUNK_TOO_LARGE') || isStoreError(err, 'CHUNK_CORRUPT')) {
    return new WireError('CHUNK_REFUSED', err.message, true);
  }
  if (isStoreError(err, 'CHUNK_MISSING') || isStoreError(err, 'MANIFEST_REFUSED')) return new WireError('PROTOCOL', err.message);
  // A payload that does not decode (bad zstd, a sealed chunk from a plain node): the peer's fault, not the server's.
  if (isFormatError(err, 'CHUNK_CORRUPT')) return new WireError('CHUNK_REFUSED', `chunk refused: ${err.message}`, true);
  if (isFormatError(err)) return new WireError('PROTOCOL', err.message);
  if (isStoreError(err, 'BACKUP_NOT_FOUND')) return new WireError('NOT_FOUND', err.message);
  if (isStoreError(err, 'BACKUP_RUNNING')) return new WireError('BACKUP_RUNNING', err.message);
  if (isStoreError(err, 'BACKUP_STATE') || isStoreError(err, 'BACKUP_UNTRUSTED')) return new WireError('BAD_STATE', err.message);
  if (isStoreError(err, 'KEY_MISMATCH')) return new WireError('KEY_MISMATCH', err.message);
  if (isStoreError(err, 'BACKUP_ENCRYPTED')) return new WireError('ENCRYPTED', err.message);
  // The operator's business (the server logs how to repair it); the agent learns only that it must wait.
  if (catalogDamage(err, ''))
    return new WireError('STORE', "the server's catalog is damaged: its operator must repair it (the server's log says how); nothing was changed", true);
  // Where the packs live and what the object store answered is the operator's business: the server logs it.
  if (isStoreError(err, 'STORE_REMOTE')) {
    const retried = err.context['retriedMs'];
    return new WireError('STORE', storageFailed(op, typeof retried === 'number' ? retried : undefined), true);
  }
  // Short of space: the node learns what is wrong and what its operator must do (where the store is stays in the server's log).
  if (isStoreError(err, 'STORE_FULL'))
    return new WireError(
      'STORE',
      `the storage is full: the server takes no new backup until space is freed (listing, restoring and deleting still work); ${FULL_ADVICE}`,
      true,
    );
  // The backup that fills the disk: the same advice as the ones refused after it.
  if (isStoreError(err, 'STORE_IO') && OUT_OF_SPACE.has(String(err.context.code))) return fullDuringBackup();
  // A server that lost its storage's lease (storage-owner.ts): where, and who took it, is the operator's business too.
  // A lease that lapsed because the storage answered too slowly comes back by itself with the next renewal.
  if (isStoreError(err, 'STORE_LOCKED') && err.context.lease === 'lapsed')
    return new WireError(
      'STORE',
      "this server no longer owns its storage (the server's log says why); nothing was committed: its lease lapsed because the storage answered too slowly, and comes back with the next renewal: try again in a minute (if it persists, its operator must act)",
      true,
    );
  if (isStoreError(err, 'STORE_LOCKED'))
    return new WireError('STORE', "this server no longer owns its storage (the server's log says why); nothing was committed: its operator must act", true);
  if (isStoreError(err)) return new WireError('STORE', `storage error: ${err.message}`, true);
  const e = err as NodeJS.ErrnoException;
  if (e && OUT_OF_SPACE.has(String(e.code))) return fullDuringBackup();
  return new WireError('INTERNAL', `internal server error: ${e?.message ?? String(err)}`, true);
}
