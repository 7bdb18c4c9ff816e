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
}

export function computeStats(store: Store): StoreStats {
  const db = store.catalog.db;
  const counts = db.prepare(`SELECT status, COUNT(*) AS n, SUM(logical_bytes) AS bytes FROM backups GROUP BY status`).all() as Array<{
    status: string;
    n: number;
    bytes: number;
  }>;
  const by = (s: string) => counts.find((c) => c.status === s);
  const chunks = db.prepare(`SELECT COUNT(*) AS n, COALESCE(SUM(raw_length), 0) AS raw, COALESCE(SUM(stored_length), 0) AS stored FROM chunks`).get() as {
    n: number;
    raw: number;
    stored: number;
  };
  const packs = db.prepare(`SELECT name FROM packs`).pluck().all() as string[];
  let storedBytes = 0;
  for (const p of packs) {
    try {
      storedBytes += store.backend.packSize(p);
    } catch {
      // A missing pack is verify's business; stats count what is there.
    }
  }
  const logicalBytes = by('available')?.bytes ?? 0;
  return {
    clients: db.prepare(`SELECT COUNT(*) FROM clients`).pluck().get() as number,
    backups: { available: by('available')?.n ?? 0, error: by('error')?.n ?? 0, creating: by('creating')?.n ?? 0 },
    logicalBytes,
    chunks: chunks.n,
    uniqueBytes: chunks.raw,
    storedBytes,
    packs: packs.length,
    dedupRatio: chunks.raw > 0 ? logicalBytes / chunks.raw : 1,
    compressionRatio: chunks.stored > 0 ? chunks.raw / chunks.stored : 1,
  };
}
