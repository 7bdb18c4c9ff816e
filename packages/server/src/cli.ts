#!/usr/bin/env node
/** cpsbackupd: the backup server daemon. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { COMPLETION_COMMAND, completionRequest, completions, ConfigError, loadServerConfig, type ServerConfig } from '@cpsbackup/config';
import { SERVER_COMMAND_LINE, SERVER_COMMANDS, SERVER_OPTIONS, ServerExit } from './command-line';
import { isStoreError, repairCatalog, type RepairReport, type RepairSource } from '@cpsbackup/store';
import { runAdminCommand } from './admin-commands';
import { ClientRegistry } from './client-registry';
import { configFileProblems } from './config-check';
import { makeRecordsKey } from './records-key';
import { backendFor, recordsKeyFile, unwritableKeyMessage } from './storage';
import { createLogger } from '@cpsbackup/log';
import { exitWhenWritten } from '@cpsbackup/log/exit';
import { revokeCertificateFile, revokeEnrolled } from './revocation';
import { BackupServer } from './server';
import { endRunningScripts } from '@cpsbackup/hooks';
import { SERVER_VERSION } from './version';

async function main(): Promise<number> {
  // Whatever cpsbackupd writes (packs of plain file content, the catalog, SQLite's -wal and -shm, records, sockets)
  // is for its own user alone, whatever umask it was started with; files are also created with explicit modes.
  process.umask(0o077);
  const args = hideBin(process.argv);
  // The completion script's question (cpsbackupd --get-yargs-completions cpsbackupd WORD...), answered from the option definitions.
  const words = completionRequest(args);
  if (words) {
    process.stdout.write(completions(SERVER_COMMAND_LINE, words).join('\n') + '\n');
    return ServerExit.OK;
  }
  let usageError: string | undefined;
  const parser = yargs(args)
    .scriptName('cpsbackupd')
    .usage(
      '$0 [-c server.conf]\n$0 verify | gc | prune [--dry-run] [--json]\n$0 rebuild-catalog\n$0 --make-records-key [--group NAME]\n\nThe cpsbackup server: stores the backups of the nodes that present a valid client certificate.',
    )
    .options(SERVER_OPTIONS)
    .version(SERVER_VERSION)
    .help('help')
    .alias('help', 'h')
    .command(COMPLETION_COMMAND, 'print a bash completion script (cpsbackupd completion > /etc/bash_completion.d/cpsbackupd)')
    .strict()
    // A usage error is said with the usage, and exits 2 like the agent's (yargs alone exits 1).
    .exitProcess(false)
    .fail((msg, err) => {
      usageError = msg || err?.message || 'invalid arguments';
    });
  for (const c of SERVER_COMMANDS) parser.command(c.name, c.describe);
  const argv = await parser.parse();
  const command = String(argv._[0] ?? '');
  if (!usageError && argv._.length > 1) usageError = `one command at a time, not ${argv._.join(' ')}`;
  if (usageError) {
    parser.showHelp((usage) => process.stderr.write(`${usage}\n\ncpsbackupd: ${usageError}\n`));
    return ServerExit.USAGE;
  }
  // --help, --version: yargs printed them.
  if (argv.help || argv.version) return ServerExit.OK;
  if (command === COMPLETION_COMMAND) {
    parser.showCompletionScript();
    return ServerExit.OK;
  }

  let config;
  try {
    config = loadServerConfig(argv.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`cpsbackupd: configuration error: ${err.message}\n`);
      return ServerExit.USAGE;
    }
    throw err;
  }
  if (argv.check) {
    // The client files are read by the daemon's own registry: --check finds what the daemon would refuse, no more, no less.
    const clients = new ClientRegistry(config.clientconfdir);
    const clientProblems = clients.reload();
    for (const w of [...config.warnings, ...clients.warnings]) process.stderr.write(`cpsbackupd: warning: ${w}\n`);
    const problems = [...configFileProblems(config), ...clientProblems];
    for (const p of problems) process.stderr.write(`cpsbackupd: configuration error: ${p}\n`);
    if (problems.length) return ServerExit.USAGE;
    process.stdout.write(`${config.configFile}: OK\n`);
    return ServerExit.OK;
  }
  if (argv['make-records-key']) return makeKey(config, argv.group);
  if (argv['dry-run'] && command !== 'prune') {
    process.stderr.write('cpsbackupd: --dry-run goes with prune only (cpsbackupd prune --dry-run)\n');
    return ServerExit.USAGE;
  }
  if (argv.verify || command === 'verify') return runAdminCommand(config, 'verify', argv.json);
  if (command === 'prune' && argv['dry-run']) return runAdminCommand(config, 'prune-dry-run', argv.json);
  if (command === 'gc' || command === 'prune') return runAdminCommand(config, command, argv.json);
  if (command === 'rebuild-catalog') return repairOffline(config, 'storage');
  if (argv['repair-catalog']) return repairOffline(config);
  if (argv.revoke !== undefined || argv['revoke-cert'] !== undefined) return revoke(config.directory, argv.revoke, argv['revoke-cert']);
  const log = createLogger(config.log_level, 'cpsbackupd');
  // Signals that arrive while the server starts (it says "listening" before
  // start() returns) are held and handled once it runs: SIGHUP's default
  // action would otherwise kill a daemon an init script reloads right away.
  const early: NodeJS.Signals[] = [];
  const hold = (signal: NodeJS.Signals) => early.push(signal);
  const held: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'];
  for (const signal of held) process.on(signal, hold);
  let server: BackupServer;
  try {
    server = await BackupServer.start(config, log);
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'cannot start');
    process.stderr.write(`cpsbackupd: cannot start: ${(err as Error).message}\n`);
    return 1;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      // Handled once; a repeated signal while the sessions finish is only logged. The handlers stay registered
      // (process.on, not once): the script runner passes a signal on only when nobody else handles it.
      if (stopping) return void log.info({ signal }, 'signal received while shutting down: already stopping');
      stopping = true;
      log.info({ signal }, 'signal received');
      // A server script still running when the sessions are done (or cut at shutdown_grace) is ended with us.
      const done = (code: number) => {
        endRunningScripts();
        resolve(code);
      };
      server.shutdown(config.shutdown_grace * 1000).then(
        () => done(0),
        (err: Error) => {
          log.error({ err: err.message }, 'unclean shutdown');
          done(1);
        },
      );
    };
    const handlers: Record<string, () => void> = {
      SIGTERM: () => stop('SIGTERM'),
      SIGINT: () => stop('SIGINT'),
      SIGHUP: () => server.reload(),
      SIGUSR2: () => void server.pruneAll().catch((err: Error) => log.error({ err: err.message }, 'prune failed')),
      SIGUSR1: () => void server.verifyAll(),
    };
    process.on('SIGTERM', handlers.SIGTERM!);
    process.on('SIGINT', handlers.SIGINT!);
    for (const signal of ['SIGHUP', 'SIGUSR1', 'SIGUSR2']) process.on(signal, handlers[signal]!);
    for (const signal of held) process.off(signal, hold);
    for (const signal of new Set(early)) handlers[signal]!();
  });
}

/** `cpsbackupd --revoke NAME` / `--revoke-cert FILE`: works with the daemon running (it reads the list at each connection). */
function revoke(directory: string, name: string | undefined, pemFile: string | undefined): number {
  try {
    if (name !== undefined) {
      const fp = revokeEnrolled(directory, name);
      process.stdout.write(
        `revoked the certificate client ${name} enrolled with (SHA-256 ${fp}); it is refused from the next connection, and ${name} may enrol again with the password in its client file\n`,
      );
    }
    if (pemFile !== undefined) {
      const r = revokeCertificateFile(directory, pemFile);
      process.stdout.write(`revoked the certificate of ${r.cn} (SHA-256 ${r.fingerprint}); it is refused from the next connection\n`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`cpsbackupd: ${(err as Error).message}\n`);
    return 1;
  }
}

/** `cpsbackupd --make-records-key`: the records key made where server.conf says (records-key.ts), or why not. */
async function makeKey(config: ServerConfig, group: string | undefined): Promise<number> {
  try {
    const k = await makeRecordsKey(config, group);
    process.stdout.write(
      `made the records key ${k.file} (${k.owner}, mode ${k.mode.toString(8).padStart(4, '0')}): back it up with server.conf and the TLS keys\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`cpsbackupd: no records key made: ${(err as Error).message}\n`);
    return 1;
  }
}

/**
 * `cpsbackupd --repair-catalog` (from what the damaged catalog still holds)
 * and `cpsbackupd rebuild-catalog` (from the storage alone): rebuilds the
 * catalog with the daemon stopped, then says what it found.
 */
async function repairOffline(config: ServerConfig, from: RepairSource = 'catalog'): Promise<number> {
  const directory = config.directory;
  let r: RepairReport;
  try {
    r = await repairCatalog(directory, from, backendFor(config).backend, recordsKeyFile(config), { leaseMs: config.storage_lease * 1000 });
  } catch (err) {
    const message = isStoreError(err, 'RECORDS_KEY_UNWRITABLE') ? unwritableKeyMessage(config, err) : (err as Error).message;
    process.stderr.write(`cpsbackupd: ${from === 'catalog' ? 'repair' : 'rebuild'} failed: ${message}\n`);
    return 1;
  }
  const out = (line: string) => process.stdout.write(line + '\n');
  if (r.savedAs) out(`the ${from === 'catalog' ? 'damaged' : 'previous'} catalog was kept as ${r.savedAs}`);
  if (from === 'storage') out(`clients and backups read from the backup records in ${r.recordsAt}`);
  out(`rebuilt: ${r.clients} clients, ${r.backups.available} available and ${r.backups.error} failed backups, ${r.chunks} chunks in ${r.packs} packs`);
  if (r.lostRows) out(`${r.lostRows} ${from === 'catalog' ? 'rows of the old catalog' : 'backup records'} could not be read`);
  if (r.badRecords) out(`${r.badRecords} damaged records at the end of packs were not indexed`);
  for (const u of r.unreadableBackups) out(`UNREADABLE ${u}`);
  for (const d of r.disagreements) out(`DISAGREED ${d}`);
  for (const f of r.refusedRecords) out(`REFUSED record ${f}: not used`);
  for (const u of r.unrecoveredBackups) {
    out(
      u.endsWith('(its record is missing)')
        ? `UNRECOVERED ${u}: its client's record lists it; the next start forgets it and GC then reclaims its data, unless, before starting cpsbackupd, a sound copy of its record is put back (from a copy of the storage) and this is run again`
        : `UNRECOVERED ${u}: its client's record lists it but its own record was refused; it stays listed and GC deletes nothing until it is seen to: ` +
            'before starting cpsbackupd, put back a sound copy of its record (from a copy of the storage) and run this again; or, to give it up, delete that record object: the next start then forgets it',
    );
  }
  for (const k of r.recordsKeptInPlace) {
    out(
      `KEPT record ${k}: refused but not known to be stale, so left where it is; the start reports it and GC deletes nothing until it is seen to: ` +
        'before starting cpsbackupd, put back a sound copy (from a copy of the storage) and run this again, or delete it to give up what it names',
    );
  }
  out(
    `backup records written again from the rebuilt catalog: ${r.recordsWritten}${r.recordsRejected ? `; ${r.recordsRejected} set aside under ${r.recordsAt.replace(/\/?$/, '/')}rejected/` : ''}`,
  );
  out(`now run cpsbackupd -c ${config.configFile} verify to check every backup's files`);
  return r.unreadableBackups.length || r.lostRows || r.refusedRecords.length || r.unrecoveredBackups.length || r.recordsKeptInPlace.length ? 1 : 0;
}

// Ends once the output is written: a report on a pipe is never cut off (see exitWhenWritten).
main().then(
  (code) => exitWhenWritten(code),
  (err: Error) => {
    process.stderr.write(`cpsbackupd: ${err.stack ?? err.message}\n`);
    exitWhenWritten(1);
  },
);
