#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * cpsbackup: back up this node (-e), restore (-i), list (-l), show (-s) and
 * delete (-d) backups on cpsbackupd. Option-compatible with the original
 * Canopsis utility.
 *
 * The node flag above keeps V8's young generation small: a walk makes
 * short-lived garbage (a stat object per file) at a high rate, and the
 * default semi-spaces (16 MiB) let it reach the old generation, which
 * grows to about 100 MB before it is collected. With 1 MiB an unchanged
 * re-backup of 50,000 files peaks about 30 MB lower, at the same speed
 * (PERFORMANCE.md). It applies when this file is run as a program (the
 * installed `cpsbackup`), not under `node cli.js`.
 */
import * as os from 'node:os';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ConfigError, loadNodeConfig, type NodeConfig } from '@cpsbackup/config';
import { LIMITS } from '@cpsbackup/protocol';
import { AgentError, ExitCode } from './errors';
import { runExport, runImport } from './export-import';
import { entryJson, formatBytes, formatEntryLine, formatListLine, formatNumber, formatUsage, summaryJson, usageJson } from './format';
import { BackupProgress } from './progress';
import { runDelete, runLabel, runList, runShow, runVerifyRequest } from './requests';
import { runStatus } from './status-command';
import type { StopSignal } from './daemon';
import { withRunLock } from './run-lock';
import { parseWindow } from './schedule';
import { AGENT_VERSION } from './version';

const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  failed (the message says why)
  2  configuration or usage error
  3  refused by the server (certificate, client name) or TLS failure
  4  server unreachable
  5  finished with warnings (the backup is complete; see them with -s)
  6  no such backup
  7  busy: another backup of this node is running, or the server is full
  8  refused by the server's policy: a quota is reached, or client_can_* forbids it`;

function out(line: string): void {
  process.stdout.write(line + '\n');
}

function parseNumber(v: unknown, what: string): number {
  const s = String(v ?? '').trim();
  if (s === '') return 0;
  if (!/^\d+$/.test(s)) throw new AgentError('USAGE', `${what} must be a backup number, got ${JSON.stringify(s)}`, ExitCode.CONFIG);
  return Number(s);
}

