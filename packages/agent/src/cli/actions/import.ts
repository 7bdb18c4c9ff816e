import type { NodeConfig } from '@cpsbackup/config';
import { type RestoredDump, runImport } from '../../dumps/export-import';
import { AgentError, ExitCode } from '../../errors';
import { unescapeName } from '../../escaped-names';
import { formatBytes, formatNumber, summaryJson } from '../format';
import { type CliArgs, parseNumber } from '../options';
import type { Report } from '../report';

/** How a dump that was not loaded is reported: where it is, and how to load it. */
function dumpLine(d: RestoredDump): string {
  const where = d.state === 'failed' ? `the dump is kept in ${d.file}` : `the dump is in ${d.file}`;
  const how = d.loadCommand
    ? d.state === 'failed'
      ? `; once the cause is fixed, load it with: ${d.loadCommand}`
      : `; to load it into this node's database: ${d.loadCommand}`
    : '';
  return `dump ${d.name}: not loaded (${d.reason ?? '?'}); ${where}${how}`;
}

/** `-i [N]`: restores a backup (the newest complete one by default), then loads its dumps (see runImport for when). */
export async function importBackup(config: NodeConfig, argv: CliArgs): Promise<Report> {
  const number = parseNumber(argv.import, '-i');
  const r = await runImport(config, {
    // Undefined unless given: runImport then loads dumps only for a restore to the original paths.
    loadDumps: argv['load-dumps'],
    number,
    target: argv.to ?? '/',
    // As -s prints them (ls -b escapes), so any stored name can be asked for.
    prefixes: argv.prefix?.map(unescapeName),
    regex: argv.regex,
    overwrite: argv.overwrite,
    fifoAsFifo: argv['fifo-as-fifo'],
    devices: argv.devices,
    setuid: argv.setuid,
    client: argv.client,
  });
  // Nothing selected: not one entry written, kept as it was (exists, no --overwrite) or found damaged.
  if (r.entries + r.skipped === 0 && (argv.prefix?.length || argv.regex !== undefined)) {
    const n = formatNumber(r.summary.number);
    const what = [
      ...(argv.prefix?.length ? [`is at or below --prefix ${argv.prefix.join(', ')}`] : []),
      ...(argv.regex !== undefined ? [`matches --regex ${argv.regex}`] : []),
    ].join(' and ');
    // --prefix takes -s's escaped form back; --regex is matched against the raw name (as UTF-8), not the escaped one.
    const how = [
      ...(argv.prefix?.length ? [`give --prefix paths as -s ${n} prints them (special characters escaped as ls -b does)`] : []),
      ...(argv.regex !== undefined
        ? [
            '--regex is matched against the names themselves, not as -s escapes them (a newline is \\n in the pattern, not \\\\n); a byte that is not UTF-8 is matched only by ".": select such names with --prefix',
          ]
        : []),
    ].join('; ');
    throw new AgentError('NOT_FOUND', `nothing in backup ${n} ${what}: ${how}`, ExitCode.NOT_FOUND);
  }
  const failed = r.dumps.filter((d) => d.state === 'failed');
  // A partial backup lacks what could not be read when it was made: a plain -i takes one only when no complete backup exists.
  const partial = r.summary.partial
    ? [
        `backup ${formatNumber(r.summary.number)} is PARTIAL (${r.summary.partial})` +
          (number === 0 ? ': this node has no complete backup, so the newest partial one was restored' : '') +
          '; what it lacks was not restored',
      ]
    : [];
  const warnings = [...partial, ...r.warnings];
  return {
    text: [
      `Restored backup ${formatNumber(r.summary.number)}: ${r.entries} entries, ${formatBytes(r.bytes)} into ${argv.to ?? '/'}`,
      ...r.dumps.flatMap((d) => (d.state === 'loaded' ? [`dump ${d.name}: loaded`] : d.state === 'kept' ? [dumpLine(d)] : [])),
      ...warnings.map((w) => `warning: ${w}`),
    ],
    json: {
      backup: summaryJson(r.summary),
      entries: r.entries,
      bytes: r.bytes,
      skipped: r.skipped,
      warnings,
      damaged: r.damaged,
      dumpsLoaded: r.dumps.filter((d) => d.state === 'loaded').map((d) => d.name),
      dumpFailures: failed.map(dumpLine),
      dumps: r.dumps,
    },
    errors: [...r.damaged, ...failed.map(dumpLine)],
    exit: failed.length || r.damaged.length ? ExitCode.FAILED : warnings.length ? ExitCode.WARNINGS : ExitCode.OK,
  };
}
