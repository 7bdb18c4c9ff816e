import type { Store } from './store';

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

export async function computeStats(store: Store): Promise<StoreStats> {
  const t = store.catalog.totals();
  const packs = store.catalog.packNames();
  let storedBytes = 0;
  for (const p of packs) {
    try {
      storedBytes += await store.backend.packSize(p);
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
    recordProblems: store.recordProblems().map((p) => p.message),
  };
}
