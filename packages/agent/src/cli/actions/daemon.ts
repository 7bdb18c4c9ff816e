import { ConfigError, type NodeConfig } from '@cpsbackup/config';
import { exitWhenWritten } from '@cpsbackup/log/exit';
import { ExitCode } from '../../errors';
import type { StopSignal } from '../../daemon/daemon';
import { parseWindow } from '../../daemon/schedule';
import type { Report } from '../report';

/** `--daemon`: scheduled backups until SIGTERM (the daemon logs JSON lines on stdout itself). */
export async function daemon(config: NodeConfig): Promise<Report> {
  const windows = config.backup_window.map((w) => {
    try {
      return parseWindow(w);
    } catch (err) {
      throw new ConfigError(config.configFile, undefined, 'backup_window', (err as Error).message);
    }
  });
  // The logger (pino) loads only when asked for: it was a large part of every command's start-up time.
  const [{ createLogger }, { runDaemon }] = await Promise.all([import('@cpsbackup/log'), import('../../daemon/daemon.js')]);
  const log = createLogger(config.log_level, 'cpsbackup-agent');
  const stop: StopSignal = { stopping: false };
  const onSignal = (signal: string) => {
    if (stop.stopping) return exitWhenWritten(ExitCode.OK); // second signal: now
    log.info({ signal }, 'stopping after the running backup, if any');
    stop.stopping = true;
    stop.wake?.();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  await runDaemon(config, windows, log, stop);
  return { text: [], exit: ExitCode.OK };
}
