/** The cpsbackupd command line as data: parsed by cli.ts, answered by its completion, made into cpsbackupd(8). */
import type { CommandLineSpec } from '@cpsbackup/config';
import { SERVER_VERSION } from './version';

/** cpsbackupd's exit codes. */
export const ServerExit = {
  OK: 0,
  /** The daemon could not start or stopped uncleanly, or a command found a problem (verify) or failed. */
  FAILED: 1,
  /** A configuration that does not load, or a command line that does not parse. */
  USAGE: 2,
} as const;

/** The commands (`cpsbackupd gc`). */
export const SERVER_COMMANDS = [
  { name: 'verify', describe: 'check every chunk and backup of the store; exit 0 if sound, 1 if not (asks the running daemon, or opens the stopped store)' },
  { name: 'gc', describe: 'reclaim the space of chunks no backup needs now (waits for running backups), and print what came back' },
  {
    name: 'prune',
    describe:
      "apply every client's retention now, then gc (what SIGUSR2 does), and print how many backups went and what gc reclaimed; with --dry-run, what retention would delete and why, deleting nothing",
  },
  {
    name: 'rebuild-catalog',
    describe: 'rebuild a lost catalog from the storage alone: packs and backup records (daemon stopped; a catalog still there is kept aside)',
  },
] as const;

/** The options, in the shape yargs takes (`as const`: yargs infers the parsed arguments' types from it). */
export const SERVER_OPTIONS = {
  json: { type: 'boolean', default: false, describe: 'with verify, gc, prune: the report as JSON' },
  'dry-run': {
    alias: 'n',
    type: 'boolean',
    default: false,
    describe: 'with prune: print per client which backups retention would delete and why, and which it keeps by which rule; delete nothing',
  },
  config: { alias: 'c', type: 'string', requiresArg: true, arg: 'FILE', default: '/etc/cpsbackup/server.conf', describe: 'server configuration file' },
  check: {
    type: 'boolean',
    default: false,
    describe: 'only check the configuration, and open the files the daemon reads (CA, certificate, key, records key) as it would, then exit',
  },
  verify: { type: 'boolean', default: false, describe: 'the same as the verify command' },
  revoke: {
    type: 'string',
    requiresArg: true,
    arg: 'NAME',
    describe: 'revoke the certificate client NAME enrolled with (it stops working at once) and let NAME enrol again',
  },
  'revoke-cert': { type: 'string', requiresArg: true, arg: 'FILE', describe: 'revoke a client certificate given as a PEM file (one made by make-certs)' },
  'repair-catalog': {
    type: 'boolean',
    default: false,
    describe: 'rebuild a damaged catalog from the packs and what the old one still holds (daemon stopped; the old file is kept)',
  },
  'make-records-key': {
    type: 'boolean',
    default: false,
    describe:
      "make the key that signs the backup records (server.conf's records_key), as root before the first start; never over a key, nor over records signed by another",
  },
  group: {
    type: 'string',
    requiresArg: true,
    arg: 'NAME',
    describe: 'with --make-records-key run as root: the group cpsbackupd runs as, which may read the key (default: the group owning the store directory)',
  },
} as const;

/** cpsbackupd's command line: its man page and completion are made from this. */
export const SERVER_COMMAND_LINE: CommandLineSpec = {
  name: 'cpsbackupd',
  section: 8,
  version: SERVER_VERSION,
  summary: 'the cpsbackup server: stores the backups of the nodes',
  synopsis: [
    '[-c FILE]',
    '[-c FILE] --check',
    '[-c FILE] verify | gc | prune [--dry-run] [--json]',
    '[-c FILE] rebuild-catalog | --repair-catalog',
    '[-c FILE] --revoke NAME | --revoke-cert FILE',
    '[-c FILE] --make-records-key [--group NAME]',
    'completion',
  ],
  description: [
    "cpsbackupd stores the backups of the nodes that present a valid client certificate: it listens on TLS (server.conf), keeps each client's backups by its file in the clients directory " +
      'and applies their retention. Without a command it runs as the daemon: SIGHUP reloads the configuration, SIGUSR1 verifies the store, SIGUSR2 prunes, SIGTERM stops once running backups end.',
    'The commands and --revoke work beside the running daemon; rebuild-catalog, --repair-catalog and --make-records-key want it stopped.',
  ],
  options: SERVER_OPTIONS,
  commands: SERVER_COMMANDS,
  exitStatus: [
    { code: ServerExit.OK, meaning: 'success; the daemon stopped cleanly' },
    { code: ServerExit.FAILED, meaning: 'failed: the daemon could not start, or a command failed or found a problem (the message says what)' },
    {
      code: ServerExit.USAGE,
      meaning: 'configuration or usage error: server.conf does not load or a file it names cannot be read, or an unknown option or command',
    },
  ],
  environment: [],
  files: [
    { path: '/etc/cpsbackup/server.conf', describe: 'the server configuration: listen address, store directory, TLS files, records key' },
    { path: '/etc/cpsbackup/clients/', describe: 'one file per client: its password, retention, quota, what it may do' },
  ],
  seeAlso: ['cpsbackup(8)', 'check_cpsbackup(8)'],
};
