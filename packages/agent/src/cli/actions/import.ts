import { bytesText, type NodeConfig } from '@cpsbackup/config';
import { type MissingDump, type RestoredDump, runRestoreJob, type StrayDump } from '../../jobs/restore-job';
import { AgentError, ExitCode } from '../../errors';
import { unescapeName } from '../../escaped-names';
import { asInterruption, interruptOnSignals } from '../interrupt-signals';
import { interruptionOf } from '../../interruption';
import { terminalPrompt } from '../passphrase-prompt';
import { progressDisplay } from '../progress';
import { formatNumber, summaryJson } from '../format';
import { type CliArgs, parseNumber } from '../options';
import type { Report } from '../report';

/** How a dump that was not loaded is reported: where it is, and how to load it. */
function dumpLine(d: RestoredDump): string {
  if (d.notWritten) {
    // What lies there is not this backup's dump: never offered for loading.
    const how = d.notWritten.overwrite
      ? `to get the backup's dump, restore it with --to DIR`
      : `to replace it with the backup's dump${d.state === 'failed' ? ' and load it' : ''}, restore again with --overwrite; to get the backup's dump elsewhere, restore with --to DIR`;
    return `dump ${d.name}: not loaded (${d.reason ?? '?'}); ${d.file} is not this backup's dump and is left as it is; ${how}`;
  }
  const where = d.state === 'failed' ? `the dump is kept in ${d.file}` : `the dump is in ${d.file}`;
  const how = d.loadCommand
    ? d.state === 'failed'
      ? `; once the cause is fixed, load it with: ${d.loadCommand}`
      : `; to load it into this node's database: ${d.loadCommand}`
    : '';
  return `dump ${d.name}: not loaded (${d.reason ?? '?'}); ${where}${how}`;
}

/** A dump of the backup that no dump job of storage.conf loads. */
function strayLine(d: StrayDump): string {
  return `dump file ${d.stored} of this backup: not loaded (no dump job of this node loads it: ${d.reason}); ${d.where}`;
}

/** A dump job whose dump the backup does not hold. */
function missingLine(d: MissingDump, backup: string): string {
  return (
    `dump job ${d.name}: nothing to load, backup ${backup} holds no dump at ${d.stored} ` +
    `(the job is newer than the backup, or the backup was made with another dump_directory or job name); its database is left as it is`
  );
}

/** `-i [N]`: restores a backup (the newest complete one by default), then loads its dumps (see runRestoreJob for when). */
export async function importBackup(config: NodeConfig, argv: CliArgs): Promise<Report> {
  const number = parseNumber(argv.import, '-i');
  // Burp's restoreprefix: where a restore goes unless --to says otherwise (--to / is the original paths).
  const target = argv.to ?? config.restoreprefix ?? '/';
  const progress = progressDisplay('restore', { json: argv.json, jsonProgress: argv['json-progress'] });
  const interrupt = interruptOnSignals();
  const r = await runRestoreJob(config, {
    // Undefined unless given: runRestoreJob then loads dumps only for a restore to the original paths.
    loadDumps: argv['load-dumps'],
    number,
    target,
    // As -s prints them (ls -b escapes), so any stored name can be asked for.
    prefixes: argv.prefix?.map(unescapeName),
    regex: argv.regex,
    overwrite: argv.overwrite,
    fifoAsFifo: argv['fifo-as-fifo'],
    ontoDevices: argv['onto-devices'],
    devices: argv.devices,
    setuid: argv.setuid,
    client: argv.client,
    prompt: terminalPrompt(),
    onProgress: progress.shows
      ? (p) => progress.update({ bytesDone: p.bytes, filesDone: p.entries, totalBytes: p.totalBytes, totalFiles: p.totalEntries })
      : undefined,
    interrupt: interrupt.signal,
  })
    .catch((err: unknown) => {
      throw asInterruption(err, interrupt.signal, 'the restore stopped');
    })
    .finally(() => {
      interrupt.dispose();
      progress.stop();
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
  const late = interruptionOf(interrupt.signal);
  const failed = [...r.dumps.filter((d) => d.state === 'failed').map(dumpLine), ...r.strayDumps.filter((d) => d.state === 'failed').map(strayLine)];
  const missing = r.missingDumps.map((d) => missingLine(d, formatNumber(r.summary.number)));
  // A partial backup lacks what could not be read when it was made: a plain -i takes one only when no complete backup exists.
  const partial = r.summary.partial
    ? [
        `backup ${formatNumber(r.summary.number)} is PARTIAL (${r.summary.partial})` +
          (number === 0 ? ': this node has no complete backup, so the newest partial one was restored' : '') +
          '; what it lacks was not restored',
      ]
    : [];
  // A job left without its dump where dumps are loaded: the restore is not the whole of what was asked for.
  const warnings = [...partial, ...r.warnings, ...(r.loadsDumps ? missing : [])];
  return {
    text: [
      `Restored backup ${formatNumber(r.summary.number)}: ${r.entries} entries, ${bytesText(r.bytes)} into ${target}`,
      ...r.dumps.flatMap((d) => (d.state === 'loaded' ? [`dump ${d.name}: loaded`] : d.state === 'kept' ? [dumpLine(d)] : [])),
      ...r.strayDumps.filter((d) => d.state === 'kept').map(strayLine),
      ...(r.loadsDumps ? [] : missing),
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
      dumpFailures: failed,
      dumps: r.dumps,
      strayDumps: r.strayDumps,
      missingDumps: r.missingDumps,
      ...(r.postScriptFailure ? { postScriptFailure: r.postScriptFailure } : {}),
    },
    errors: [
      ...r.damaged,
      ...failed,
      ...(r.postScriptFailure ? [r.postScriptFailure] : []),
      // A signal once every file was written: what it stopped (a dump's load, restore_script_post) is said above.
      ...(late ? [late.with('after the files were all restored; what it stopped is said above').message] : []),
    ],
    exit: late ? late.exitCode : failed.length || r.damaged.length || r.postScriptFailure ? ExitCode.FAILED : warnings.length ? ExitCode.WARNINGS : ExitCode.OK,
  };
}
