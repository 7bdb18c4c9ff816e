#!/usr/bin/env -S node --max-semi-space-size=1 --heap-growing-percent=20 --v8-pool-size=1
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
 * installed `cpsbackup`), not under `node main.js`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hideBin } from 'yargs/helpers';
import { completionRequest, completions, ConfigError, loadNodeConfig, type NodeConfig, untrustedText } from '@cpsbackup/config';
import { isFormatError } from '@cpsbackup/format';
import { exitWhenWritten } from '@cpsbackup/log/exit';
import { daemon } from './actions/daemon';
import { deleteBackup } from './actions/delete';
import { diff } from './actions/diff';
import { enrol } from './actions/enrol';
import { changeKey } from './actions/change-key';
import { initKey } from './actions/init-key';
import { exportBackup } from './actions/export';
import { importBackup } from './actions/import';
import { label } from './actions/label';
import { list } from './actions/list';
import { show } from './actions/show';
import { status } from './actions/status';
import { verify } from './actions/verify';
import { AGENT_COMMAND_LINE } from './command-line';
import { type Action, actionOf, type CliArgs, parseArgs } from './options';
import { emit, type Report } from './report';
import { parseWindow } from '../daemon/schedule';
import { AgentError, ExitCode } from '../errors';

/** One module per action (cli/actions/); each returns a Report, which emit() prints. */
const ACTION_RUNNERS: Record<Action, (config: NodeConfig, argv: CliArgs) => Promise<Report>> = {
  export: exportBackup,
  import: importBackup,
  list,
  show,
  diff,
  delete: deleteBackup,
  label,
  verify,
  enrol,
  'init-key': initKey,
  'change-key': changeKey,
  daemon: (config) => daemon(config),
};

/** Whether failures are said as JSON on stdout too: --json or --json-progress given (taken from the raw arguments until they are parsed, for a usage error). */
let jsonOutput = hideBin(process.argv).some((a) => a === '--json' || a === '--json-progress');

async function main(): Promise<number> {
  const args = hideBin(process.argv);
  // The completion script's question (cpsbackup --get-yargs-completions cpsbackup WORD...), answered from the option definitions.
  const words = completionRequest(args);
  if (words) {
    process.stdout.write(completions(AGENT_COMMAND_LINE, words).join('\n') + '\n');
    return ExitCode.OK;
  }
  const argv = await parseArgs(args);
  jsonOutput = argv.json || argv['json-progress'];
  if (argv._[0] === 'status') return emit(await status(argv), { json: argv.json });
  if (argv._.length) throw new AgentError('USAGE', `unknown command ${String(argv._[0])} (the only command is status)`, ExitCode.CONFIG);
  let config: NodeConfig = loadNodeConfig(argv.config, os.hostname());
  // -i, -s --key-file: read with that key (a backup kept by --change-key), nothing else.
  if (argv['key-file'] !== undefined) config = withKeyFile(config, argv['key-file']);
  for (const w of config.warnings) process.stderr.write(`cpsbackup: warning: ${w}\n`);
  // backup_window is checked whatever the action, so a mistake shows before the daemon meets it.
  for (const w of config.backup_window) {
    try {
      parseWindow(w);
    } catch (err) {
      throw new ConfigError(config.configFile, undefined, 'backup_window', (err as Error).message);
    }
  }
  return emit(await ACTION_RUNNERS[actionOf(argv)](config, argv), { json: jsonOutput, stream: argv['json-progress'] });
}

/** The configuration reading with the key in `file`, which must exist: a missing one never falls back to the copy the server keeps. */
function withKeyFile(config: NodeConfig, file: string): NodeConfig {
  const abs = path.resolve(file);
  try {
    fs.accessSync(abs, fs.constants.R_OK);
  } catch (err) {
    throw new AgentError('NO_KEY', `--key-file ${abs}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, ExitCode.CONFIG);
  }
  return { ...config, encryption: true, encryption_key_file: abs };
}

// main() always ends in exitWhenWritten; the event loop running dry first means
// some await can never complete, which must not pass for success (exit 0).
let settled = false;
process.on('beforeExit', () => {
  if (settled) return;
  settled = true;
  process.stderr.write('cpsbackup: internal error: the work stopped before it finished (nothing left to wait for)\n');
  exitWhenWritten(ExitCode.FAILED);
});

/** A failure as the CLI reports it: a code, the line on stderr, and the exit code. */
function failureOf(err: unknown): { code: string; message: string; exit: ExitCode } {
  if (err instanceof ConfigError) return { code: 'CONFIG', message: `configuration error: ${err.message}`, exit: ExitCode.CONFIG };
  if (err instanceof AgentError) return { code: err.code, message: err.message, exit: err.exitCode };
  if (isFormatError(err)) {
    // Stored or sent bytes that break the format: damage to report, not a crash (where it is met, it is said with more context).
    return {
      code: 'UNREADABLE_DATA',
      message: `unreadable data: ${err.message}; a stored backup or what the server sent is damaged: run cpsbackup --verify, or restore another backup (cpsbackup -l lists them)`,
      exit: ExitCode.FAILED,
    };
  }
  return { code: 'UNEXPECTED', message: `unexpected failure: ${(err as Error).stack ?? String(err)}`, exit: ExitCode.FAILED };
}

main().then(
  (code) => {
    settled = true;
    exitWhenWritten(code);
  },
  (err: unknown) => {
    settled = true;
    const f = failureOf(err);
    // A message may carry the server's or a node's text (a reason naming a path): no escape sequence reaches the terminal; its own line breaks stay.
    process.stderr.write(`cpsbackup: ${f.message.split('\n').map(untrustedText).join('\n')}\n`);
    // A program reading --json gets the failure on stdout as well, as one JSON object (restic's form), not an empty stdout.
    if (jsonOutput) process.stdout.write(JSON.stringify({ message_type: 'error', error: { code: f.code, message: f.message }, exit_code: f.exit }) + '\n');
    exitWhenWritten(f.exit);
  },
);
