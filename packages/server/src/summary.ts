import { cpsbackup } from '@cpsbackup/protocol';
import { BackupInfo, Store } from '@cpsbackup/store';

/** A catalog backup as the wire summary the agent shows. */
export function toSummary(store: Store, b: BackupInfo): cpsbackup.BackupSummary.$Properties {
  let parentNumber = 0;
  if (b.parentId != null) {
    try {
      parentNumber = store.getBackup(b.parentId).number;
    } catch {
      parentNumber = 0; // the parent was deleted since
    }
  }
  return {
    number: b.number,
    parentNumber,
    status: b.status,
    reason: b.reason ?? '',
    name: b.name ?? '',
    description: b.description ?? '',
    startedAtMs: b.startedAt,
    finishedAtMs: b.finishedAt ?? 0,
    fileCount: b.fileCount,
    logicalBytes: b.logicalBytes,
    newChunks: b.newChunks,
    newRawBytes: b.newRawBytes,
    newStoredBytes: b.newStoredBytes,
    warnings: b.warnings,
  };
}
