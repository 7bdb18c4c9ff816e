import type { NodeConfig } from '@cpsbackup/config';
import { runImport } from '../../dumps/export-import';
import { AgentError, ExitCode } from '../../errors';
import { unescapeName } from '../escaped-names';
import { formatBytes, formatNumber, summaryJson } from '../format';
import { type CliArgs, parseNumber } from '../options';
import type { Report } from '../report';

/** `-i [N]`: restores a backup (the newest complete one by default), then loads its dumps. */
export async function importBackup(config: NodeConfig, argv: CliArgs): Promise<Report> {
  const r = await runImport(config, {
    loadDumps: argv['load-dumps'],
    number: parseNumber(argv.import, '-i'),
    target: argv.to ?? '/',
    // As -s prints them (ls -b escapes), so any stored name can be asked for.
    prefixes: argv.prefix?.map(unescapeName),
    regex: argv.regex,
    overwrite: argv.overwrite,
    fifoAsFile: argv['fifo-as-file'],
    client: argv.client,
  });
  if (r.entries === 0 && (argv.prefix?.length || argv.regex !== undefined)) {
    const n = formatNumber(r.summary.number);
    const what = [
      ...(argv.prefix?.length ? [`is at or below --prefix ${argv.prefix.join(', ')}`] : []),
      ...(argv.regex !== undefined ? [`matches --regex ${argv.regex}`] : []),
    ].join(' and ');
    throw new AgentError(
      'NOT_FOUND',
      `nothing in backup ${n} ${what}: give paths as -s ${n} prints them (special characters escaped as ls -b does)`,
      ExitCode.NOT_FOUND,
    );
  }
  return {
    text: [
      `Restored backup ${formatNumber(r.summary.number)}: ${r.entries} entries, ${formatBytes(r.bytes)} into ${argv.to ?? '/'}`,
      ...r.loaded.map((name) => `dump ${name}: loaded`),
      ...r.warnings.map((w) => `warning: ${w}`),
    ],
    json: {
      backup: summaryJson(r.summary),
      entries: r.entries,
      bytes: r.bytes,
      skipped: r.skipped,
      warnings: r.warnings,
      damaged: r.damaged,
      dumpsLoaded: r.loaded,
      dumpFailures: r.loadFailures,
    },
    errors: [...r.damaged, ...r.loadFailures],
    exit: r.loadFailures.length || r.damaged.length ? ExitCode.FAILED : r.warnings.length ? ExitCode.WARNINGS : ExitCode.OK,
  };
}
