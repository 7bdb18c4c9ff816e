import { Gauge, Registry } from 'prom-client';
import { type Activity } from './activity';
import { type StatusReporter } from './status-report';

/**
 * Prometheus metrics, computed at scrape time from the status report (one
 * snapshot per scrape, so all series agree with each other).
 */
export function createMetrics(reporter: StatusReporter, activity: Activity): Registry {
  const registry = new Registry();
  const perClient = (name: string, help: string, value: (c: ReturnType<StatusReporter['report']>['clients'][number]) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['client'],
      registers: [registry],
      collect() {
        this.reset();
        for (const c of reporter.report().clients) {
          const v = value(c);
          if (v !== undefined) this.set({ client: c.name }, v);
        }
      },
    });
  const global = (name: string, help: string, value: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value());
      },
    });

  global('cpsbackup_uptime_seconds', 'Seconds since cpsbackupd started', () => reporter.report().server.uptimeSeconds);
  global('cpsbackup_open_connections', 'Agent connections open now', () => activity.connections);
  global('cpsbackup_store_stored_bytes', 'Bytes of all pack files', () => reporter.report().store.storedBytes);
  global('cpsbackup_store_logical_bytes', 'Bytes of all files in all available backups', () => reporter.report().store.logicalBytes);
  global('cpsbackup_store_unique_bytes', 'Plaintext bytes of all unique chunks', () => reporter.report().store.uniqueBytes);
  global('cpsbackup_store_chunks', 'Unique chunks stored', () => reporter.report().store.chunks);
  global('cpsbackup_store_dedup_ratio', 'Logical bytes / unique bytes', () => reporter.report().store.dedupRatio);
  global('cpsbackup_store_compression_ratio', 'Unique bytes / stored chunk bytes', () => reporter.report().store.compressionRatio);

  perClient('cpsbackup_client_last_success_timestamp_seconds', 'When the last successful backup finished', (c) =>
    c.lastSuccess ? Date.parse(c.lastSuccess.finishedAt) / 1000 : undefined,
  );
  perClient('cpsbackup_client_last_success_duration_seconds', 'How long the last successful backup took', (c) => c.lastSuccess?.seconds);
  perClient('cpsbackup_client_last_success_new_bytes', 'Bytes the last successful backup stored anew', (c) => c.lastSuccess?.newBytes);
  perClient('cpsbackup_client_last_success_reused_bytes', 'Bytes the last successful backup reused from earlier ones', (c) =>
    c.lastSuccess ? Math.max(0, c.lastSuccess.bytes - c.lastSuccess.newBytes) : undefined,
  );
  perClient('cpsbackup_client_backups', 'Available backups', (c) => c.backups);
  perClient('cpsbackup_client_stored_bytes', 'Stored bytes referenced by the client', (c) => c.storedBytes);
  perClient('cpsbackup_client_overdue', '1 when the last success is older than expected_interval', (c) => (c.overdue ? 1 : 0));
  perClient('cpsbackup_client_running', '1 while a backup of the client runs', (c) => (c.running ? 1 : 0));
  perClient('cpsbackup_client_failures', 'Backups that ended in error since cpsbackupd started', (c) => c.failuresSinceStart);
  perClient('cpsbackup_client_last_result_ok', '1 when the last finished backup succeeded', (c) =>
    c.lastResult ? (c.lastResult.status === 'available' ? 1 : 0) : undefined,
  );
  return registry;
}
