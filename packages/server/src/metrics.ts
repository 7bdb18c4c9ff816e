import { type StorageWait } from '@cpsbackup/store';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type Activity } from './activity';
import { type StatusReporter } from './status-report';

/** Upper bounds of the backup histograms' buckets. */
const DURATION_BUCKETS = [1, 5, 15, 60, 300, 900, 3600, 3 * 3600, 12 * 3600];
const BYTES_BUCKETS = [1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];

/**
 * prom-client's default gauges named `_total` (a suffix only counters may
 * have: `promtool check metrics` rejects them). Each is the sum of its
 * by-type gauge, which stays: sum(nodejs_active_handles) and so on.
 */
const MISNAMED_DEFAULT_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * Prometheus metrics, computed at scrape time from the status report (one
 * snapshot per scrape, so all series agree with each other), plus
 * histograms of committed backups, GC and verify, cpsbackup_build_info and
 * node's default process metrics. Counters (`_total`) count since
 * cpsbackupd started, as Prometheus expects of counters.
 */
export function createMetrics(reporter: StatusReporter, activity: Activity, version: string, storage: { storageWait(): StorageWait | undefined }): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
  new Gauge({
    name: 'cpsbackup_build_info',
    help: 'Always 1: the labels say which cpsbackupd runs',
    labelNames: ['version', 'nodejs'],
    registers: [registry],
  }).set({ version, nodejs: process.version }, 1);
  const perClientCount = (name: string, help: string, value: (client: string) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['client'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const c of (await reporter.report()).clients) this.inc({ client: c.name }, value(c.name));
      },
    });
  const counter = (name: string, help: string, value: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(value());
      },
    });
  const duration = new Histogram({
    name: 'cpsbackup_backup_duration_seconds',
    help: 'Wall time of committed backups',
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const logical = new Histogram({
    name: 'cpsbackup_backup_bytes',
    help: 'Bytes of the files in each committed backup',
    buckets: BYTES_BUCKETS,
    registers: [registry],
  });
  const fresh = new Histogram({
    name: 'cpsbackup_backup_new_bytes',
    help: 'Bytes each committed backup stored anew',
    buckets: BYTES_BUCKETS,
    registers: [registry],
  });
  activity.committedListeners.push((_client, seconds, bytes, newBytes) => {
    duration.observe(seconds);
    logical.observe(bytes);
    fresh.observe(newBytes);
  });
  const perClient = (name: string, help: string, value: (c: Awaited<ReturnType<StatusReporter['report']>>['clients'][number]) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['client'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const c of (await reporter.report()).clients) {
          const v = value(c);
          if (v !== undefined) this.set({ client: c.name }, v);
        }
      },
    });
  const global = (name: string, help: string, value: () => number | Promise<number>) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(await value());
      },
    });
  // A gauge without labels reads 0 until set: this one's series is removed while it would mean nothing.
  const globalOnceKnown = (name: string, help: string, value: () => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const v = value();
        if (v === undefined) this.remove({});
        else this.set(v);
      },
    });

  global('cpsbackup_uptime_seconds', 'Seconds since cpsbackupd started', async () => (await reporter.report()).server.uptimeSeconds);
  global('cpsbackup_open_connections', 'Agent connections open now', () => activity.connections);
  global('cpsbackup_store_stored_bytes', 'Bytes of all pack files', async () => (await reporter.report()).store.storedBytes);
  global('cpsbackup_store_logical_bytes', 'Bytes of all files in all available backups', async () => (await reporter.report()).store.logicalBytes);
  global('cpsbackup_store_unique_bytes', 'Plaintext bytes of all unique chunks', async () => (await reporter.report()).store.uniqueBytes);
  global('cpsbackup_store_chunks', 'Unique chunks stored', async () => (await reporter.report()).store.chunks);
  global('cpsbackup_store_dedup_ratio', 'Logical bytes / unique bytes', async () => (await reporter.report()).store.dedupRatio);
  global(
    'cpsbackup_store_low_space',
    '1 while the store is short of space (its reserve spent): it lists, restores, deletes and collects garbage, and refuses new backups',
    async () => ((await reporter.report()).lowSpace ? 1 : 0),
  );
  global(
    'cpsbackup_store_record_problems',
    'Backup records that fail their check or disagree with the catalog (store.recordProblems in /status says what to do): 0 when sound',
    async () => (await reporter.report()).store.recordProblems.length,
  );
  global(
    'cpsbackup_storage_wait_seconds',
    'How long the request to the storage waiting longest has waited (an object store failing or not answering; retried for s3_retry_time): 0 when none waits',
    () => {
      const wait = storage.storageWait();
      return wait ? Math.max(0, (Date.now() - wait.since) / 1000) : 0;
    },
  );
  global('cpsbackup_store_compression_ratio', 'Unique bytes / stored chunk bytes', async () => (await reporter.report()).store.compressionRatio);

  perClient('cpsbackup_client_last_success_timestamp_seconds', 'When the last successful backup finished', (c) =>
    c.lastSuccess ? Date.parse(c.lastSuccess.finishedAt) / 1000 : undefined,
  );
  perClient('cpsbackup_client_last_success_duration_seconds', 'How long the last successful backup took', (c) => c.lastSuccess?.seconds);
  perClient('cpsbackup_client_last_success_new_bytes', 'Bytes the last successful backup stored anew', (c) => c.lastSuccess?.newBytes);
  perClient('cpsbackup_client_last_success_reused_bytes', 'Bytes the last successful backup reused from earlier ones', (c) =>
    c.lastSuccess ? Math.max(0, c.lastSuccess.bytes - c.lastSuccess.newBytes) : undefined,
  );
  perClient(
    'cpsbackup_client_never_succeeded',
    '1 while the client has no backup that can be restored (never succeeded, or none left sound); every configured client has it',
    (c) => (c.lastSuccess ? 0 : 1),
  );
  perClient('cpsbackup_client_last_attempt_timestamp_seconds', 'When the client last asked for a backup, whatever came of it (0: never)', (c) =>
    c.lastAttemptAt ? Date.parse(c.lastAttemptAt) / 1000 : 0,
  );
  perClient('cpsbackup_client_enabled', '0 when its client file (or server.conf) says enabled = 0: every request refused, its alerts moot', (c) =>
    c.enabled ? 1 : 0,
  );
  perClient('cpsbackup_client_expected_interval_seconds', 'expected_interval: a last success older than this is overdue', (c) => c.expectedIntervalSeconds);
  perClient('cpsbackup_client_backups', 'Available backups', (c) => c.backups);
  perClient(
    'cpsbackup_client_damaged_backups',
    'Available backups that cannot be restored now: untrusted or with a file list that cannot be read (/status says why and what to do)',
    (c) => c.damaged.length,
  );
  perClient('cpsbackup_client_stored_bytes', 'Stored bytes referenced by the client', (c) => c.storedBytes);
  perClient('cpsbackup_client_overdue', '1 when the last success is older than expected_interval', (c) => (c.overdue ? 1 : 0));
  perClient('cpsbackup_client_running', '1 while a backup of the client runs', (c) => (c.running ? 1 : 0));
  perClientCount('cpsbackup_client_backups_failed_total', 'Backups that ended in error or partial', (c) => activity.failures.get(c) ?? 0);
  perClientCount('cpsbackup_client_backups_succeeded_total', 'Backups committed complete', (c) => activity.successes.get(c) ?? 0);
  counter('cpsbackup_gc_runs_total', 'Garbage collections completed', () => activity.gc.runs);
  counter('cpsbackup_gc_failures_total', 'Garbage collections that failed (logged)', () => activity.gc.failures);
  counter('cpsbackup_gc_reclaimed_bytes_total', 'Pack bytes garbage collection gave back', () => activity.gc.reclaimedBytes);
  global('cpsbackup_gc_last_duration_seconds', 'How long the last garbage collection took', () => activity.gc.lastSeconds);
  global('cpsbackup_gc_last_timestamp_seconds', 'When the last garbage collection finished (0: none yet)', () => activity.gc.lastAt / 1000);
  counter('cpsbackup_verify_runs_total', 'Verifies of the whole store completed (SIGUSR1)', () => activity.verify.runs);
  globalOnceKnown('cpsbackup_verify_last_ok', '1 when the last verify found the store sound, 0 when it found damage (absent before any)', () =>
    activity.verify.runs ? (activity.verify.lastOk ? 1 : 0) : undefined,
  );
  globalOnceKnown('cpsbackup_verify_last_bad_chunks', 'Damaged chunks the last verify found (absent before any)', () =>
    activity.verify.runs ? activity.verify.lastBadChunks : undefined,
  );
  global('cpsbackup_verify_last_timestamp_seconds', 'When the last verify finished (0: none yet)', () => activity.verify.lastAt / 1000);
  perClient('cpsbackup_client_last_result_ok', '1 when the last finished backup succeeded', (c) =>
    c.lastResult ? (c.lastResult.status === 'available' ? 1 : 0) : undefined,
  );
  return registry;
}
