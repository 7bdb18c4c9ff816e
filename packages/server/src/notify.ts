import { runScript, scriptEnd } from '@cpsbackup/hooks';
import type { Logger } from 'pino';
import { backupNumberText } from './human';

/** How a backup ended, as the notify scripts are told. */
export interface BackupOutcome {
  client: string;
  /** 0 when the attempt was refused before a backup was recorded (a quota, for example). */
  number: number;
  status: 'available' | 'partial' | 'error';
  /** Why it is partial or failed; empty when it succeeded. */
  reason: string;
}

/** The scripts of one client: server.conf's, overridden by its client file. */
export interface NotifyScripts {
  successScript?: string;
  successArgs: string[];
  failureScript?: string;
  failureArgs: string[];
}

/** A script that has not finished after this long is killed (and the kill logged). */
const SCRIPT_TIMEOUT_MS = 300_000;

/**
 * Burp's notify_success_script / notify_failure_script: runs the script for
 * how a backup ended, with the client, the backup number (7 digits), the
 * status and the reason as arguments, then the configured extra arguments;
 * the same four are in CPSBACKUP_CLIENT, CPSBACKUP_BACKUP, CPSBACKUP_STATUS
 * and CPSBACKUP_REASON. Run by the shared script runner (no shell, killed
 * with what it started after 5 minutes, the end of its output logged). The
 * backup never waits for it: a slow or failing script is logged, not
 * fatal. Resolves when the script has ended (tests wait on it; the server
 * does not).
 */
export async function notifyBackupEnd(scripts: NotifyScripts, outcome: BackupOutcome, log: Logger): Promise<void> {
  const ok = outcome.status === 'available';
  const script = ok ? scripts.successScript : scripts.failureScript;
  if (!script) return;
  const number = backupNumberText(outcome.number);
  // The reason may come from the agent: it goes as an argument (never through a shell), without NULs.
  const reason = outcome.reason.replace(/\0/g, '');
  const args = [outcome.client, number, outcome.status, reason, ...(ok ? scripts.successArgs : scripts.failureArgs)];
  const slog = log.child({ script, client: outcome.client, backup: outcome.number, status: outcome.status });
  const env = { CPSBACKUP_CLIENT: outcome.client, CPSBACKUP_BACKUP: number, CPSBACKUP_STATUS: outcome.status, CPSBACKUP_REASON: reason };
  const r = await runScript({ file: script, args, env, timeoutMs: SCRIPT_TIMEOUT_MS });
  const output = r.output.trim() || undefined;
  if (r.ok) slog.info({ output }, 'notify script ran');
  else
    slog.warn(
      { err: scriptEnd(r, 'notify scripts have 5 minutes', SCRIPT_TIMEOUT_MS), exitCode: r.exitCode, signal: r.signal, output },
      'notify script failed',
    );
}
