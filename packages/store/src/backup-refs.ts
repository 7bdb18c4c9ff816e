import { type ReferenceHolders } from './durability-queue';

/**
 * One running backup's references the catalog has not recorded yet (hex →
 * id): the durability queue records them with its next round or flush,
 * and GC keeps them meanwhile. And why the backup cannot go on, once the
 * store lost data it may rely on.
 */
export class BackupRefs {
  ids = new Map<string, Buffer>();
  /** Set when the store lost unflushed data: this backup can no longer commit (`code`: the system's, e.g. ENOSPC). */
  lost: { reason: string; code: string | undefined } | undefined;

  constructor(readonly backupId: number) {}
}

/** The running backups' references, as the durability queue and GC see them (one BackupRefs per running backup). */
export class RunningRefs implements ReferenceHolders {
  private readonly running = new Set<BackupRefs>();

  /** A backup starts: its references are held from now on. */
  open(backupId: number): BackupRefs {
    const refs = new BackupRefs(backupId);
    this.running.add(refs);
    return refs;
  }

  /** A backup ended (committed or failed): the catalog holds what it references, or GC may reclaim it. */
  close(refs: BackupRefs): void {
    this.running.delete(refs);
  }

  pendingRefs(): Array<[number, Buffer]> {
    return [...this.running].flatMap((r) => [...r.ids.values()].map((id): [number, Buffer] => [r.backupId, id]));
  }

  clearPendingRefs(): void {
    for (const r of this.running) r.ids = new Map();
  }

  poisonAll(why: string, code: string | undefined): void {
    for (const r of this.running) {
      r.lost = { reason: why, code };
      r.ids.clear();
    }
  }

  *pendingRefHexes(): Generator<string> {
    for (const r of this.running) yield* r.ids.keys();
  }
}
