import { type cpsbackup } from '@cpsbackup/protocol';
import { type BackupInfo, type Store } from '@cpsbackup/store';

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
    warningCount: b.warnings.length,
    partial: b.partial ?? '',
    keyId: store.sealedKeyOf(b) ?? Buffer.alloc(0),
  };
}

/** Warnings a list carries per backup (the count says how many there are; -s shows them all). */
const LIST_WARNINGS = 5;

/**
 * The summary as a list carries it: the first few warnings only, so a list
 * of many backups stays far below the frame limit.
 */
export function toListSummary(store: Store, b: BackupInfo): cpsbackup.BackupSummary.$Properties {
  return { ...toSummary(store, b), warnings: b.warnings.slice(0, LIST_WARNINGS) };
}
