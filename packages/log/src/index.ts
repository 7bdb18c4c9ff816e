/**
 * @cpsbackup/log: the daemons' structured log (cpsbackupd, the agent's
 * daemon): one JSON object per line on stdout, each with its syslog
 * priority when stdout is the journal.
 */
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** pino's numeric levels as syslog priorities (sd-daemon(3)): trace/debug 7, info 6, warn 4, error 3, fatal 2. */
const SYSLOG_PRIORITY: Record<string, number> = { '10': 7, '20': 7, '30': 6, '40': 4, '50': 3, '60': 2 };

/**
 * Prefixes a JSON log line with its syslog priority, `<3>{"level":50,...}`,
 * which journald strips and keeps as the entry's PRIORITY, so
 * `journalctl -p warning` shows warnings and worse.
 */
export function withJournalPriority(line: string): string {
  const level = /^\{"level":(\d+)/.exec(line)?.[1];
  return `<${SYSLOG_PRIORITY[level ?? ''] ?? 6}>${line}`;
}

/**
 * The daemon's structured log: one JSON object per line on stdout, written
 * synchronously so nothing is lost at exit. Under systemd (stdout connected
 * to the journal: $JOURNAL_STREAM set) each line carries its priority.
 */
export function createLogger(level: string, name: string): Logger {
  const toJournal = !!process.env.JOURNAL_STREAM;
  return pino(
    { name, level, base: { pid: process.pid }, ...(toJournal ? { hooks: { streamWrite: withJournalPriority } } : {}) },
    pino.destination({ dest: 1, sync: true }),
  );
}
