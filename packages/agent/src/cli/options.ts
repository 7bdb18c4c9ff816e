import yargs from 'yargs';
import { LIMITS } from '@cpsbackup/protocol';
import { AgentError, ExitCode } from '../errors';
import { AGENT_VERSION } from '../version';

const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  failed (the message says why)
  2  configuration or usage error
  3  refused by the server (certificate, client name) or TLS failure
  4  server unreachable
  5  finished with warnings (the backup is complete; see them with -s)
  6  no such backup, or one that cannot be used for that (error, creating)
  7  busy: another backup of this node is running, or the server is full
  8  refused by the server's policy: a quota is reached, client_can_* forbids it, or its server_script_pre said no
  9  the backup was stored but is partial (an include could not be read): it does not count as a good backup
  130, 143  interrupted by SIGINT (Ctrl-C), SIGTERM: a backup abandoned (nothing committed), a restore stopped (completed files kept)`;

/** The actions; exactly one is given (status is a command of its own). */
const ACTIONS = ['export', 'import', 'list', 'show', 'delete', 'label', 'daemon', 'enrol', 'verify', 'init-key', 'change-key'] as const;
/** One of ACTIONS. */
export type Action = (typeof ACTIONS)[number];

/** The command line, option-compatible with the Canopsis cpsbackup tool: -e, -i, -l, -s, -d, -h. */
export function parseArgs(args: string[]) {
  return yargs(args)
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
    .option('init-key', {
      type: 'boolean',
      describe:
        "this node's master key for encryption: on a new node, makes it; on a rebuilt node (key file gone), writes it back from the copy the server keeps, with the passphrase; " +
        'with a key file, keeps it. Stores a copy wrapped by the passphrase (encryption_password, $CPSBACKUP_PASSPHRASE, or asked on a terminal) on the server: ' +
        'run again to change the passphrase. Never replaces a key that backups were made with, or one the server keeps a copy of (see --change-key)',
    })
    .option('change-key', {
      type: 'boolean',
      describe:
        'give this node a new master key (a key believed stolen, or lost with no copy left); refused while backups made with other keys remain, ' +
        'unless --delete-old-backups or --keep-old-backups says what becomes of them',
    })
    .option('delete-old-backups', { type: 'boolean', describe: "with --change-key: delete this node's backups made with other keys (client_can_delete)" })
    .option('keep-old-backups', {
      type: 'string',
      describe: 'with --change-key: keep them, and write the key they were made with to this new file (read them with -i N --key-file FILE)',
    })
    .option('use-key-file', {
      type: 'boolean',
      describe:
        "with --change-key: make the key encryption_key_file holds this node's key, instead of a new one (a key file that is not the key the server keeps a copy of, which --init-key refuses)",
    })
    .option('key-file', {
      type: 'string',
      describe: 'with -i, -s: read with the master key in this file instead of encryption_key_file (backups kept by --change-key --keep-old-backups)',
    })
    .option('password', { type: 'string', describe: 'with --enrol: the one-time password (default: password in node.conf)' })
    .option('daemon', { type: 'boolean', describe: 'run as the agent daemon: scheduled backups (backup_interval, backup_window in node.conf)' })
    .option('config', {
      alias: 'c',
      type: 'string',
      default: process.env.CPSBACKUP_CONFIG ?? '/etc/cpsbackup/node.conf',
      describe: 'node configuration file ($CPSBACKUP_CONFIG)',
    })
    .option('client', {
      alias: 'C',
      type: 'string',
      describe:
        "with -l, -s, -i: another client's backups (its file on the server must name this node in restore_client), e.g. to restore a dead node's data here",
    })
    .option('to', { type: 'string', describe: 'restore into this directory instead of the original paths' })
    .option('prefix', {
      type: 'string',
      array: true,
      describe: 'restore only these paths (and what is below them), written as -s prints them (ls -b escapes: \\ for \\, \\ooo for a byte)',
    })
    .option('regex', {
      type: 'string',
      describe: 'restore only paths matching this regular expression (RE2 syntax, run by the server: only what matches is sent)',
    })
    .option('overwrite', { type: 'boolean', default: false, describe: 'replace existing files when restoring' })
    .option('devices', {
      type: 'boolean',
      default: true,
      describe: 'with -i as root: make device nodes as backed up; --no-devices leaves them out (each reported)',
    })
    .option('onto-devices', {
      type: 'boolean',
      default: false,
      describe:
        'with -i: write a block device backed up with its content (read_blockdev) onto the block device found where it is restored, unless that one is mounted or in use or smaller (by default: a regular file of that name holding the content)',
    })
    .option('setuid', {
      type: 'boolean',
      default: true,
      describe: 'with -i: keep setuid/setgid bits and file capabilities; --no-setuid restores files without them',
    })
    .option('fifo-as-fifo', {
      type: 'boolean',
      default: false,
      describe:
        'make a FIFO whose content was backed up as a FIFO, without its content (by default it comes back as a regular file of that name holding the content; the dumps of storage.conf always do)',
    })
    .option('fifo-as-file', { type: 'boolean', default: false, describe: "the default: a FIFO's backed-up content as a regular file (kept for compatibility)" })
    .option('full', { type: 'boolean', default: false, describe: 'read every file again instead of trusting unchanged metadata' })
    .option('name', { type: 'string', describe: 'name for the new backup' })
    .option('description', { type: 'string', describe: 'description for the new backup' })
    .option('load-dumps', {
      // No default: whether it was given decides (see runRestoreJob).
      type: 'boolean',
      describe:
        "after -i, load the restored dumps into this node's databases with their restore commands (storage.conf), then delete them. " +
        'Default: yes when restoring to the original paths, no with --to another directory (the output says where the dumps are and how to load them); ' +
        '--no-load-dumps keeps the files',
    })
    .option('json', { type: 'boolean', default: false, describe: 'machine-readable output (a failure too: {"message_type":"error",...})' })
    .option('json-progress', {
      type: 'boolean',
      default: false,
      describe: 'with -e, -i: JSON lines on stdout, a {"message_type":"status"} one a second, then the summary (implies --json)',
    })
    .check((a) => {
      if (a._[0] === 'status' || a._[0] === 'completion') return true;
      const actions = ACTIONS.filter((k) => a[k] !== undefined && a[k] !== false);
      if (actions.length !== 1) throw new Error('give exactly one of -e, -i, -l, -s, -d, --label');
      if (a.client !== undefined && !['import', 'list', 'show'].includes(actions[0]!)) throw new Error('--client (-C) goes with -l, -s or -i only');
      if (a['key-file'] !== undefined && !['import', 'show'].includes(actions[0]!)) throw new Error('--key-file goes with -i or -s only');
      if ((a['delete-old-backups'] || a['keep-old-backups'] !== undefined) && actions[0] !== 'change-key') {
        throw new Error('--delete-old-backups and --keep-old-backups go with --change-key only');
      }
      if (a['use-key-file'] && actions[0] !== 'change-key') throw new Error('--use-key-file goes with --change-key only');
      if (a['delete-old-backups'] && a['keep-old-backups'] !== undefined) throw new Error('give --delete-old-backups or --keep-old-backups, not both');
      if (a['keep-old-backups'] === '') throw new Error('--keep-old-backups needs the file to write the key to');
      if (a['key-file'] === '') throw new Error('--key-file needs a file');
      if (a.to === '') throw new Error('--to needs the directory to restore into (--to / for the original paths)');
      if (a['fifo-as-fifo'] && a['fifo-as-file']) throw new Error('give one of --fifo-as-fifo and --fifo-as-file');
      if (a['onto-devices'] && actions[0] !== 'import') throw new Error('--onto-devices goes with -i only');
      if (a['json-progress'] && !['export', 'import'].includes(actions[0]!)) throw new Error('--json-progress goes with -e or -i only');
      // The server refuses longer ones; say so before connecting.
      if (typeof a.name === 'string' && a.name.length > LIMITS.backupNameChars) {
        throw new Error(`--name is ${a.name.length} characters; at most ${LIMITS.backupNameChars}`);
      }
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
    .completion('completion', 'print a bash/zsh completion script (cpsbackup completion >> ~/.bashrc)')
    .strict()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      throw new AgentError('USAGE', msg || err?.message || 'invalid arguments', ExitCode.CONFIG);
    })
    .parse();
}

/** The parsed command line. */
export type CliArgs = Awaited<ReturnType<typeof parseArgs>>;

/** The action the command line asks for (parseArgs made sure there is exactly one). */
export function actionOf(argv: CliArgs): Action {
  return ACTIONS.find((k) => argv[k] !== undefined && argv[k] !== false)!;
}

/** A backup number given on the command line (empty: 0, the latest). */
export function parseNumber(v: unknown, what: string): number {
  const s = String(v ?? '').trim();
  if (s === '') return 0;
  if (!/^\d+$/.test(s)) throw new AgentError('USAGE', `${what} must be a backup number, got ${JSON.stringify(s)}`, ExitCode.CONFIG);
  return Number(s);
}
