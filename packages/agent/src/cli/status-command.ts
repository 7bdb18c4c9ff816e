import { bytesText } from '@cpsbackup/config';
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
  /** Backups that cannot be restored now, with what to do (older servers send none). */
  damaged?: Array<{ number: number; status: string; reason: string }>;
}

interface Report {
  server: { version: string; uptimeSeconds: number; connections: number };
  store: { storedBytes: number; dedupRatio: number; compressionRatio: number; logicalBytes: number };
  clients: ClientRow[];
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
  let report: Report;
  try {
    const res = await fetch(`${url}/status`, { signal: AbortSignal.timeout(10_000), headers: token ? { authorization: `Bearer ${token}` } : {} });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    report = (await res.json()) as Report;
  } catch (err) {
    throw new AgentError('UNREACHABLE', `cannot read the status port at ${url}: ${(err as Error).message}`, ExitCode.UNREACHABLE);
  }
  const s = report.store;
  const lines = [
    `cpsbackupd ${report.server.version}, up ${Math.round(report.server.uptimeSeconds / 60)} min, ${report.server.connections} connections; ` +
      `store ${bytesText(s.storedBytes)} holding ${bytesText(s.logicalBytes)} (dedup ${s.dedupRatio.toFixed(1)}x, compression ${s.compressionRatio.toFixed(1)}x)`,
    `${'CLIENT'.padEnd(16)} ${'LAST SUCCESS'.padEnd(24)} ${'BACKUPS'.padStart(7)} ${'STORED'.padStart(10)}  STATE`,
  ];
  const now = Date.now();
  for (const c of report.clients) {
    const last = c.lastSuccess ? `${formatNumber(c.lastSuccess.number)} ${ago(now - Date.parse(c.lastSuccess.finishedAt))}` : 'never';
    const states: string[] = [];
    if (c.running)
      states.push(`running (${c.running.phase}, ${c.running.files} files, ${bytesText(c.running.bytes)}, ${bytesText(c.running.bytesPerSecond)}/s)`);
    if (c.overdue) states.push('OVERDUE');
    if (c.lastResult?.status === 'error') states.push(`last failed: ${c.lastResult.reason ?? '?'}`);
    if (c.lastResult?.status === 'partial') states.push(`last partial: ${c.lastResult.reason ?? '?'}`);
    for (const d of c.damaged ?? []) states.push(`backup ${formatNumber(d.number)} ${d.status}: ${d.reason}`);
    lines.push(
      `${c.name.padEnd(16)} ${last.padEnd(24)} ${String(c.backups).padStart(7)} ${bytesText(c.storedBytes).padStart(10)}  ${states.join('; ') || 'ok'}`,
    );
  }
  return { report, table: lines };
}
