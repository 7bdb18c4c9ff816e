#!/usr/bin/env node
/**
 * check_cpsbackup: a Nagios/Icinga plugin per the monitoring-plugins
 * guidelines (https://www.monitoring-plugins.org/doc/guidelines.html).
 * Reads cpsbackupd's status port and grades the age of each client's last
 * successful backup: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (a usage error,
 * -h, -V, the status port unreachable, refusing the token or timing out, no
 * such client).
 * -w / -c are ranges on that age (endpoints are durations: 90s, 15m, 26h,
 * 7d; a bare number is seconds). Without them it agrees with the server:
 * WARNING once the client is overdue (its expected_interval), CRITICAL at
 * twice that. A client that never had a successful backup is CRITICAL.
 * A store short of space (the server takes no new backup) is CRITICAL
 * whatever the clients' ages: every next backup will fail. A client with a
 * backup that cannot be restored (untrusted, or its file list unreadable)
 * or with backup records in question is a WARNING at least, with what to do.
 *
 * Output: one short first line (the worst state, counts, a few names, and
 * summary perfdata), then one line per client (long output), then the age
 * of every client as perfdata after a "|" (Nagios 3+ / Icinga long-output
 * perfdata). With -C NAME the one client's detail is the first line.
 */
import { parseArgs } from 'node:util';
import { bytesText, parseDuration, pluginLineText } from '@cpsbackup/config';
import { exitWhenWritten } from '@cpsbackup/log/exit';
import { conditionCounts, gradeClient, summary } from './check-grade';
import { CHECK_OPTIONS as O, checkHelp, checkUsage, PLUGIN_STATES } from './check-command-line';
import type { StatusReport } from './status-report';
import { parseThresholdRange, type ThresholdRange } from './threshold-range';
import { SERVER_VERSION } from './version';

const STATES = PLUGIN_STATES;
const UNKNOWN = 3;
/** The farthest a -w / -c endpoint may be: 100 years, in seconds. */
const MAX_RANGE_SECONDS = 100 * 365 * 86400;

/** What went wrong, with what to do: the plugin prints it as UNKNOWN. */
class PluginError extends Error {}

interface Options {
  url: string;
  client: string | undefined;
  warning: ThresholdRange | undefined;
  critical: ThresholdRange | undefined;
  timeoutSeconds: number;
  token: string;
}

