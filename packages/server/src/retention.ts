import { type ServerConfig } from '@cpsbackup/config';
import { type BackupInfo, isComplete, type Store } from '@cpsbackup/store';
import type { Logger } from 'pino';
import { type ClientRegistry } from './client-registry';
import { type ClientPolicy, policyFor } from './policy';

/** The part of a backup retention looks at. */
export interface RetentionCandidate {
  id: number;
  number: number;
  /** When it finished (ms since the epoch). */
  time: number;
}

function dayKey(d: Date): string {
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** ISO-8601 week (weeks start on Monday), as year-week. */
function weekKey(d: Date): string {
  const t = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  return `${t.getUTCFullYear()}-W${Math.ceil(((t.getTime() - yearStart) / 86400000 + 1) / 7)}`;
}

function monthKey(d: Date): string {
  return `${d.getFullYear()}-${d.getMonth()}`;
}

/**
 * Which available backups a policy keeps (ids). The union of:
 * - Burp's multi-level `keep`: `keep = 7` keeps the last 7 backups;
 *   `keep = 7, keep = 4` also keeps every 7th backup (by number) among the
 *   last 28; a third level `keep = 6` every 28th among the last 168; and so on;
 * - `keep_daily/weekly/monthly = N`: the newest backup of each of the last N
 *   calendar days / ISO weeks / months that have a backup.
 * The newest backup is always kept.
 */
export function backupsToKeep(
  backups: readonly RetentionCandidate[],
  policy: Pick<ClientPolicy, 'keep' | 'keepDaily' | 'keepWeekly' | 'keepMonthly'>,
): Set<number> {
  const sorted = [...backups].sort((a, b) => b.number - a.number);
  const keep = new Set<number>();
  if (sorted.length === 0) return keep;
  keep.add(sorted[0]!.id);
  const newest = sorted[0]!.number;
  let interval = 1;
  policy.keep.forEach((count, level) => {
    const span = interval * count;
    for (const b of sorted) {
      if (level === 0 ? sorted.indexOf(b) < count : newest - b.number < span && b.number % interval === 0) keep.add(b.id);
    }
    interval = span;
  });
  const byCalendar = (n: number, key: (d: Date) => string) => {
    const seen = new Set<string>();
    for (const b of sorted) {
      if (seen.size >= n) break;
      const k = key(new Date(b.time));
      if (seen.has(k)) continue;
      seen.add(k);
      keep.add(b.id);
    }
  };
  byCalendar(policy.keepDaily, dayKey);
  byCalendar(policy.keepWeekly, weekKey);
  byCalendar(policy.keepMonthly, monthKey);
  return keep;
}

/**
 * Applies the policy to one client after a successful backup (or on
 * demand). The policy counts complete backups only (see isComplete), so
 * backups that failed or are partial (an include root missing) can never
 * push out the last good one: it deletes complete backups the policy does
 * not keep, and failed or partial backups older than the newest complete
 * one (superseded; newer ones stay so the operator sees them, and a partial
 * one still holds what it could read). A backup its record does not vouch
 * for (Store.untrustedReason) is neither counted nor deleted: it waits for
 * --repair-catalog, which may bring it back (a delete would remove its sound
 * record), and cannot push out a backup that can be restored. Returns the
 * deleted numbers. `log` names the client already (a child bound to it):
 * its lines add no `client` key, which would be a duplicate.
 */
export async function applyRetention(
  store: Store,
  client: string,
  policy: ClientPolicy,
  log: Logger,
  beingRead: (number: number) => boolean = () => false,
): Promise<number[]> {
  const all: BackupInfo[] = trustedBackups(store, client);
  const complete = all.filter(isComplete);
  const keep = backupsToKeep(
    complete.map((b) => ({ id: b.id, number: b.number, time: b.finishedAt ?? b.startedAt })),
    policy,
  );
  const newest = complete.reduce((n, b) => Math.max(n, b.number), 0);
  const superseded = (b: BackupInfo) => (b.status === 'error' || (b.status === 'available' && !isComplete(b))) && b.number < newest;
  // A backup a restore is reading stays until the next pass: its chunks must outlive the restore.
  const doomed = all.filter((b) => ((isComplete(b) && !keep.has(b.id)) || superseded(b)) && !beingRead(b.number));
  for (const b of doomed) await store.deleteBackup(b.id);
  if (doomed.length) log.info({ deleted: doomed.map((b) => b.number), kept: keep.size }, 'retention applied');
  return [...doomed.map((b) => b.number), ...(await pruneFailed(store, client, log, beingRead))];
}

/** A client's backups but those its records do not vouch for (left for --repair-catalog, see applyRetention). */
function trustedBackups(store: Store, client: string): BackupInfo[] {
  return store.listBackups(client).filter((b) => store.untrustedReason(b) === undefined);
}

/** Failed backups kept per client, newest first: enough to diagnose, and a node that keeps failing cannot pile up records. */
const MAX_FAILED_KEPT = 10;

/** Deletes a client's failed (and partial) backups beyond the newest MAX_FAILED_KEPT of each; returns their numbers. */
export async function pruneFailed(store: Store, client: string, log: Logger, beingRead: (number: number) => boolean = () => false): Promise<number[]> {
  const all = trustedBackups(store, client);
  const failed = all.filter((b) => b.status === 'error');
  const partial = all.filter((b) => b.status === 'available' && !isComplete(b) && !beingRead(b.number));
  return [...(await pruneOldest(store, failed, log)), ...(await pruneOldest(store, partial, log))];
}

async function pruneOldest(store: Store, failed: BackupInfo[], log: Logger): Promise<number[]> {
  const doomed = failed.slice(0, Math.max(0, failed.length - MAX_FAILED_KEPT));
  for (const b of doomed) await store.deleteBackup(b.id);
  if (doomed.length) log.info({ deleted: doomed.map((b) => b.number) }, 'old failed backups deleted');
  return doomed.map((b) => b.number);
}

/**
 * Every client's retention at once (SIGUSR2, `cpsbackupd prune`): each
 * client file read with its policy; a client `busy` says is skipped, and a
 * backup `beingRead` is kept, as in applyRetention. Returns how many went.
 */
export async function applyRetentionToAll(
  store: Store,
  clients: ClientRegistry,
  server: ServerConfig,
  log: Logger,
  busy: (client: string) => boolean = () => false,
  beingRead: (client: string, number: number) => boolean = () => false,
): Promise<number> {
  let deleted = 0;
  for (const name of clients.names()) {
    const found = clients.lookup(name);
    if (!found.ok || busy(name)) continue;
    deleted += (await applyRetention(store, name, policyFor(server, found.config), log.child({ client: name }), (n) => beingRead(name, n))).length;
  }
  return deleted;
}
