/** Why a store operation failed; callers switch on `code`, people read `message`. */
export type StoreErrorCode =
  | 'CHUNK_HASH_MISMATCH'
  | 'CHUNK_TOO_LARGE'
  | 'CHUNK_MISSING'
  /** A pack the catalog names is not in the backend (deleted, or lost). */
  | 'PACK_MISSING'
  | 'CHUNK_CORRUPT'
  /** A client's file list (a listing chunk, or the tree they make) breaks the manifest's rules. */
  | 'MANIFEST_REFUSED'
  | 'BACKUP_NOT_FOUND'
  | 'BACKUP_STATE'
  /** The backup's catalog row is not vouched for by its signed record: not served until --repair-catalog. */
  | 'BACKUP_UNTRUSTED'
  /** The backup is encrypted: the server cannot read its file list. */
  | 'BACKUP_ENCRYPTED'
  /** An encrypted node's key is not the one its dedup group uses. */
  | 'KEY_MISMATCH'
  | 'BACKUP_RUNNING'
  | 'STORE_LOCKED'
  | 'STORE_CORRUPT'
  | 'CATALOG_CORRUPT'
  /** The signed records name backups the catalog lacks: it was put back from an older copy. */
  | 'CATALOG_BEHIND'
  /** No catalog, but the storage holds backups: it must be rebuilt from them (rebuild-catalog), never started afresh over them. */
  | 'CATALOG_MISSING'
  /** The backup records are signed, but the key that signs them is not where the server keeps it. */
  | 'RECORDS_KEY_MISSING'
  /** There is no records key and the server may not write where it belongs (a configuration directory read-only to it): it must be made by root. */
  | 'RECORDS_KEY_UNWRITABLE'
  /** The records key is readable by users other than the server's (its mode): refused, as ssh refuses a loose private key. */
  | 'RECORDS_KEY_EXPOSED'
  | 'STORE_CLOSED'
  /** The caller stopped it (the request that started a verify went away). */
  | 'STOPPED'
  /** GC is running: a backup's write must wait until it ends. */
  | 'STORE_BUSY'
  | 'STORE_IO'
  /** The store is short of space (its reserve spent, no room to make it again): no new backup until space is freed. */
  | 'STORE_FULL'
  /** The object store holding the packs failed (after its retries): the message names the bucket and what it answered. */
  | 'STORE_REMOTE'
  /** The store directory, something in it or a directory on the way to it is in another user's hands: the server does not start. */
  | 'STORE_NOT_OURS'
  | 'BAD_ARGUMENT';

/** A typed store failure carrying the context needed to act on it. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly context: Readonly<Record<string, string | number | undefined>> = {},
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** True when `err` is a StoreError with the given code. */
export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}
