import { type NodeConfig } from '@cpsbackup/config';
import { retryDelayMs } from './retry-delay';
import type { Logger } from '@cpsbackup/log';
import { AgentError } from '../errors';
import { runBackupJob } from '../jobs/backup-job';
import { runList } from '../client/requests';
import { type BackupWindow, inWindow } from './schedule';

/** Lets a signal handler ask the daemon to stop between runs. */
export interface StopSignal {
  stopping: boolean;
  /** Wakes a sleeping daemon. */
  wake?: () => void;
}

function sleep(ms: number, stop: StopSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      stop.wake = undefined;
      resolve();
    }
    stop.wake = done;
  });
}

/** The finish time of the newest available backup on the server, or undefined. */
async function lastSuccess(config: NodeConfig): Promise<number | undefined> {
  const { backups } = await runList(config);
  const ok = backups.filter((b) => b.status === 'available');
  const last = ok[ok.length - 1];
  return last ? Number(last.finishedAtMs ?? 0) : undefined;
}

/**
 * The agent daemon: backs up when the last successful backup is older than
 * backup_interval and the clock is inside a backup_window, after a random
 * delay; retries failures with exponential backoff (retry_min doubling to
 * retry_max, with jitter: retry-delay.ts), e.g. while the server is unreachable. One run at a time, by
 * construction and by the node's lock file.
 */
export async function runDaemon(config: NodeConfig, windows: BackupWindow[], log: Logger, stop: StopSignal): Promise<void> {
  const interval = config.backup_interval * 1000;
  let last: number | undefined;
  let known = false;
  // Failed attempts in a row: the next wait is retryDelayMs of it (exponential, with jitter).
  let failures = 0;
  const retryDelay = () => retryDelayMs(failures++, config.retry_min * 1000, config.retry_max * 1000);
  let disabledSaid = false;
  log.info({ interval: config.backup_interval, windows: config.backup_window, server: `${config.server}:${config.port}` }, 'agent daemon started');
  while (!stop.stopping) {
    if (!known) {
      try {
        last = await lastSuccess(config);
        known = true;
      } catch (err) {
        const wait = retryDelay();
        log.warn({ err: (err as Error).message, retryInSeconds: Math.round(wait / 1000) }, 'cannot ask the server for the last backup; retrying');
        await sleep(wait, stop);
        continue;
      }
    }
    const due = (last ?? 0) + interval;
    const now = Date.now();
    if (now < due) {
      await sleep(Math.min(due - now, 60_000), stop);
      continue;
    }
    if (!inWindow(windows, new Date(now))) {
      await sleep(60_000 - (now % 60_000), stop);
      continue;
    }
    if (!config.enabled) {
      // Burp's enabled = 0: the daemon keeps running and backs nothing up (until restarted with enabled = 1).
      if (!disabledSaid) log.warn({ config: config.configFile }, 'this node is disabled (enabled = 0): no backups until it is set to 1');
      disabledSaid = true;
      await sleep(60_000, stop);
      continue;
    }
    const delay = Math.floor(Math.random() * config.random_delay * 1000);
    if (delay > 0) {
      log.info({ delaySeconds: Math.round(delay / 1000) }, 'random delay before the backup');
      await sleep(delay, stop);
      if (stop.stopping) break;
    }
    log.info('backup starting');
    try {
      const { summary, counters, postScriptFailure } = await runBackupJob(config, { onNotice: (line) => log.warn(line) });
      // The backup is stored: it is not made again for its post script.
      if (postScriptFailure)
        log.error({ code: 'SCRIPT_FAILED', backup: Number(summary.number), err: postScriptFailure }, 'backup stored, but its post script failed');
      if (summary.partial) throw new AgentError('PARTIAL', `backup ${Number(summary.number)} is partial: ${summary.partial}`);
      last = Number(summary.finishedAtMs ?? Date.now());
      failures = 0;
      log.info(
        {
          backup: Number(summary.number),
          files: Number(summary.fileCount ?? 0),
          filesRead: counters.filesRead,
          bytesSent: counters.chunkBytesSent,
          warnings: summary.warnings?.length ?? 0,
        },
        'backup done',
      );
    } catch (err) {
      const code = err instanceof AgentError ? err.code : 'ERROR';
      const wait = retryDelay();
      log.error(
        { code, err: (err as Error).message, retryInSeconds: Math.round(wait / 1000) },
        code === 'UNREACHABLE' ? 'server unreachable; retrying' : 'backup failed; retrying',
      );
      await sleep(wait, stop);
    }
  }
  log.info('agent daemon stopped');
}
