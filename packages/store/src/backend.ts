/**
 * Where pack files live. The catalog always stays on local disk (SQLite);
 * packs go through this interface so they can move to object storage.
 * Packs are write-once: created, appended to, synced, then only read or
 * deleted (GC writes new packs instead of editing old ones).
 */
import { type StorageWait } from './s3-retry';

/** How streamPack reads. */
export interface StreamOptions {
  /** Read a published pack from the storage, bypassing local copies (see streamPack). */
  fromStorage?: boolean;
}

export interface StorageBackend {
  /** Human-readable location, for messages (never credentials). */
  readonly location: string;
  /** Where the small named objects are, for messages. */
  readonly objectsLocation: string;
  /**
   * Whether packs are published elsewhere once sealed (an object store):
   * a backup's last pack is then sealed at its commit, so that the commit
   * can wait for it to be published.
   */
  readonly publishesPacks: boolean;

  /**
   * Creates a new, empty pack for appending, on local disk (object stores
   * take whole objects: a pack is assembled locally and published once
   * sealed); fails if it exists.
   */
  createPack(name: string): PackAppender;
  /**
   * Makes a sealed, synced pack durable in the backend; resolves once the
   * backend acknowledged it (an upload), at once where the local file is
   * the pack's home. Nothing may name a pack's chunks to a client
   * (commit a backup) before this resolved.
   */
  publishPack(name: string): Promise<void>;
  /** Removes a pack never published (a failed write), from local disk only; a missing one is not an error. */
  discardPack(name: string): void;
  /** Reads `length` bytes at `offset` of a pack; fails on a short read or a missing pack (StoreError naming it). */
  readPack(name: string, offset: number, length: number): Promise<Buffer>;
  /**
   * Bytes [start, end) of a pack as one stream, in order: one request where
   * the pack is an object, buffers of the transport's size (memory stays
   * bounded however long the range). For reads of many chunks of a pack in
   * file order (verify, GC, rebuild). Ends early where the pack does (the
   * caller sees fewer bytes); fails on a missing pack (PACK_MISSING), and
   * stops when `signal` aborts (its reason thrown). `fromStorage`: a
   * published pack is read from where it is published (an object store's
   * bucket), never from a local copy of it (verify checks the copy that
   * survives the machine); where the local file is the pack's home, no
   * difference.
   */
  streamPack(name: string, start: number, end: number, signal?: AbortSignal, opts?: StreamOptions): AsyncIterable<Buffer>;
  /**
   * A local copy of a published pack failed its check (a tree pack kept by
   * an object store's backend): the copy is dropped and fetched again from
   * the storage. Resolves to false when there is no such copy to replace
   * (the local file is the pack's home, or it is not a copy); `reason`
   * goes into the warning logged.
   */
  refetchLocalCopy(name: string, reason: string): Promise<boolean>;
  /** Size of a pack in bytes. */
  packSize(name: string): Promise<number>;
  /** Deletes a pack; deleting a missing pack is not an error (GC may repeat itself after a crash). */
  deletePack(name: string): Promise<void>;
  /** Names of every published pack present. */
  listPacks(): Promise<string[]>;
  /** Names of packs assembled locally and not known to be published (only object stores have any: recovery publishes them). */
  unpublishedPacks(): string[];

  /**
   * Small named objects beside the packs: what the store keeps so that its
   * catalog can be rebuilt from the backend alone (backup-records.ts).
   * Names are `/`-separated words of [A-Za-z0-9._%-]. An object is
   * written whole and durably, replacing any object of that name.
   */
  writeObject(name: string, data: Buffer): Promise<void>;
  /** An object's bytes, or undefined if there is none of that name. */
  readObject(name: string): Promise<Buffer | undefined>;
  /** Deletes an object; deleting a missing one is not an error. */
  deleteObject(name: string): Promise<void>;
  /** Names of every object whose name starts with `prefix`, sorted. */
  listObjects(prefix: string): Promise<string[]>;

  /**
   * The ownership lease (storage-owner.ts): its bytes, a tag that changes
   * at every write, and its age by the storage's own clock where it has
   * one (an object store's Date and Last-Modified) or this host's
   * otherwise; undefined when there is none.
   */
  readLease(): Promise<LeaseObject | undefined>;
  /**
   * Writes the lease if it is still at `expected` (its tag; undefined: if
   * there is none), atomically where the storage can (an object store's
   * conditional PUT, a file created exclusively), otherwise checked by
   * reading it back (see leaseWrites). Resolves to the new tag, or to
   * undefined when another writer came first: the caller does not hold it.
   */
  writeLease(data: Buffer, expected: string | undefined): Promise<string | undefined>;
  /** How writeLease is made safe: `atomic` (the storage refuses a write whose condition fails), `checked` (it ignores conditions: read back; see OPERATIONS.md). Known after the first writeLease. */
  readonly leaseWrites: 'atomic' | 'checked' | 'unknown';

  /**
   * Object stores only: aborts the incomplete multipart uploads of this
   * storage's packs that are not this process's own (a crash or a failed
   * abort leaves their parts billed and unlisted); `beforeAbort` runs
   * before each abort (the lease check).
   */
  abortStaleUploads?(beforeAbort: () => void): Promise<AbortedUploads>;

  /** Releases handles and connections (the store closes it). */
  close(): Promise<void>;

  /** Whether the store waits on this storage now (a remote one that does not answer; see s3-retry.ts); absent: it never waits. */
  storageWait?(): StorageWait | undefined;
}

/** What abortStaleUploads did. */
export interface AbortedUploads {
  /** Uploads aborted. */
  aborted: number;
  /** The bytes their parts held (undefined: the store did not say). */
  bytes: number | undefined;
  /** Their keys. */
  keys: string[];
  /** Set when the object store cannot list incomplete uploads: nothing was done. */
  unsupported?: string;
}

/** What readLease gives. */
export interface LeaseObject {
  data: Buffer;
  tag: string;
  /** Milliseconds since it was last written; undefined if the storage cannot tell. */
  ageMs: number | undefined;
}

/** An open pack being written. */
export interface PackAppender {
  /** Appends bytes at the end of the pack. */
  append(data: Buffer): void;
  /** Appends several buffers in order (one gathered write where the backend can). */
  appendAll(parts: Buffer[]): void;
  /** Makes everything appended so far durable (fsync). */
  sync(): void;
  /** The same without blocking the caller's thread; the handle must stay open until it settles. */
  syncInBackground(): Promise<void>;
  /** Closes the handle (after sync when the data must last). */
  close(): void;
}
