import { type BackupWriter } from '@cpsbackup/store';

/** Where a running backup is. */
type BackupPhase = 'starting' | 'sending previous' | 'receiving' | 'committing';

/** A backup in progress, as monitoring sees it. */
export interface RunningBackup {
  client: string;
  number: number;
  startedAt: number;
  phase: BackupPhase;
  writer: BackupWriter;
}

/**
 * What the server is doing now and has done since it started: running
 * backups, connections, outcome counters. The status port reads it; the
 * sessions write it. Nothing here touches the store.
 */
export class Activity {
  readonly startedAt = Date.now();
  readonly running = new Map<string, RunningBackup>();
  connections = 0;
  /** Backups that ended in error since start, by client. */
  readonly failures = new Map<string, number>();
  /** When each client last asked for a backup since start (ms), whatever came of it: refused ones included. */
  readonly attempts = new Map<string, number>();
  /** Backups committed since start, by client. */
  readonly successes = new Map<string, number>();
  /** Last committed backup per client: duration, new and reused bytes. */
  readonly lastRun = new Map<string, { seconds: number; newBytes: number; reusedBytes: number }>();
  /** Told of each committed backup (the metrics' histograms). */
  readonly committedListeners: Array<(client: string, seconds: number, logicalBytes: number, newBytes: number) => void> = [];
  /** GC runs since start, the last one's outcome. */
  gc = { runs: 0, failures: 0, reclaimedBytes: 0, lastSeconds: 0, lastAt: 0 };
  /** Whole-store verifies since start, the last one's outcome. */
  verify = { runs: 0, lastOk: true, lastBadChunks: 0, lastAt: 0 };
  /** Backups being read by a restore or a show, by "client NUL number": how many readers each. */
  private readonly reading = new Map<string, number>();

  /**
   * Marks a backup as being read until the returned function is called:
   * it lists as `restoring`, and neither a delete nor retention removes it
   * (GC would take its chunks from under the restore).
   */
  beginReading(client: string, number: number): () => void {
    const key = `${client}\0${number}`;
    this.reading.set(key, (this.reading.get(key) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.reading.get(key) ?? 1) - 1;
      if (n > 0) this.reading.set(key, n);
      else this.reading.delete(key);
    };
  }

  /** Whether a restore or a show is reading this backup now. */
  isBeingRead(client: string, number: number): boolean {
    return this.reading.has(`${client}\0${number}`);
  }

  begin(client: string, number: number, writer: BackupWriter): RunningBackup {
    const r: RunningBackup = { client, number, startedAt: Date.now(), phase: 'starting', writer };
    this.running.set(client, r);
    return r;
  }

  end(client: string, outcome: 'ok' | 'error', stats?: { newBytes: number; logicalBytes: number }): void {
    const r = this.running.get(client);
    this.running.delete(client);
    const map = outcome === 'ok' ? this.successes : this.failures;
    map.set(client, (map.get(client) ?? 0) + 1);
    if (outcome === 'ok' && r && stats) {
      const seconds = (Date.now() - r.startedAt) / 1000;
      this.lastRun.set(client, { seconds, newBytes: stats.newBytes, reusedBytes: Math.max(0, stats.logicalBytes - stats.newBytes) });
      for (const listener of this.committedListeners) listener(client, seconds, stats.logicalBytes, stats.newBytes);
    }
  }
}