async function main(): Promise<number> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('cpsbackup')
    .usage('$0 -e | -i [number] | -l | -s <number> | -d <number>  [options]\n$0 status [--url http://127.0.0.1:4201]')
    .option('url', { type: 'string', default: 'http://127.0.0.1:4201', describe: "with status: cpsbackupd's status port" })
    .option('token', { type: 'string', describe: "with status: the status port's token (status_token; or $CPSBACKUP_STATUS_TOKEN)" })
    .option('export', { alias: 'e', type: 'boolean', describe: 'back up this node now' })
    .option('import', { alias: 'i', type: 'string', describe: 'restore the latest backup, or the given number' })
    .option('list', { alias: 'l', type: 'boolean', describe: "list this node's backups" })
    .option('show', { alias: 's', type: 'string', describe: "show a backup's files and stats" })
    .option('delete', { alias: 'd', type: 'string', describe: 'delete a backup' })
    .option('label', { type: 'string', describe: "set a backup's --name and --description" })
    .option('verify', { type: 'string', describe: "have the server re-read and check this node's backups (all, or the given number)" })
    .option('enrol', { type: 'boolean', describe: "get this node's certificate signed by the server, once, with --password" })
    .option('password', { type: 'string', describe: 'with --enrol: the one-time password (default: password in node.conf)' })
    .option('daemon', { type: 'boolean', describe: 'run as the agent daemon: scheduled backups (backup_interval, backup_window in node.conf)' })
    .option('config', {
      alias: 'c',
      type: 'string',
      default: process.env.CPSBACKUP_CONFIG ?? '/etc/cpsbackup/node.conf',
      describe: 'node configuration file ($CPSBACKUP_CONFIG)',
    })
    .option('to', { type: 'string', describe: 'restore into this directory instead of the original paths' })
    .option('prefix', { type: 'string', array: true, describe: 'restore only these paths (and what is below them)' })
    .option('regex', { type: 'string', describe: 'restore only paths matching this regular expression' })
    .option('overwrite', { type: 'boolean', default: false, describe: 'replace existing files when restoring' })
    .option('fifo-as-file', { type: 'boolean', default: false, describe: "restore FIFOs' backed-up content as regular files" })
    .option('full', { type: 'boolean', default: false, describe: 'read every file again instead of trusting unchanged metadata' })
    .option('name', { type: 'string', describe: 'name for the new backup' })
    .option('description', { type: 'string', describe: 'description for the new backup' })
    .option('load-dumps', {
      type: 'boolean',
      default: true,
      describe: 'after -i, load restored dumps with their restore commands (storage.conf); --no-load-dumps keeps the files',
    })
    .option('json', { type: 'boolean', default: false, describe: 'machine-readable output' })
    .check((a) => {
      if (a._[0] === 'status') return true;
      const actions = ['export', 'import', 'list', 'show', 'delete', 'label', 'daemon', 'enrol', 'verify'].filter((k) => a[k] !== undefined && a[k] !== false);
      if (actions.length !== 1) throw new Error('give exactly one of -e, -i, -l, -s, -d, --label');
      // The server refuses longer ones; say so before connecting.
      if (typeof a.name === 'string' && a.name.length > LIMITS.backupNameChars)
        throw new Error(`--name is ${a.name.length} characters; at most ${LIMITS.backupNameChars}`);
      if (typeof a.description === 'string' && a.description.length > LIMITS.descriptionChars) {
        throw new Error(`--description is ${a.description.length} characters; at most ${LIMITS.descriptionChars}`);
      }
      return true;
    })
    .epilogue(EXIT_CODES_HELP)
    .version(AGENT_VERSION)
    .help('help')
    .alias('help', 'h')
    .command('status', "show cpsbackupd's status port as a table (on the server)")
    .strict()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      throw new AgentError('USAGE', msg || err?.message || 'invalid arguments', ExitCode.CONFIG);
    })
    .parse();

  if (argv._[0] === 'status') {
    out(await runStatus(argv.url, argv.json, argv.token ?? process.env.CPSBACKUP_STATUS_TOKEN ?? ''));
    return ExitCode.OK;
  }
  if (argv._.length) throw new AgentError('USAGE', `unknown command ${String(argv._[0])} (the only command is status)`, ExitCode.CONFIG);
  const config: NodeConfig = loadNodeConfig(argv.config, os.hostname());
  const windows = config.backup_window.map((w) => {
    try {
      return parseWindow(w);
    } catch (err) {
      throw new ConfigError(config.configFile, undefined, 'backup_window', (err as Error).message);
    }
  });

  if (argv.verify !== undefined) {
    const r = await runVerifyRequest(config, parseNumber(argv.verify, '--verify'));
    const damaged = (r.damaged ?? []).map((d) => ({ number: Number(d.number), manifestDamaged: !!d.manifestDamaged, files: d.files ?? [] }));
    const catalogProblems = r.catalogProblems ?? [];
    if (argv.json) {
      out(
        JSON.stringify({
          ok: !!r.ok,
          chunks: Number(r.chunksChecked ?? 0),
          bytes: Number(r.bytesChecked ?? 0),
          badChunks: Number(r.badChunks ?? 0),
          damaged,
          catalogProblems,
        }),
      );
    } else {
      out(
        `Checked ${Number(r.chunksChecked ?? 0)} chunks (${formatBytes(Number(r.bytesChecked ?? 0))}): ${r.ok ? 'all sound' : `${Number(r.badChunks ?? 0)} damaged`}`,
      );
      for (const d of damaged) {
        if (d.manifestDamaged) out(`backup ${formatNumber(d.number)}: file list unreadable`);
        for (const f of d.files) out(`backup ${formatNumber(d.number)}: damaged ${f}`);
      }
      for (const p of catalogProblems) out(`server catalog: ${p} (the server's operator must repair it)`);
    }
    return r.ok ? ExitCode.OK : ExitCode.FAILED;
  }

  // Enrolment (node-forge) and the daemon (pino) load only when asked for:
  // together they were a third of every command's start-up time.
  if (argv.enrol) {
    const { runEnrol } = await import('./enrol.js');
    const r = await runEnrol(config, argv.password ?? config.password);
    out(`Enrolled ${config.cname}: certificate ${r.certFile} (SHA-256 ${r.fingerprint})`);
    return ExitCode.OK;
  }

  if (argv.daemon) {
    const [{ default: pino }, { runDaemon }] = await Promise.all([import('pino'), import('./daemon.js')]);
    const log = pino({ name: 'cpsbackup-agent', level: config.log_level, base: { pid: process.pid } }, pino.destination({ dest: 1, sync: true }));
    const stop: StopSignal = { stopping: false };
    const onSignal = (signal: string) => {
      if (stop.stopping) process.exit(ExitCode.OK); // second signal: now
      log.info({ signal }, 'stopping after the running backup, if any');
      stop.stopping = true;
      stop.wake?.();
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
    await runDaemon(config, windows, log, stop);
    return ExitCode.OK;
  }

  if (argv.export) {
    const progress = new BackupProgress(!argv.json && !!process.stderr.isTTY);
    let result;
    try {
      result = await withRunLock(config.lock_file, () =>
        runExport(config, {
          full: argv.full,
          name: argv.name,
          description: argv.description,
          onProgress: (c, expected) => progress.update(c, expected),
        }),
      );
    } finally {
      progress.stop();
    }
    const { summary, counters } = result;
    const s = summaryJson(summary);
    const warnings = s.warningCount as number;
    if (argv.json) out(JSON.stringify({ backup: s, counters }));
    else {
      out(
        `Backup ${formatNumber(summary.number)} ${summary.status}: ${s.files} entries, ${formatBytes(s.bytes as number)}; ` +
          `read ${counters.filesRead} files (${formatBytes(counters.bytesRead)}), ${counters.filesUnchanged} unchanged; ` +
          `sent ${counters.chunksSent} chunks (${formatBytes(counters.chunkBytesSent)}), ${counters.chunksDeduplicated} already stored`,
      );
      for (const w of s.warnings as string[]) out(`warning: ${w}`);
    }
    if (summary.partial) {
      process.stderr.write(
        `cpsbackup: backup ${formatNumber(summary.number)} is PARTIAL: ${summary.partial}. It was stored, but it does not count as a good backup ` +
          `(retention keeps the last complete ones; monitoring reports it); fix the include paths in ${config.configFile}\n`,
      );
      return ExitCode.FAILED;
    }
    return warnings > 0 ? ExitCode.WARNINGS : ExitCode.OK;
  }
  if (argv.import !== undefined) {
    const r = await runImport(config, {
      loadDumps: argv['load-dumps'],
      number: parseNumber(argv.import, '-i'),
      target: argv.to ?? '/',
      prefixes: argv.prefix,
      regex: argv.regex !== undefined ? compileRegex(argv.regex) : undefined,
      overwrite: argv.overwrite,
      fifoAsFile: argv['fifo-as-file'],
    });
    if (argv.json) {
      out(
        JSON.stringify({
          backup: summaryJson(r.summary),
          entries: r.entries,
          bytes: r.bytes,
          skipped: r.skipped,
          warnings: r.warnings,
          dumpsLoaded: r.loaded,
          dumpFailures: r.loadFailures,
        }),
      );
    } else {
      out(`Restored backup ${formatNumber(r.summary.number)}: ${r.entries} entries, ${formatBytes(r.bytes)} into ${argv.to ?? '/'}`);
      for (const name of r.loaded) out(`dump ${name}: loaded`);
      for (const w of r.warnings) out(`warning: ${w}`);
    }
    for (const f of r.loadFailures) process.stderr.write(`cpsbackup: ${f}\n`);
    if (r.loadFailures.length) return ExitCode.FAILED;
    return r.warnings.length ? ExitCode.WARNINGS : ExitCode.OK;
  }
  if (argv.list) {
    const { backups, usage } = await runList(config);
    if (argv.json) out(JSON.stringify({ backups: backups.map(summaryJson), usage: usageJson(usage) }));
    else {
      for (const b of backups) out(formatListLine(b, !!usage.canDelete));
      out(formatUsage(usage));
    }
    return ExitCode.OK;
  }
  if (argv.show !== undefined) {
    const { summary, entries } = await runShow(config, parseNumber(argv.show, '-s'));
    if (argv.json) out(JSON.stringify({ backup: summaryJson(summary), entries: entries.map(entryJson) }));
    else {
      for (const e of entries) out(formatEntryLine(e));
      const s = summaryJson(summary);
      out(
        `Backup ${formatNumber(summary.number)} ${summary.status}: ${s.files} entries, ${formatBytes(s.bytes as number)}, new ${formatBytes(s.newBytes as number)} (stored ${formatBytes(s.storedBytes as number)})`,
      );
      for (const w of s.warnings as string[]) out(`warning: ${w}`);
    }
    return ExitCode.OK;
  }
  if (argv.label !== undefined) {
    const n = parseNumber(argv.label, '--label');
    if (n === 0) throw new AgentError('USAGE', '--label needs a backup number', ExitCode.CONFIG);
    const b = await runLabel(config, n, argv.name ?? '', argv.description ?? '');
    if (argv.json) out(JSON.stringify(summaryJson(b)));
    else out(formatListLine(b));
    return ExitCode.OK;
  }
  const number = parseNumber(argv.delete, '-d');
  if (number === 0) throw new AgentError('USAGE', '-d needs a backup number', ExitCode.CONFIG);
  await runDelete(config, number);
  if (!argv.json) out(`Backup ${formatNumber(number)} deleted`);
  else out(JSON.stringify({ deleted: number }));
  return ExitCode.OK;
}

function compileRegex(src: string): RegExp {
  try {
    return new RegExp(src);
  } catch (err) {
    throw new AgentError('USAGE', `--regex: ${(err as Error).message}`, ExitCode.CONFIG);
  }
}

// main() always ends in process.exit; the event loop running dry first means
// some await can never complete, which must not pass for success (exit 0).
process.on('beforeExit', () => {
  process.stderr.write('cpsbackup: internal error: the work stopped before it finished (nothing left to wait for)\n');
  process.exit(ExitCode.FAILED);
});

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`cpsbackup: configuration error: ${err.message}\n`);
      process.exit(ExitCode.CONFIG);
    }
    if (err instanceof AgentError) {
      process.stderr.write(`cpsbackup: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    process.stderr.write(`cpsbackup: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(ExitCode.FAILED);
  },
);
