import { type BackupInfo } from './catalog';
import { formatChunkId, ManifestDecoder } from '@cpsbackup/format';
import type { Store } from './store';

/**
 * Every chunk a committed backup needs, read from its manifest itself (the
 * manifest's own chunks, then each entry's): the source of truth the
 * catalog's reference table is only an index of.
 */
export function* manifestReferences(store: Store, backup: BackupInfo): Generator<Buffer> {
  const decoder = new ManifestDecoder();
  for (const id of store.catalog.manifestIds(backup.id)) {
    yield id;
    for (const entry of decoder.push(store.readChunk(id))) yield* entry.chunks;
  }
  decoder.end();
}

/** A committed backup whose manifest could not be read: nothing it may need can be called dead. */
export interface UnreadableManifest {
  backup: BackupInfo;
  reason: string;
}

/**
 * The hex ids of every chunk the available backups' manifests name (each
 * id once), and the backups whose manifests could not be read.
 */
export function liveFromManifests(store: Store): { ids: Set<string>; unreadable: UnreadableManifest[] } {
  const ids = new Set<string>();
  const unreadable: UnreadableManifest[] = [];
  for (const backup of store.listBackups()) {
    if (backup.status !== 'available') continue;
    try {
      for (const id of manifestReferences(store, backup)) ids.add(formatChunkId(id));
    } catch (err) {
      unreadable.push({ backup, reason: (err as Error).message });
    }
  }
  return { ids, unreadable };
}
