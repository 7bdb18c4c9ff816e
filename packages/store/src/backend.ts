/**
 * Where pack files live. The catalog always stays on local disk (SQLite);
 * packs go through this interface so they can move to object storage.
 * Packs are write-once: created, appended to, synced, then only read or
 * deleted (GC writes new packs instead of editing old ones).
 */
export interface StorageBackend {
  /** Human-readable location, for messages. */
  readonly location: string;
  /** Creates a new, empty pack for appending; fails if it exists. */
  createPack(name: string): PackAppender;
  /** Reads `length` bytes at `offset` of a pack; fails on a short read. */
  readPack(name: string, offset: number, length: number): Buffer;
  /** Current size of a pack in bytes. */
  packSize(name: string): number;
  /** Deletes a pack; deleting a missing pack is not an error (GC may repeat itself after a crash). */
  deletePack(name: string): void;
  /** Names of every pack present. */
  listPacks(): string[];

  /**
   * Small named objects beside the packs: what the store keeps so that its
   * catalog can be rebuilt from the backend alone (backup-records.ts).
   * Names are `/`-separated words of [A-Za-z0-9._%-]. An object is
   * written whole and durably, replacing any object of that name.
   */
  writeObject(name: string, data: Buffer): void;
  /** An object's bytes, or undefined if there is none of that name. */
  readObject(name: string): Buffer | undefined;
  /** Deletes an object; deleting a missing one is not an error. */
  deleteObject(name: string): void;
  /** Names of every object whose name starts with `prefix`. */
  listObjects(prefix: string): string[];
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
