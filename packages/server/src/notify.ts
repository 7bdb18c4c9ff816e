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
  /** A committed backup's warnings, and whether its files differ from its parent's (notify_success_*_only). */
  warnings?: number;
  changed?: boolean;
}

/** The scripts of one client: server.conf's, overridden by its client file. */
export interface NotifyScripts {
  successScript?: string;
  successArgs: string[];
  failureScript?: string;
  failureArgs: string[];
  /** Burp's notify_success_warnings_only / notify_success_changes_only: the success script runs only for such a backup (either, when both). */
  successWarningsOnly: boolean;
  successChangesOnly: boolean;
}

/** Whether a successful backup is one the success script is asked about (Burp's rule: no filter set, or one it meets). */
function successWanted(scripts: NotifyScripts, outcome: BackupOutcome): boolean {
  if (!scripts.successWarningsOnly && !scripts.successChangesOnly) return true;
  return (scripts.successWarningsOnly && (outcome.warnings ?? 0) > 0) || (scripts.successChangesOnly && outcome.changed !== false);
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
 * does not). `log` names the client already (the session's): its lines add
 * no `client` key, which would be a duplicate.
 */
export async function notifyBackupEnd(scripts: NotifyScripts, outcome: BackupOutcome, log: Logger): Promise<void> {
  const ok = outcome.status === 'available';
  const script = ok ? scripts.successScript : scripts.failureScript;
  if (!script) return;
  if (ok && !successWanted(scripts, outcome)) {
    const only = [scripts.successWarningsOnly && 'notify_success_warnings_only', scripts.successChangesOnly && 'notify_success_changes_only'].filter(Boolean);
    log.info({ script, backup: outcome.number, only }, 'notify script not run: the backup has neither warnings nor changes asked for');
    return;
  }
  const number = backupNumberText(outcome.number);
  // The reason may come from the agent: it goes as an argument (never through a shell), without NULs.
  const reason = outcome.reason.replace(/\0/g, '');
  const args = [outcome.client, number, outcome.status, reason, ...(ok ? scripts.successArgs : scripts.failureArgs)];
  const slog = log.child({ script, backup: outcome.number, status: outcome.status });
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
