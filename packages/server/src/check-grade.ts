/**
 * How check_cpsbackup grades one client from the status document: its
 * state, the condition the first line counts it under, its line of detail
 * and its perfdata. Pure (the time is given), so the thresholds' edges can
 * be tested to the millisecond.
 */
import { pluginLineText } from '@cpsbackup/config';
import { ago, backupNumberText } from './human';
import type { ClientStatus } from './status-report';
import { rangeAlerts, rangeText, type ThresholdRange } from './threshold-range';

/** -w and -c as given; absent: the client's expected_interval and twice that. */
export interface Thresholds {
  warning: ThresholdRange | undefined;
  critical: ThresholdRange | undefined;
}

/** How many names the first line lists before "and N more". */
const FIRST_LINE_NAMES = 3;

/** What is wrong with a client, worst first: the first line counts each client under one. */
const CONDITIONS = ['never', 'overdue', 'failed', 'damaged'] as const;
type Condition = (typeof CONDITIONS)[number];

export interface Grade {
  name: string;
  state: number;
  condition: Condition | undefined;
  /** enabled = 0: OK, and counted apart. */
  disabled?: boolean;
  /** "NAME: what is true of it". */
  detail: string;
  perf: string;
}

/** Text that goes on an output line (names and reasons come from nodes): no "|" (it starts perfdata), no line break, no terminal escape. */
const outputText = pluginLineText;

/** A last result's reason; null when the server withholds reasons (status_redact = 1). */
function reasonText(reason: string | null): string {
  return reason ?? '(reason withheld: status_redact)';
}

/** A perfdata label: quoted when it holds more than letters, digits, "_", "." and "-" (a quote doubled; "=" cannot appear at all). */
function perfLabel(label: string): string {
  const clean = pluginLineText(label).replace(/[=|]/g, '_');
  return /^[A-Za-z0-9_.-]+$/.test(clean) ? clean : `'${clean.replace(/'/g, "''")}'`;
}

/** The grade of client `c` at time `now` (ms). */
export function gradeClient(c: ClientStatus, given: Thresholds, now: number): Grade {
  // The server's expected_interval for this client unless -w / -c are given; a default -c is never below the end of a plain -w.
  const interval = c.expectedIntervalSeconds;
  const warn = given.warning ?? { start: 0, end: interval, alertInside: false };
  const warnEnd = given.warning && !given.warning.alertInside && given.warning.end !== Infinity ? given.warning.end : 0;
  const crit = given.critical ?? { start: 0, end: Math.max(warnEnd, 2 * interval), alertInside: false };
  const label = perfLabel(`${c.name}_age`);
  const thresholds = `${rangeText(warn)};${rangeText(crit)};0`;
  // Older servers send neither list.
  const damaged = c.damaged ?? [];
  const problems = c.recordProblems ?? [];
  // The backups that cannot be restored, each with what to do; else what is wrong with the client's records.
  if (c.enabled === false) {
    // enabled = 0: no backup is expected, as the status page and the alert rules say; its age is unknown to perfdata.
    return {
      name: c.name,
      state: 0,
      condition: undefined,
      disabled: true,
      detail: outputText(`${c.name}: disabled (enabled = 0)`),
      perf: `${label}=U;${thresholds}`,
    };
  }
  const damage = [
    ...damaged.map((d) => `, backup ${backupNumberText(d.number)} ${d.status}: ${d.reason}`),
    ...(damaged.length ? [] : problems.map((p) => `, backup records: ${p}`)),
  ].join('');
  if (!c.lastSuccess) {
    return {
      name: c.name,
      state: 2,
      condition: 'never',
      detail: outputText(`${c.name}: no successful backup${damage}${c.lastResult ? ` (last: ${reasonText(c.lastResult.reason)})` : ''}`),
      perf: `${label}=U;${thresholds}`,
    };
  }
  // Graded to the millisecond, as the server's overdue flag is; perfdata shows whole seconds.
  const age = Math.max(0, (now - Date.parse(c.lastSuccess.finishedAt)) / 1000);
  const critical = rangeAlerts(crit, age);
  const warning = rangeAlerts(warn, age);
  // A last attempt that failed, or stored only part of what it should (an include root missing), is a WARNING at least.
  const lastBad = !!c.lastResult && (c.lastResult.status === 'error' || c.lastResult.status === 'partial');
  const state = critical ? 2 : warning || lastBad || damage ? 1 : 0;
  const failed = lastBad ? `, last attempt ${c.lastResult!.status === 'partial' ? 'partial' : 'failed'}: ${reasonText(c.lastResult!.reason)}` : '';
  // A plain range alerts when the age is outside it, an "@" range when inside.
  const [flag, range] = critical ? ['-c', crit] : ['-w', warn];
  const where = `age ${range.alertInside ? 'inside' : 'outside'} ${flag} ${rangeText(range)}`;
  const overdue = !(critical || warning) ? '' : given.warning || given.critical ? `, ${where}` : `, overdue (expected every ${ago(interval)})`;
  return {
    name: c.name,
    state,
    condition: critical || warning ? 'overdue' : lastBad ? 'failed' : damage ? 'damaged' : undefined,
    detail: outputText(`${c.name}: last backup ${backupNumberText(c.lastSuccess.number)} finished ${ago(age)} ago${overdue}${failed}${damage}`),
    perf: `${label}=${Math.round(age)}s;${thresholds}`,
  };
}

/** How many clients each condition holds, in CONDITIONS' order. */
export function conditionCounts(grades: Grade[]): Array<[Condition, number]> {
  return CONDITIONS.map((cond) => [cond, grades.filter((g) => g.condition === cond).length]);
}

/** "3 failed, 2 overdue, 1 never of 51 clients: a, b, c and 3 more" (no names when all is well). */
export function summary(grades: Grade[], storageFull: boolean): string {
  const counts = conditionCounts(grades).filter(([, n]) => n > 0);
  const flagged = grades.filter((g) => g.state > 0).sort((a, b) => b.state - a.state);
  const names = flagged.slice(0, FIRST_LINE_NAMES).map((g) => g.name);
  const more = flagged.length - names.length;
  const storage = storageFull ? 'storage full, new backups refused; ' : '';
  const clients = grades.length === 1 ? '1 client' : `${grades.length} clients`;
  const off = grades.filter((g) => g.disabled).length;
  const disabled = off ? `; ${off} disabled` : '';
  if (!flagged.length) {
    if (off === grades.length) return `${storage}${off === 1 ? 'the 1 client is' : `all ${clients} are`} disabled`;
    const inTime = off ? `${grades.length - off} of ${clients}` : `${grades.length === 1 ? 'the' : 'all'} ${clients}`;
    return `${storage}${inTime} backed up in time${disabled}`;
  }
  const what = counts.map(([cond, n]) => `${n} ${cond}`).join(', ');
  return outputText(`${storage}${what} of ${clients}: ${names.join(', ')}${more > 0 ? ` and ${more} more` : ''}${disabled}`);
}
