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
 * Which available backups a policy keeps (ids), each with the rules that
 * keep it. The union of:
 * - Burp's multi-level `keep`: `keep = 7` keeps the last 7 backups;
 *   `keep = 7, keep = 4` also keeps every 7th backup (by number) among the
 *   last 28; a third level `keep = 6` every 28th among the last 168; and so on;
 * - `keep_daily/weekly/monthly = N`: the newest backup of each of the last N
 *   calendar days / ISO weeks / months that have a backup.
 * The newest backup is always kept.
 */
export function keepReasons(
  backups: readonly RetentionCandidate[],
  policy: Pick<ClientPolicy, 'keep' | 'keepDaily' | 'keepWeekly' | 'keepMonthly'>,
): Map<number, string[]> {
  const sorted = [...backups].sort((a, b) => b.number - a.number);
  const keep = new Map<number, string[]>();
  const add = (id: number, why: string) => {
    const reasons = keep.get(id);
    if (reasons) reasons.push(why);
    else keep.set(id, [why]);
  };
  if (sorted.length === 0) return keep;
  add(sorted[0]!.id, 'the newest');
  const newest = sorted[0]!.number;
  let interval = 1;
  policy.keep.forEach((count, level) => {
    const span = interval * count;
    const why = level === 0 ? `keep = ${count} (the last ${count})` : `keep level ${level + 1} = ${count} (every ${interval}th of the last ${span})`;
    for (const b of sorted) {
      if (level === 0 ? sorted.indexOf(b) < count : newest - b.number < span && b.number % interval === 0) add(b.id, why);
    }
    interval = span;
  });
  const byCalendar = (n: number, key: (d: Date) => string, rule: string) => {
    const seen = new Set<string>();
    for (const b of sorted) {
      if (seen.size >= n) break;
      const k = key(new Date(b.time));
      if (seen.has(k)) continue;
      seen.add(k);
      add(b.id, `${rule} = ${n}`);
    }
  };
  byCalendar(policy.keepDaily, dayKey, 'keep_daily');
  byCalendar(policy.keepWeekly, weekKey, 'keep_weekly');
  byCalendar(policy.keepMonthly, monthKey, 'keep_monthly');
  return keep;
}

/** Which available backups a policy keeps (ids): see keepReasons. */
export function backupsToKeep(
  backups: readonly RetentionCandidate[],
  policy: Pick<ClientPolicy, 'keep' | 'keepDaily' | 'keepWeekly' | 'keepMonthly'>,
): Set<number> {
  return new Set(keepReasons(backups, policy).keys());
}

/** One backup in a retention plan: its number and why it goes or stays. */
interface PlannedBackup {
  number: number;
  status: string;
  reasons: string[];
}

/** What applyRetention does to one client: the backups it deletes (in that order) and those it keeps, each with why. */
export interface RetentionPlan {
  client: string;
  delete: PlannedBackup[];
  keep: PlannedBackup[];
}

/** A backup as a plan lists it: "partial" for an available one lacking part of what was asked. */
function planned(b: BackupInfo, reasons: string[]): PlannedBackup {
  return { number: b.number, status: b.status === 'available' && !isComplete(b) ? 'partial' : b.status, reasons };
}

/**
 * What retention does to one client now, without doing it (see
 * applyRetention, which carries the plan out, and `cpsbackupd prune
 * --dry-run`). The policy counts complete backups only (see isComplete), so
 * backups that failed or are partial (an include root missing) can never
 * push out the last good one: it deletes complete backups the policy does
 * not keep, and failed or partial backups older than the newest complete
 * one (superseded; newer ones stay so the operator sees them, and a partial
 * one still holds what it could read); then failed and partial backups
 * beyond the newest MAX_FAILED_KEPT of each (see pruneFailed). A backup its
 * record does not vouch for (Store.untrustedReason) is neither counted nor
 * deleted: it waits for --repair-catalog, which may bring it back (a delete
 * would remove its sound record), and cannot push out a backup that can be
 * restored.
 */
