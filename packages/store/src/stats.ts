import { type StorageBackend } from './backend';
import { type BackupRecords } from './backup-records';
import { type Catalog } from './catalog';

/** Whole-store sizes and ratios. */
export interface StoreStats {
  clients: number;
  backups: { available: number; error: number; creating: number };
  /** Sum of the file sizes in all available backups (what a user would restore). */
  logicalBytes: number;
  chunks: number;
  /** Plaintext bytes of all unique chunks. */
  uniqueBytes: number;
  /** Bytes of all pack files (compressed chunks, headers, garbage not yet collected). */
  storedBytes: number;
  packs: number;
  /** logicalBytes / uniqueBytes. */
  dedupRatio: number;
  /** uniqueBytes / stored chunk payload bytes. */
  compressionRatio: number;
  /** What is wrong with the backup records (each says what to do); empty when they are sound. */
  recordProblems: string[];
}

/** What the stats read: the catalog's totals, the packs' sizes, the records' problems. */
export interface StatsSource {
  readonly catalog: Pick<Catalog, 'totals' | 'packNames'>;
  readonly backend: Pick<StorageBackend, 'packSize'>;
  readonly records: Pick<BackupRecords, 'problemsOf'>;
}

export async function computeStats(src: StatsSource): Promise<StoreStats> {
  const t = src.catalog.totals();
  const packs = src.catalog.packNames();
  let storedBytes = 0;
  for (const p of packs) {
    try {
      storedBytes += await src.backend.packSize(p);
    } catch {
      // A missing pack is verify's business; stats count what is there.
    }
  }
  const logicalBytes = t.backups.get('available')?.bytes ?? 0;
  return {
    clients: t.clients,
    backups: { available: t.backups.get('available')?.n ?? 0, error: t.backups.get('error')?.n ?? 0, creating: t.backups.get('creating')?.n ?? 0 },
    logicalBytes,
    chunks: t.chunks.n,
    uniqueBytes: t.chunks.raw,
    storedBytes,
    packs: packs.length,
    dedupRatio: t.chunks.raw > 0 ? logicalBytes / t.chunks.raw : 1,
    compressionRatio: t.chunks.stored > 0 ? t.chunks.raw / t.chunks.stored : 1,
    recordProblems: src.records.problemsOf().map((p) => p.message),
  };
}