/** The options, or the text to print and exit 3 with (-h, -V). */
function readOptions(args: string[]): Options | { print: string } {
  let values;
  try {
    values = parseArgs({
      args,
      // Each option as CHECK_OPTIONS defines it (its letter, its default): the help and the man page say the same.
      options: {
        help: { type: 'boolean', short: O.help.alias },
        version: { type: 'boolean', short: O.version.alias },
        url: { type: 'string', short: O.url.alias, default: O.url.default },
        client: { type: 'string', short: O.client.alias },
        warning: { type: 'string', short: O.warning.alias },
        critical: { type: 'string', short: O.critical.alias },
        timeout: { type: 'string', short: O.timeout.alias, default: O.timeout.default },
        token: { type: 'string', short: O.token.alias, default: process.env.CPSBACKUP_STATUS_TOKEN ?? '' },
      },
    }).values;
  } catch (err) {
    throw new PluginError(`${(err as Error).message}\n${checkUsage()}See check_cpsbackup --help.`);
  }
  // --help overrides every other option, as the guidelines ask.
  if (values.help) return { print: checkHelp() };
  if (values.version) return { print: `check_cpsbackup ${SERVER_VERSION}\n` };
  const range = (name: string, raw: string | undefined) => {
    let parsed: ThresholdRange | undefined;
    try {
      parsed = raw === undefined ? undefined : parseThresholdRange(raw, parseDuration);
    } catch (err) {
      throw new PluginError(`--${name}: ${pluginLineText((err as Error).message)}`);
    }
    // Perfdata must carry the range as a plain number: an age beyond a century is a typo, not a threshold.
    const tooFar = (v: number) => Number.isFinite(v) && Math.abs(v) > MAX_RANGE_SECONDS;
    if (parsed && (tooFar(parsed.start) || tooFar(parsed.end)))
      throw new PluginError(`--${name}: ${pluginLineText(raw!)} reaches beyond 100 years (${MAX_RANGE_SECONDS} s): give an age such as 26h or 7d`);
    return parsed;
  };
  let timeoutSeconds: number;
  try {
    timeoutSeconds = parseDuration(values.timeout);
  } catch (err) {
    throw new PluginError(`--timeout: ${(err as Error).message}`);
  }
  // A Node.js timer waits at most 2^31 - 1 ms.
  if (timeoutSeconds < 1 || timeoutSeconds > 24 * 86400) throw new PluginError(`--timeout: give from 1 to 2073600 seconds (24d), got ${values.timeout}`);
  let url: URL | undefined;
  try {
    url = new URL(values.url);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:')
    throw new PluginError(`--url: expected http://HOST:PORT (cpsbackupd's status port), got ${values.url}`);
  return {
    url: values.url.replace(/\/+$/, ''),
    client: values.client,
    warning: range('warning', values.warning),
    critical: range('critical', values.critical),
    timeoutSeconds,
    token: values.token,
  };
}

/** A refused answer's body as ": first line", or nothing. */
async function bodyLine(res: Response): Promise<string> {
  // Whatever answers on the port wrote it: no "|" (perfdata), no line break, no terminal escape.
  const line = (await res.text().catch(() => '')).split('\n')[0]!.trim().slice(0, 200);
  return line ? `: ${pluginLineText(line)}` : '';
}

/** Why fetch could not reach the port ("fetch failed" says nothing: its cause does), and what to do. */
function unreachableCause(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  // fetch refuses the ports browsers block (1, 7, 9, 6000, ...) before trying to connect.
  if (cause instanceof Error && cause.message === 'bad port')
    return 'fetch refuses to connect to this port: set status_port in server.conf to another, such as 4201';
  const why =
    cause instanceof AggregateError
      ? cause.errors.map((e) => (e as Error).message).join('; ')
      : cause instanceof Error
        ? cause.message
        : (err as Error).message;
  return `${pluginLineText(why)}: is cpsbackupd running, and -u its status_address and status_port?`;
}

/** The status document, or a PluginError saying why not. */
async function fetchReport(opts: Options): Promise<StatusReport> {
  // One deadline for connecting, the answer and its body.
  const signal = AbortSignal.timeout(opts.timeoutSeconds * 1000);
  const timedOut = () => new PluginError(`status port ${opts.url} timed out after ${opts.timeoutSeconds} s: is cpsbackupd stuck? (give -t for a longer wait)`);
  let res: Response;
  try {
    res = await fetch(`${opts.url}/status`, { signal, headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {} });
  } catch (err) {
    if (signal.aborted) throw timedOut();
    throw new PluginError(`status port ${opts.url} unreachable (${unreachableCause(err)})`);
  }
  if (res.status === 401) {
    await res.body?.cancel();
    throw new PluginError(
      opts.token
        ? `status port ${opts.url} refused the token (HTTP 401): give the status_token of cpsbackupd's server.conf with -T or CPSBACKUP_STATUS_TOKEN`
        : `status port ${opts.url} needs a token (HTTP 401): give the status_token of cpsbackupd's server.conf with -T or CPSBACKUP_STATUS_TOKEN`,
    );
  }
  if (!res.ok) {
    // The body says why (a 500 points at the daemon's log), on one line.
    throw new PluginError(`status port ${opts.url} answered HTTP ${res.status}${await bodyLine(res)}`);
  }
  const notStatus = (why: string) =>
    new PluginError(
      `${opts.url}/status answered something other than cpsbackupd's status document (${pluginLineText(why)}): is -u the status port (status_address in server.conf)?`,
    );
  let report: StatusReport;
  try {
    report = (await res.json()) as StatusReport;
  } catch (err) {
    if (signal.aborted) throw timedOut();
    throw notStatus((err as Error).message);
  }
  if (!Array.isArray((report as Partial<StatusReport> | null)?.clients)) throw notStatus('no list of clients');
  return report;
}

async function check(opts: Options): Promise<{ state: number; output: string }> {
  const report = await fetchReport(opts);
  const storage = report.lowSpace
    ? `storage full since ${report.lowSpace.since} (${bytesText(report.lowSpace.freeBytes)} free, ${bytesText(report.lowSpace.neededBytes)} needed): ` +
      'new backups are refused until space is freed; delete old backups (cpsbackup -d NUMBER, or cpsbackupd prune) and run cpsbackupd gc, or free space on the store disk'
    : undefined;
  const clients = opts.client === undefined ? report.clients : report.clients.filter((c) => c.name === opts.client);
  if (clients.length === 0 && storage) return { state: 2, output: `CPSBACKUP CRITICAL - ${storage}\n` };
  if (clients.length === 0) {
    throw new PluginError(
      opts.client === undefined
        ? 'no clients on the server: add a client file under clientconfdir and enrol the node'
        : `no client ${pluginLineText(opts.client)} on the server: check the name against the files in cpsbackupd's clientconfdir`,
    );
  }
  const now = Date.now();
  const grades = clients.map((c) => gradeClient(c, opts, now));
  const state = Math.max(storage ? 2 : 0, ...grades.map((g) => g.state));
  if (opts.client !== undefined) {
    // One client: its detail fits the first line.
    const g = grades[0]!;
    return { state, output: `CPSBACKUP ${STATES[state]} - ${storage ? `${storage}; ` : ''}${g.detail} | ${g.perf}\n` };
  }
  const counts = conditionCounts(grades).map(([cond, n]) => `${cond}=${n};;;0`);
  const first = `CPSBACKUP ${STATES[state]} - ${summary(grades, storage !== undefined)} | clients=${grades.length};;;0 ${counts.join(' ')}`;
  // Worst first, in the server's order within a state.
  const details = [...grades].sort((a, b) => b.state - a.state).map((g) => g.detail);
  const lines = [first, ...(storage ? [storage] : []), ...details];
  const perf = grades.map((g) => g.perf);
  // Long-output perfdata: after a "|" on the last text line, then one a line.
  lines[lines.length - 1] += ` | ${perf[0]!}`;
  return { state, output: `${[...lines, ...perf.slice(1)].join('\n')}\n` };
}

async function main(): Promise<number> {
  try {
    const opts = readOptions(process.argv.slice(2));
    if ('print' in opts) {
      // -h and -V end with UNKNOWN (3), as the guidelines say and monitoring-plugins' own plugins do: no check ran.
      process.stdout.write(opts.print);
      return UNKNOWN;
    }
    const { state, output } = await check(opts);
    process.stdout.write(output);
    return state;
  } catch (err) {
    if (!(err instanceof PluginError)) throw err;
    process.stdout.write(`CPSBACKUP UNKNOWN - ${err.message}\n`);
    return UNKNOWN;
  }
}

void main().then(
  (code) => exitWhenWritten(code),
  (err: unknown) => {
    process.stdout.write(`CPSBACKUP UNKNOWN - internal error: ${(err as Error).stack ?? String(err)}\n`);
    exitWhenWritten(UNKNOWN);
  },
);