export function planRetention(store: Store, client: string, policy: ClientPolicy, beingRead: (number: number) => boolean = () => false): RetentionPlan {
  const all: BackupInfo[] = trustedBackups(store, client);
  const complete = all.filter(isComplete);
  const kept = keepReasons(
    complete.map((b) => ({ id: b.id, number: b.number, time: b.finishedAt ?? b.startedAt })),
    policy,
  );
  const newest = complete.reduce((n, b) => Math.max(n, b.number), 0);
  const superseded = (b: BackupInfo) => (b.status === 'error' || (b.status === 'available' && !isComplete(b))) && b.number < newest;
  const reading = 'being restored or read now: kept until the next pass';
  const plan: RetentionPlan = { client, delete: [], keep: [] };
  const left: BackupInfo[] = [];
  for (const b of all) {
    const keptBy = isComplete(b) ? kept.get(b.id) : undefined;
    // A backup a restore is reading stays until the next pass: its chunks must outlive the restore.
    if (keptBy) plan.keep.push(planned(b, keptBy));
    else if ((isComplete(b) || superseded(b)) && beingRead(b.number)) plan.keep.push(planned(b, [reading]));
    else if (isComplete(b)) plan.delete.push(planned(b, [`kept by no rule of ${policyText(policy)}`]));
    else if (superseded(b)) plan.delete.push(planned(b, [`${b.status === 'error' ? 'failed' : 'partial'}, older than the newest complete backup ${newest}`]));
    else left.push(b);
  }
  // What pruneFailed then finds: failed and partial backups beyond the newest MAX_FAILED_KEPT of each.
  const beyond = (list: BackupInfo[], what: string) => {
    const cut = Math.max(0, list.length - MAX_FAILED_KEPT);
    list.forEach((b, i) =>
      (i < cut ? plan.delete : plan.keep).push(
        planned(b, [i < cut ? `${what}, beyond the newest ${MAX_FAILED_KEPT} ${what} backups kept` : `${what}, newer than the newest complete backup`]),
      ),
    );
  };
  beyond(
    left.filter((b) => b.status === 'error'),
    'failed',
  );
  const partial = left.filter((b) => b.status === 'available' && !isComplete(b));
  beyond(
    partial.filter((b) => !beingRead(b.number)),
    'partial',
  );
  for (const b of partial.filter((p) => beingRead(p.number))) plan.keep.push(planned(b, [reading]));
  // A backup being made stays; one being deleted is already going (GC reclaims it), so it is in neither list.
  for (const b of left.filter((x) => x.status === 'creating')) plan.keep.push(planned(b, ['being made now']));
  plan.keep.sort((a, b) => a.number - b.number);
  return plan;
}

/** A policy's keep rules as server.conf and client files write them. */
function policyText(policy: Pick<ClientPolicy, 'keep' | 'keepDaily' | 'keepWeekly' | 'keepMonthly'>): string {
  const rules = policy.keep.map((n) => `keep = ${n}`);
  if (policy.keepDaily) rules.push(`keep_daily = ${policy.keepDaily}`);
  if (policy.keepWeekly) rules.push(`keep_weekly = ${policy.keepWeekly}`);
  if (policy.keepMonthly) rules.push(`keep_monthly = ${policy.keepMonthly}`);
  return rules.length ? rules.join(', ') : 'no keep rule (the newest only)';
}

/**
 * Applies the policy to one client after a successful backup (or on demand): carries out planRetention's plan.
 * Returns the deleted numbers. `log` names the client already (a child bound to it): its lines add no `client`
 * key, which would be a duplicate.
 */
export async function applyRetention(
  store: Store,
  client: string,
  policy: ClientPolicy,
  log: Logger,
  beingRead: (number: number) => boolean = () => false,
): Promise<number[]> {
  const plan = planRetention(store, client, policy, beingRead);
  const byNumber = new Map(trustedBackups(store, client).map((b) => [b.number, b]));
  const deleted: number[] = [];
  for (const p of plan.delete) {
    const b = byNumber.get(p.number);
    if (!b) continue;
    await store.deleteBackup(b.id);
    deleted.push(p.number);
  }
  if (deleted.length) log.info({ deleted, kept: plan.keep.length }, 'retention applied');
  return deleted;
}

/** A client's backups but those its records do not vouch for (left for --repair-catalog, see planRetention). */
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

/**
 * Every client's retention plan (`cpsbackupd prune --dry-run`): what
 * applyRetentionToAll would delete now, deleting nothing; a client `busy`
 * says is listed with no plan (the real pass skips it too).
 */
export function planRetentionForAll(
  store: Store,
  clients: ClientRegistry,
  server: ServerConfig,
  busy: (client: string) => boolean = () => false,
  beingRead: (client: string, number: number) => boolean = () => false,
): Array<RetentionPlan & { busy?: true }> {
  const plans: Array<RetentionPlan & { busy?: true }> = [];
  for (const name of clients.names()) {
    const found = clients.lookup(name);
    if (!found.ok) continue;
    if (busy(name)) plans.push({ client: name, delete: [], keep: [], busy: true });
    else plans.push(planRetention(store, name, policyFor(server, found.config), (n) => beingRead(name, n)));
  }
  return plans;
}
