import { type BackupInfo, type Catalog } from './catalog';

/**
 * Backups that failed, as the catalog records them: at once, or, while it
 * cannot be written (disk full), remembered with their reason, shown as
 * failed meanwhile, and recorded as soon as it can.
 */
export class FailedBackups {
  /** Backups that failed while the catalog could not be written, by id → reason. */
  private readonly unrecorded = new Map<number, string>();

  constructor(private readonly catalog: Pick<Catalog, 'failBackup'>) {}

  /** Marks a backup `error` with the reason (and its warnings); if the catalog cannot take it, remembers it. */
  fail(backupId: number, reason: string, warnings: readonly string[]): void {
    try {
      this.catalog.failBackup(backupId, reason, warnings);
    } catch {
      // Even the catalog is full: remembered, and recorded when it can.
      this.unrecorded.set(backupId, reason);
    }
  }

  /** Records the failures the catalog could not take before (before a new backup, a list, GC and verify). */
  record(): void {
    for (const [id, reason] of this.unrecorded) {
      try {
        this.catalog.failBackup(id, reason);
        this.unrecorded.delete(id);
      } catch {
        return; // still no space; try again next time
      }
    }
  }

  /** A backup as it stands: one whose failure is not recorded yet shows as failed. */
  shown(b: BackupInfo): BackupInfo {
    const reason = this.unrecorded.get(b.id);
    return reason && b.status === 'creating' ? { ...b, status: 'error' as const, reason } : b;
  }
}
