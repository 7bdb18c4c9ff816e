import { type ServerConfig } from '@cpsbackup/config';
import { type BackupDamage, isComplete, type Store, type StoreStats } from '@cpsbackup/store';
import { type Activity } from './activity';
import { type ClientRegistry } from './client-registry';
import { clientEnabled, labelsOf, policyFor } from './policy';

/** One client as the status port reports it. */
export interface ClientStatus {
  name: string;
  /** Burp's label lines of its client file (else server.conf's), for whoever reads this JSON. */
  labels: string[];
  /** false: its file (or server.conf) says enabled = 0, and every request of it is refused. */
  enabled: boolean;
  /** The newest complete backup that can be restored (none of `damaged`); null: there is none. */
  lastSuccess: { number: number; finishedAt: string; seconds: number; files: number; bytes: number; newBytes: number } | null;
  /** The last finished backup: status 'available', 'partial' (stored, but something it should hold is missing) or 'error'. */
  lastResult: { number: number; status: string; reason: string | null; at: string } | null;
  /** When the client last asked for a backup, whatever came of it (one refused before it began included, since cpsbackupd started); null: never. */
  lastAttemptAt: string | null;
  running: { number: number; phase: string; startedAt: string; files: number; bytes: number; newBytes: number; bytesPerSecond: number } | null;
  backups: number;
  storedBytes: number;
  expectedIntervalSeconds: number;
  overdue: boolean;
  failuresSinceStart: number;
  /**
   * Available backups that cannot be restored now, oldest first: 'untrusted'
   * (the records do not vouch for the catalog's row: --repair-catalog) or
   * 'damaged' (the file list cannot be read); the reason says what to do.
   */
  damaged: BackupDamage[];
  /** What is wrong with this client's backup records (each says what to do); empty when they are sound. */
  recordProblems: string[];
  /** The last HISTORY_BACKUPS backups, oldest first: for the status page's charts (a damaged one with its status). */
  history: Array<{ number: number; status: string; at: string; seconds: number; bytes: number; newBytes: number }>;
}

/** How many recent backups each client's history holds. */
const HISTORY_BACKUPS = 14;

/** The store short of space (its reserve spent): backups refused until space is freed; null while there is room. */
interface LowSpaceStatus {
  since: string;
  /** Free bytes on the store directory's filesystem. */
  freeBytes: number;
  /** Free bytes needed to take backups again. */
  neededBytes: number;
}

/** The whole /status document. */
export interface StatusReport {
  server: { version: string; uptimeSeconds: number; connections: number };
  store: StoreStats;
  lowSpace: LowSpaceStatus | null;
  clients: ClientStatus[];
}

/**
 * Builds the status document from the catalog and the live activity.
 * Cheap catalog reads only; results are cached briefly so frequent polling
 * never competes with backups for the store's thread.
 */
export class StatusReporter {
  private cached: { at: number; report: StatusReport } | undefined;

  constructor(
    private readonly store: Store,
    private readonly activity: Activity,
    private readonly clients: ClientRegistry,
    private readonly config: ServerConfig,
    private readonly version: string,
    private readonly cacheMs = 1000,
  ) {}

  /** The report being built: a scrape asks for it once per metric, and all of them share one build. */
  private building: Promise<StatusReport> | undefined;

  report(now: number = Date.now()): Promise<StatusReport> {
    if (this.cached && now - this.cached.at < this.cacheMs) return Promise.resolve(this.cached.report);
    this.building ??= this.build(now).finally(() => (this.building = undefined));
    return this.building;
  }

  private async build(now: number): Promise<StatusReport> {
    const names = new Set<string>([...this.clients.names(), ...this.store.listBackups().map((b) => b.client)]);
    const clients: ClientStatus[] = [];
    for (const name of [...names].sort()) clients.push(await this.client(name, now));
    const low = this.store.checkSpace(); // space an operator freed by hand is seen here too
    const report: StatusReport = {
      server: { version: this.version, uptimeSeconds: Math.round((now - this.activity.startedAt) / 1000), connections: this.activity.connections },
      store: await this.store.stats(),
      lowSpace: low ? { since: new Date(low.since).toISOString(), freeBytes: low.freeBytes, neededBytes: low.neededBytes } : null,
      clients,
    };
    this.cached = { at: now, report };
    return report;
  }

  private async client(name: string, now: number): Promise<ClientStatus> {
    const usage = await this.store.clientUsage(name);
    const damaged = new Map(usage.damaged.map((d) => [d.number, d]));
    const backups = this.store.listBackups(name);
    const available = backups.filter((b) => b.status === 'available');
    // A partial backup (an include root missing) is never the last success, nor one that cannot be restored.
    const complete = available.filter((b) => isComplete(b) && !damaged.has(b.number));
    const last = complete[complete.length - 1];
    const finished = backups.filter((b) => b.status === 'available' || b.status === 'error');
    const lastResult = finished[finished.length - 1];
    const found = this.clients.lookup(name);
    const interval = found.ok ? policyFor(this.config, found.config).expectedInterval : this.config.expected_interval;
    const run = this.activity.running.get(name);
    const lastAttempt = Math.max(backups[backups.length - 1]?.startedAt ?? 0, this.activity.attempts.get(name) ?? 0);
    return {
      name,
      labels: found.ok ? labelsOf(this.config, found.config) : this.config.label,
      enabled: found.ok ? clientEnabled(this.config, found.config) : this.config.enabled,
      lastSuccess: last
        ? {
            number: last.number,
            finishedAt: new Date(last.finishedAt ?? last.startedAt).toISOString(),
            seconds: ((last.finishedAt ?? last.startedAt) - last.startedAt) / 1000,
            files: last.fileCount,
            bytes: last.logicalBytes,
            newBytes: last.newRawBytes,
          }
        : null,
      lastResult: lastResult
        ? {
            number: lastResult.number,
            status: isComplete(lastResult) || lastResult.status !== 'available' ? lastResult.status : 'partial',
            reason: this.config.status_redact ? null : (lastResult.reason ?? lastResult.partial),
            at: new Date(lastResult.finishedAt ?? lastResult.startedAt).toISOString(),
          }
        : null,
      lastAttemptAt: lastAttempt ? new Date(lastAttempt).toISOString() : null,
      running: run
        ? {
            number: run.number,
            phase: run.phase,
            startedAt: new Date(run.startedAt).toISOString(),
            files: run.writer.progress.fileCount,
            bytes: run.writer.progress.logicalBytes,
            newBytes: run.writer.progress.newRawBytes,
            bytesPerSecond: Math.round(run.writer.progress.newRawBytes / Math.max(0.001, (now - run.startedAt) / 1000)),
          }
        : null,
      backups: available.length,
      storedBytes: usage.storedBytes,
      expectedIntervalSeconds: interval,
      overdue: !last || now - (last.finishedAt ?? last.startedAt) > interval * 1000,
      failuresSinceStart: this.activity.failures.get(name) ?? 0,
      damaged: usage.damaged,
      recordProblems: this.store.recordProblems(name).map((p) => p.message),
      history: backups.slice(-HISTORY_BACKUPS).map((b) => ({
        number: b.number,
        status: (b.status === 'available' && damaged.get(b.number)?.status) || (isComplete(b) || b.status !== 'available' ? b.status : 'partial'),
        at: new Date(b.startedAt).toISOString(),
        seconds: ((b.finishedAt ?? b.startedAt) - b.startedAt) / 1000,
        bytes: b.logicalBytes,
        newBytes: b.newRawBytes,
      })),
    };
  }
}
