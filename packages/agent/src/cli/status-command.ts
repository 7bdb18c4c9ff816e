import { bytesText, untrustedText as shown } from '@cpsbackup/config';
import { formatNumber } from './format';
import { AgentError, ExitCode } from '../errors';

interface ClientRow {
  name: string;
  lastSuccess: { number: number; finishedAt: string } | null;
  lastResult: { status: string; reason: string | null } | null;
  running: { phase: string; bytes: number; bytesPerSecond: number; files: number } | null;
  backups: number;
  storedBytes: number;
  overdue: boolean;
  /** false: enabled = 0 (older servers send nothing: enabled). */
  enabled?: boolean;
  /** Backups that cannot be restored now, with what to do (older servers send none). */
  damaged?: Array<{ number: number; status: string; reason: string }>;
}

interface Report {
  server: { version: string; uptimeSeconds: number; connections: number };
  store: { storedBytes: number; dedupRatio: number; compressionRatio: number; logicalBytes: number };
  clients: ClientRow[];
}

/** A client's state as the status page shows it: one word, exclusive. */
type State = 'FAILED' | 'DAMAGED' | 'PARTIAL' | 'OVERDUE' | 'NEVER' | 'RUNNING' | 'DISABLED' | 'OK';

/** Worst first, as the status page sorts (the agent does not import the server: the same small order, kept here). */
const SEVERITY: readonly State[] = ['FAILED', 'DAMAGED', 'PARTIAL', 'OVERDUE', 'NEVER', 'RUNNING', 'DISABLED', 'OK'];

function stateOf(c: ClientRow): State {
  if (c.running) return 'RUNNING';
  if (c.enabled === false) return 'DISABLED';
  // The last attempt decides first: a client that never succeeded but tried and failed is FAILED, not NEVER.
  if (c.lastResult?.status === 'error') return 'FAILED';
  if (c.lastResult?.status === 'partial') return 'PARTIAL';
  if (c.damaged?.length) return 'DAMAGED';
  if (!c.lastSuccess) return c.lastResult ? 'FAILED' : 'NEVER';
  return c.overdue ? 'OVERDUE' : 'OK';
}

/** A last result's reason; null when the server withholds reasons (status_redact = 1). */
function reasonText(reason: string | null): string {
  return reason === null ? '(reason withheld: status_redact)' : shown(reason);
}

/** Why fetch could not connect: its cause's code (ECONNREFUSED, ENOTFOUND...), as "fetch failed" says nothing. */
function fetchCause(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause as { code?: unknown; message?: unknown; errors?: unknown[] } | undefined;
  const one = (e: { code?: unknown; message?: unknown } | undefined) =>
    typeof e?.code === 'string' ? e.code : typeof e?.message === 'string' ? e.message : undefined;
  const why = one(cause) ?? (Array.isArray(cause?.errors) ? cause.errors.map((e) => one(e as { code?: unknown })).join('; ') : undefined);
  return shown(why ?? (err as Error).message);
}

function ago(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  if (s < 172800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** `cpsbackup status`: the server's status port, as its document and as a table (run it on the server; the port is loopback). */
export async function runStatus(url: string, token = ''): Promise<{ report: Report; table: string[] }> {
  let res: Response;
  try {
    res = await fetch(`${url}/status`, { signal: AbortSignal.timeout(10_000), headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (err) {
    throw new AgentError(
      'UNREACHABLE',
      `cannot reach the status port at ${url} (${fetchCause(err)}): is cpsbackupd running, and --url its status_address and status_port?`,
      ExitCode.UNREACHABLE,
    );
  }
  if (res.status === 401) {
    await res.body?.cancel();
    throw new AgentError(
      'AUTH_STATUS_TOKEN',
      `the status port refused the token (HTTP 401): give --token or CPSBACKUP_STATUS_TOKEN (status_token in server.conf)`,
      ExitCode.AUTH,
    );
  }
  let report: Report;
  try {
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    report = (await res.json()) as Report;
  } catch (err) {
    throw new AgentError('UNREACHABLE', `cannot read the status port at ${url}: ${shown((err as Error).message)}`, ExitCode.UNREACHABLE);
  }
  const s = report.store;
  const lines = [
    `cpsbackupd ${shown(report.server.version)}, up ${Math.round(report.server.uptimeSeconds / 60)} min, ${report.server.connections} connections; ` +
      `store ${bytesText(s.storedBytes)} holding ${bytesText(s.logicalBytes)} (dedup ${s.dedupRatio.toFixed(1)}x, compression ${s.compressionRatio.toFixed(1)}x)`,
    `${'CLIENT'.padEnd(16)} ${'LAST SUCCESS'.padEnd(24)} ${'BACKUPS'.padStart(7)} ${'STORED'.padStart(10)}  STATE`,
  ];
  const now = Date.now();
  // Problems first, in the status page's order; by name within a state.
  const rows = report.clients.map((c) => ({ c, state: stateOf(c) }));
  rows.sort((a, b) => SEVERITY.indexOf(a.state) - SEVERITY.indexOf(b.state) || a.c.name.localeCompare(b.c.name));
  for (const { c, state } of rows) {
    const last = c.lastSuccess ? `${formatNumber(c.lastSuccess.number)} ${ago(now - Date.parse(c.lastSuccess.finishedAt))}` : 'never';
    const states: string[] = [state];
    if (c.running) states.push(`${shown(c.running.phase)}, ${c.running.files} files, ${bytesText(c.running.bytes)}, ${bytesText(c.running.bytesPerSecond)}/s`);
    if (c.lastResult?.status === 'error') states.push(`last failed: ${reasonText(c.lastResult.reason)}`);
    if (c.lastResult?.status === 'partial') states.push(`last partial: ${reasonText(c.lastResult.reason)}`);
    for (const d of c.damaged ?? []) states.push(`backup ${formatNumber(d.number)} ${shown(d.status)}: ${shown(d.reason)}`);
    lines.push(
      `${shown(c.name).padEnd(16)} ${last.padEnd(24)} ${String(c.backups).padStart(7)} ${bytesText(c.storedBytes).padStart(10)}  ${states.join('; ')}`,
    );
  }
  return { report, table: lines };
}
