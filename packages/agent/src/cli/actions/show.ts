import { bytesText, type NodeConfig, untrustedText as shown } from '@cpsbackup/config';
import { runShow } from '../../client/requests';
import { terminalPrompt } from '../passphrase-prompt';
import { ExitCode } from '../../errors';
import { entryJson, formatEntryLine, formatNumber, summaryJson } from '../format';
import { type CliArgs, parseNumber } from '../options';
import type { Report } from '../report';

/** `-s N`: a backup's files (ls -l style), then its figures and warnings. */
export async function show(config: NodeConfig, argv: CliArgs): Promise<Report> {
  const { summary, entries } = await runShow(config, parseNumber(argv.show, '-s'), argv.client, terminalPrompt());
  const s = summaryJson(summary);
  return {
    text: [
      ...entries.map(formatEntryLine),
      `Backup ${formatNumber(summary.number)} ${shown(s.status as string)}${summary.partial ? ` (${shown(summary.partial)})` : ''}: ${s.files} entries, ${bytesText(s.bytes as number)}, new ${bytesText(s.newBytes as number)} (stored ${bytesText(s.storedBytes as number)})` +
        (s.key ? `, encrypted with key ${String(s.key)}` : ''),
      ...(s.warnings as string[]).map((w) => `warning: ${shown(w)}`),
    ],
    json: { backup: s, entries: entries.map(entryJson) },
    exit: ExitCode.OK,
  };
}
