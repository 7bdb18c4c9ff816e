#!/usr/bin/env node
/**
 * check_cpsbackup: a Nagios/Icinga plugin. Reads cpsbackupd's status port
 * and grades the age of each client's last successful backup:
 * 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (status port unreachable, no such client).
 * Without --warning / --critical it agrees with the server: WARNING once
 * the client is overdue (its expected_interval), CRITICAL at twice that.
 * A store short of space (the server takes no new backup) is CRITICAL
 * whatever the clients' ages: every next backup will fail. A client with a
 * backup that cannot be restored (untrusted, or its file list unreadable)
 * or with backup records in question is a WARNING at least, with what to do.
 *
 *   check_cpsbackup [--url http://127.0.0.1:4201] [--client NAME] [--warning 26h] [--critical 50h] [--token T]
 */
import { parseArgs } from 'node:util';
import { bytesText, parseDuration } from '@cpsbackup/config';
import { exitWhenWritten } from '@cpsbackup/log/exit';
import { ago, backupNumberText } from './human';
import type { StatusReport } from './status-report';

const STATES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

/** A refused answer's body as ": first line", or nothing. */
async function bodyLine(res: Response): Promise<string> {
  const line = (await res.text().catch(() => '')).split('\n')[0]!.trim().slice(0, 200);
  return line ? `: ${line}` : '';
}

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseArgs({
      options: {
        url: { type: 'string', default: 'http://127.0.0.1:4201' },
        client: { type: 'string' },
        warning: { type: 'string' },
        critical: { type: 'string' },
        token: { type: 'string', default: process.env.CPSBACKUP_STATUS_TOKEN ?? '' },
      },
    }).values;
  } catch (err) {
    process.stdout.write(`CPSBACKUP UNKNOWN - ${(err as Error).message}\n`);
    return 3;
  }
  let warnGiven: number | undefined;
  let critGiven: number | undefined;
  try {
    warnGiven = opts.warning === undefined ? undefined : parseDuration(opts.warning);
    critGiven = opts.critical === undefined ? undefined : parseDuration(opts.critical);
  } catch (err) {
    process.stdout.write(`CPSBACKUP UNKNOWN - ${(err as Error).message}\n`);
    return 3;
  }
  let report: StatusReport;
  let res: Response;
  try {
    res = await fetch(`${opts.url}/status`, {
      signal: AbortSignal.timeout(10_000),
      headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
    });
  } catch (err) {
    process.stdout.write(`CPSBACKUP UNKNOWN - status port ${opts.url} unreachable: ${(err as Error).message}\n`);
    return 3;
  }
  if (!res.ok) {
    // The body says why (a 500 points at the daemon's log), on one line.
    process.stdout.write(`CPSBACKUP UNKNOWN - status port ${opts.url} answered HTTP ${res.status}${await bodyLine(res)}\n`);
    return 3;
  }
  try {
    report = (await res.json()) as StatusReport;
  } catch (err) {
    process.stdout.write(`CPSBACKUP UNKNOWN - status port ${opts.url} answered something other than its status document: ${(err as Error).message}\n`);
    return 3;
  }
  const storage = report.lowSpace
    ? `storage full since ${report.lowSpace.since} (${bytesText(report.lowSpace.freeBytes)} free, ${bytesText(report.lowSpace.neededBytes)} needed): ` +
      'new backups are refused until space is freed; delete old backups (cpsbackup -d NUMBER, or cpsbackupd prune) and run cpsbackupd gc, or free space on the store disk'
    : undefined;
  const clients = opts.client ? report.clients.filter((c) => c.name === opts.client) : report.clients;
  if (clients.length === 0 && storage) {
    process.stdout.write(`CPSBACKUP CRITICAL - ${storage}\n`);
    return 2;
  }
  if (clients.length === 0) {
    process.stdout.write(`CPSBACKUP UNKNOWN - ${opts.client ? `no client ${opts.client}` : 'no clients'} on the server\n`);
    return 3;
  }
  const now = Date.now();
  let worst = storage ? 2 : 0;
  const parts: string[] = storage ? [storage] : [];
  const perf: string[] = [];
  for (const c of clients) {
    // Older servers send neither list.
    const damaged = c.damaged ?? [];
    const problems = c.recordProblems ?? [];
    // The backups that cannot be restored, each with what to do; else what is wrong with the client's records.
    const damage = [
      ...damaged.map((d) => `, backup ${backupNumberText(d.number)} ${d.status}: ${d.reason}`),
      ...(damaged.length ? [] : problems.map((p) => `, backup records: ${p}`)),
    ].join('');
    if (!c.lastSuccess) {
      worst = Math.max(worst, 2);
      parts.push(`${c.name}: no successful backup${damage}${c.lastResult?.reason ? ` (last: ${c.lastResult.reason})` : ''}`);
      continue;
    }
    const age = (now - Date.parse(c.lastSuccess.finishedAt)) / 1000;
    // The server's expected_interval for this client unless thresholds are given.
    const warn = warnGiven ?? c.expectedIntervalSeconds;
    const crit = critGiven ?? Math.max(warn, 2 * c.expectedIntervalSeconds);
    // A last attempt that failed, or stored only part of what it should (an include root missing), is a WARNING at least.
    const lastBad = c.lastResult && (c.lastResult.status === 'error' || c.lastResult.status === 'partial');
    const state = age >= crit ? 2 : age >= warn || lastBad || damage ? 1 : 0;
    worst = Math.max(worst, state);
    const failed = lastBad ? `, last attempt ${c.lastResult!.status === 'partial' ? 'partial' : 'failed'}: ${c.lastResult!.reason}` : '';
    const overdue = age >= warn ? `, overdue (expected every ${ago(warn)})` : '';
    parts.push(`${c.name}: last backup ${backupNumberText(c.lastSuccess.number)} finished ${ago(age)} ago${overdue}${failed}${damage}`);
    perf.push(`'${c.name}_age'=${Math.round(age)}s;${warn};${crit};0`);
  }
  process.stdout.write(`CPSBACKUP ${STATES[worst]} - ${parts.join('; ')}${perf.length ? ` | ${perf.join(' ')}` : ''}\n`);
  return worst;
}

void main().then((code) => exitWhenWritten(code));
