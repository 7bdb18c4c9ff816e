import { decodeListingChunk, EntryType, type FileEntry, ManifestFormat } from '@cpsbackup/format';
import { type BackupInfo, type Store } from '@cpsbackup/store';

/**
 * Burp's notify_success_changes_only asks whether a backup holds new or
 * changed files. Two trees are compared listing by listing: a directory
 * whose listing ids equal its parent's is the same subtree and is not read;
 * a file, link or other non-directory entry that is new, or whose content,
 * size, times, mode, owner or target differ, is a change. Directories alone
 * are not (the ones above an include change whenever anything is written
 * beside it). An encrypted node's listings are sealed from the server: its
 * backups count as changed.
 */
export async function hasChangedFiles(store: Store, backup: BackupInfo, parent: BackupInfo | undefined): Promise<boolean> {
  if (!parent || backup.manifestFormat !== ManifestFormat.Tree || parent.manifestFormat !== ManifestFormat.Tree) return true;
  return subtreeChanged(store, store.manifestIds(backup.id), store.manifestIds(parent.id));
}

async function subtreeChanged(store: Store, ids: readonly Buffer[], before: readonly Buffer[]): Promise<boolean> {
  if (ids.length === before.length && ids.every((id, i) => id.equals(before[i]!))) return false;
  const old = new Map<string, FileEntry>();
  for (const id of before) for (const e of decodeListingChunk(await store.readChunk(id))) old.set(e.path.toString('latin1'), e);
  for (const id of ids) {
    for (const e of decodeListingChunk(await store.readChunk(id))) {
      const o = old.get(e.path.toString('latin1'));
      if (e.type === EntryType.Directory) {
        if (await subtreeChanged(store, e.chunks, o?.type === EntryType.Directory ? o.chunks : [])) return true;
      } else if (!o || entryChanged(e, o)) {
        return true;
      }
    }
  }
  return false;
}

function entryChanged(e: FileEntry, o: FileEntry): boolean {
  return (
    e.type !== o.type ||
    e.size !== o.size ||
    e.mtimeNs !== o.mtimeNs ||
    e.ctimeNs !== o.ctimeNs ||
    e.mode !== o.mode ||
    e.uid !== o.uid ||
    e.gid !== o.gid ||
    !e.linkTarget.equals(o.linkTarget) ||
    e.chunks.length !== o.chunks.length ||
    e.chunks.some((c, i) => !c.equals(o.chunks[i]!))
  );
}
