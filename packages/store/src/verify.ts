import { ChunkRow, toChunkLocation } from './catalog';
import { formatChunkId } from './chunk-id';
import { ManifestDecoder } from './manifest-codec';
import type { Store } from './store';

/** A chunk that failed its check. */
export interface BadChunk {
  chunk: string;
  pack: string;
  offset: number;
  reason: string;
}

/** A backup that cannot be restored whole, and exactly what is lost. */
export interface DamagedBackup {
  backupId: number;
  client: string;
  number: number;
  /** The file list itself is unreadable: no file of this backup can be listed. */
  manifestDamaged: boolean;
  /** Files whose content hits a bad or missing chunk. */
  files: Array<{ path: string; chunks: string[] }>;
}

/** Verify's findings; `ok` only when nothing is wrong. */
export interface VerifyReport {
  ok: boolean;
  chunksChecked: number;
  bytesChecked: number;
  backupsChecked: number;
  badChunks: BadChunk[];
  damagedBackups: DamagedBackup[];
}

/**
 * Re-reads every chunk (decode + SHA-256 against its id), then walks every
 * available backup's manifest and names each file that references a chunk
 * that is bad or absent.
 */
export function runVerify(store: Store): VerifyReport {
  const db = store.catalog.db;
  const bad = new Map<string, BadChunk>();
  let chunksChecked = 0;
  let bytesChecked = 0;
  const rows = db.prepare(`SELECT * FROM chunks ORDER BY pack, offset`).iterate() as IterableIterator<ChunkRow>;
  for (const row of rows) {
    const loc = toChunkLocation(row);
    chunksChecked++;
    bytesChecked += loc.rawLength;
    try {
      store.readLocated(loc);
    } catch (err) {
      const hex = formatChunkId(loc.id);
      bad.set(hex, { chunk: hex, pack: loc.pack, offset: loc.offset, reason: (err as Error).message });
    }
  }

  const exists = db.prepare(`SELECT 1 FROM chunks WHERE id = ?`).pluck();
  const problem = (id: Buffer): boolean => bad.has(formatChunkId(id)) || exists.get(id) === undefined;
  const damagedBackups: DamagedBackup[] = [];
  const backups = store.listBackups().filter((b) => b.status === 'available');
  for (const b of backups) {
    const damage: DamagedBackup = { backupId: b.id, client: b.client, number: b.number, manifestDamaged: false, files: [] };
    const manifestIds = store.catalog.manifestIds(b.id);
    if (manifestIds.some(problem)) {
      damage.manifestDamaged = true;
    } else {
      try {
        const decoder = new ManifestDecoder();
        const check = (entries: ReturnType<ManifestDecoder['push']>) => {
          for (const e of entries) {
            const lost = e.chunks.filter(problem).map(formatChunkId);
            if (lost.length > 0) damage.files.push({ path: e.path.toString(), chunks: lost });
          }
        };
        for (const id of manifestIds) check(decoder.push(store.readChunk(id)));
        decoder.end();
      } catch {
        damage.manifestDamaged = true;
      }
    }
    if (damage.manifestDamaged || damage.files.length > 0) damagedBackups.push(damage);
  }
  return {
    ok: bad.size === 0 && damagedBackups.length === 0,
    chunksChecked,
    bytesChecked,
    backupsChecked: backups.length,
    badChunks: [...bad.values()],
    damagedBackups,
  };
}
