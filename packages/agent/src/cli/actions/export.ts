import { bytesText, type NodeConfig, untrustedText } from '@cpsbackup/config';
import { type BackupCounters } from '../../backup/counters';
import { runBackupJob } from '../../jobs/backup-job';
import { ExitCode } from '../../errors';
import { exportDryRun } from './export-dry-run';
import { formatNumber, statusWord, summaryJson } from '../format';
import type { CliArgs } from '../options';
import { asInterruption, interruptOnSignals } from '../interrupt-signals';
import { progressDisplay, type ProgressSample } from '../progress';
import { terminalPrompt } from '../passphrase-prompt';
import type { Report } from '../report';

/**
 * Where a backup stands: what was read (the file being read included) and
 * what was found unchanged; its total is guessed from the previous backup's
 * size when there is one (a first backup knows none: it does not walk first).
 */
function backupSample(c: BackupCounters, expectedBytes: number, reading: number): ProgressSample {
  return {
    bytesDone: c.bytesRead + c.bytesUnchanged + reading,
    filesDone: c.entries,
    ...(expectedBytes > 0 ? { totalBytes: expectedBytes, estimated: true } : {}),
    bytesSent: c.chunkBytesSent,
  };
}

/** `-e`: backs this node up now (with the dump jobs), a progress bar on a terminal. */
export async function exportBackup(config: NodeConfig, argv: CliArgs): Promise<Report> {
  // Burp's enabled = 0: the node makes no backup and that is not a failure (a cron job stays quiet).
  if (!config.enabled) {
    const line = `not backed up: this node is disabled (enabled = 0 in ${config.configFile}); set enabled = 1 to back it up again`;
    return { text: [line], json: { backup: null, disabled: true, message: line }, exit: ExitCode.OK };
  }
  if (argv['dry-run']) return exportDryRun(config, argv);
  const progress = progressDisplay('backup', { json: argv.json, jsonProgress: argv['json-progress'] });
  const interrupt = interruptOnSignals();
  let result;
  try {
    result = await runBackupJob(config, {
      full: argv.full,
      name: argv.name,
      description: argv.description,
      onProgress: progress.shows ? (c, expected, reading) => progress.update(backupSample(c, expected, reading)) : undefined,
      // A notice may carry the server's text (why it waits for its storage): shown escaped.
      onNotice: (line) => progress.notice(`cpsbackup: ${untrustedText(line)}`),
      prompt: terminalPrompt(),
      interrupt: interrupt.signal,
    });
  } catch (err) {
    throw asInterruption(err, interrupt.signal, 'nothing was backed up');
  } finally {
    interrupt.dispose();
    progress.stop();
  }
  const { summary, counters } = result;
  const s = summaryJson(summary);
  const text = [
    `Backup ${formatNumber(summary.number)} ${statusWord(summary)}: ${s.files} entries, ${bytesText(s.bytes as number)}; ` +
      `read ${counters.filesRead} files (${bytesText(counters.bytesRead)}), ${counters.filesUnchanged} unchanged; ` +
      `sent ${counters.chunksSent} chunks (${bytesText(counters.chunkBytesSent)}), ${counters.chunksDeduplicated + counters.chunksInParent} already stored`,
    ...(s.warnings as string[]).map((w) => `warning: ${w}`),
  ];
  const json = { backup: s, counters, ...(result.postScriptFailure ? { postScriptFailure: result.postScriptFailure } : {}) };
  // The backup is stored; a failed post script fails the command all the same (as Burp's client does).
  const post = result.postScriptFailure ? [`backup ${formatNumber(summary.number)} was stored, but ${result.postScriptFailure}`] : [];
  if (summary.partial) {
    return {
      text,
      json,
      errors: [
        `backup ${formatNumber(summary.number)} is PARTIAL: ${summary.partial}. It was stored, but it does not count as a good backup ` +
          `(retention keeps the last complete ones; monitoring reports it); fix the include paths in ${config.configFile}`,
        ...post,
      ],
      exit: ExitCode.PARTIAL,
    };
  }
  if (post.length) return { text, json, errors: post, exit: ExitCode.FAILED };
  return { text, json, exit: (s.warningCount as number) > 0 ? ExitCode.WARNINGS : ExitCode.OK };
}
