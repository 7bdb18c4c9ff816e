import pino, { type Logger } from 'pino';

/** The daemon's structured log: one JSON object per line on stdout, written synchronously so nothing is lost at exit. */
export function createLogger(level: string, name = 'cpsbackupd'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ dest: 1, sync: true }));
}
