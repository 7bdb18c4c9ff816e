import * as path from 'node:path';
import { DEFAULT_ZSTD_LEVEL } from '@cpsbackup/format';

/** Store tuning; every field has a sensible default. */
export interface StoreOptions {
  /** zstd level for chunks the store compresses itself (-7..19; negative: zstd fast levels). */
  zstdLevel?: number;
  /** Roll to a new pack past this many bytes. */
  packTargetSize?: number;
  /** Write packs and record chunks in the catalog once this many bytes are pending. */
  flushThreshold?: number;
  /** How long chunks of an unfinished backup stay for a retry to reuse, in ms. */
  gracePeriodMs?: number;
  /** GC rewrites a pack once less than this share of it is live. */
  gcLiveThreshold?: number;
  /**
   * The file holding the key that signs the backup records
   * (backup-records.ts): kept with the server's configuration, never in the
   * store directory or the bucket. Default: `<dir>.records.key`, beside the
   * store directory.
   */
  recordsKey?: string;
  /** How long the storage's lease lasts unless renewed, in ms (see storage-owner.ts). */
  leaseMs?: number;
}

/** Where the records key is by default: beside the store directory, not in it. */
export function defaultRecordsKeyFile(dir: string): string {
  return `${path.resolve(dir)}.records.key`;
}

/** StoreOptions with every field filled (the records key is resolved at open). */
export type ResolvedStoreOptions = Required<Omit<StoreOptions, 'recordsKey'>>;

export function resolveStoreOptions(o: StoreOptions = {}): ResolvedStoreOptions {
  const resolved: ResolvedStoreOptions = {
    zstdLevel: o.zstdLevel ?? DEFAULT_ZSTD_LEVEL,
    packTargetSize: o.packTargetSize ?? 32 * 1024 * 1024,
    flushThreshold: o.flushThreshold ?? 128 * 1024 * 1024,
    gracePeriodMs: o.gracePeriodMs ?? 24 * 3600 * 1000,
    gcLiveThreshold: o.gcLiveThreshold ?? 0.6,
    leaseMs: o.leaseMs ?? 60_000,
  };
  if (!Number.isInteger(resolved.zstdLevel) || resolved.zstdLevel < -7 || resolved.zstdLevel > 19) {
    throw new RangeError(`zstdLevel must be an integer -7..19, got ${resolved.zstdLevel}`);
  }
  if (resolved.gcLiveThreshold < 0 || resolved.gcLiveThreshold > 1) {
    throw new RangeError(`gcLiveThreshold must be between 0 and 1, got ${resolved.gcLiveThreshold}`);
  }
  return resolved;
}
