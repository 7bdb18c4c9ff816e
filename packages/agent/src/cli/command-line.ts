/** The cpsbackup command line as data: parsed by options.ts, answered by its completion, made into cpsbackup(8). */
import type { CommandLineSpec } from '@cpsbackup/config';
import { ExitCode } from '../errors';
import { AGENT_VERSION } from '../version';

/** What each exit code means (the help's epilogue and the man page's EXIT STATUS). */
export const EXIT_STATUS: readonly { code: ExitCode; meaning: string }[] = [
  { code: ExitCode.OK, meaning: 'success' },
  { code: ExitCode.FAILED, meaning: 'failed (the message says why)' },
  { code: ExitCode.CONFIG, meaning: 'configuration or usage error' },
  { code: ExitCode.AUTH, meaning: 'refused by the server (certificate, client name) or TLS failure' },
  { code: ExitCode.UNREACHABLE, meaning: 'server unreachable' },
  { code: ExitCode.WARNINGS, meaning: 'finished with warnings (the backup is complete; see them with -s)' },
  { code: ExitCode.NOT_FOUND, meaning: 'no such backup, or one that cannot be used for that (error, creating)' },
  { code: ExitCode.BUSY, meaning: 'busy: another backup of this node is running, or the server is full' },
  { code: ExitCode.POLICY, meaning: "refused by the server's policy: a quota is reached, client_can_* forbids it, or its server_script_pre said no" },
  { code: ExitCode.PARTIAL, meaning: 'the backup was stored but is partial (an include could not be read): it does not count as a good backup' },
  { code: ExitCode.INTERRUPTED, meaning: 'interrupted by SIGINT (Ctrl-C): a backup abandoned (nothing committed), a restore stopped (completed files kept)' },
  { code: ExitCode.STDOUT_CLOSED, meaning: 'interrupted: its stdout was closed (EPIPE: the reader of the pipe went away, as with | head -1): as for SIGINT' },
  { code: ExitCode.TERMINATED, meaning: 'interrupted by SIGTERM: as for SIGINT' },
];

/** The options, in the shape yargs takes (`as const`: yargs infers the parsed arguments' types from it). */
export const AGENT_OPTIONS = {
  url: { type: 'string', arg: 'URL', default: 'http://127.0.0.1:4201', describe: "with status: cpsbackupd's status port" },
  token: { type: 'string', arg: 'TOKEN', describe: "with status: the status port's token (status_token; or $CPSBACKUP_STATUS_TOKEN)" },
  export: { alias: 'e', type: 'boolean', describe: 'back up this node now' },
  import: { alias: 'i', type: 'string', arg: 'NUMBER', describe: 'restore the latest backup, or the given number' },
  list: { alias: 'l', type: 'boolean', describe: "list this node's backups" },
  show: { alias: 's', type: 'string', arg: 'NUMBER', describe: "show a backup's files and stats" },
  diff: {
    type: 'string',
    array: true,
    arg: 'A [B]',
    describe:
      'what changed between two backups: --diff A B, or --diff A (against the latest); + added, - removed, M content modified, U metadata only (mode, owner, mtime, xattrs), T type changed',
  },
  delete: { alias: 'd', type: 'string', arg: 'NUMBER', describe: 'delete a backup' },
  label: { type: 'string', arg: 'NUMBER', describe: "set a backup's --name and --description" },
  verify: { type: 'string', arg: 'NUMBER', describe: "have the server re-read and check this node's backups (all, or the given number)" },
  enrol: { type: 'boolean', describe: "get this node's certificate signed by the server, once, with --password" },
  'init-key': {
    type: 'boolean',
    describe:
      "this node's master key for encryption: on a new node, makes it; on a rebuilt node (key file gone), writes it back from the copy the server keeps, with the passphrase; " +
      'with a key file, keeps it. Stores a copy wrapped by the passphrase (encryption_password, $CPSBACKUP_PASSPHRASE, or asked on a terminal) on the server: ' +
      'run again to change the passphrase. Never replaces a key that backups were made with, or one the server keeps a copy of (see --change-key)',
  },
  'change-key': {
    type: 'boolean',
    describe:
      'give this node a new master key (a key believed stolen, or lost with no copy left); refused while backups made with other keys remain, ' +
      'unless --delete-old-backups or --keep-old-backups says what becomes of them',
  },
  'delete-old-backups': { type: 'boolean', describe: "with --change-key: delete this node's backups made with other keys (client_can_delete)" },
  'keep-old-backups': {
    type: 'string',
    arg: 'FILE',
    describe: 'with --change-key: keep them, and write the key they were made with to this new file (read them with -i N --key-file FILE)',
  },
  'use-key-file': {
    type: 'boolean',
    describe:
      "with --change-key: make the key encryption_key_file holds this node's key, instead of a new one (a key file that is not the key the server keeps a copy of, which --init-key refuses)",
  },
  'key-file': {
    type: 'string',
    arg: 'FILE',
    describe: 'with -i, -s, --diff: read with the master key in this file instead of encryption_key_file (backups kept by --change-key --keep-old-backups)',
  },
  password: { type: 'string', arg: 'PASSWORD', describe: 'with --enrol: the one-time password (default: password in node.conf)' },
  daemon: { type: 'boolean', describe: 'run as the agent daemon: scheduled backups (backup_interval, backup_window in node.conf)' },
  config: {
    alias: 'c',
    type: 'string',
    requiresArg: true,
    arg: 'FILE',
    default: '/etc/cpsbackup/node.conf',
    describe: 'node configuration file ($CPSBACKUP_CONFIG)',
  },
  client: {
    alias: 'C',
    type: 'string',
    arg: 'CLIENT',
    describe:
      "with -l, -s, --diff, -i: another client's backups (its file on the server must name this node in restore_client), e.g. to restore a dead node's data here",
  },
  to: { type: 'string', arg: 'DIR', describe: 'restore into this directory instead of the original paths' },
  prefix: {
    type: 'string',
    arg: 'PATH',
    array: true,
    describe: 'restore only these paths (and what is below them), written as -s prints them (ls -b escapes: \\ for \\, \\ooo for a byte)',
  },
  regex: {
    type: 'string',
    arg: 'RE',
    describe: 'restore only paths matching this regular expression (RE2 syntax, run by the server: only what matches is sent)',
  },
  overwrite: { type: 'boolean', default: false, describe: 'replace existing files when restoring' },
  devices: {
    type: 'boolean',
    default: true,
    describe: 'with -i as root: make device nodes as backed up; --no-devices leaves them out (each reported)',
  },
  'onto-devices': {
    type: 'boolean',
    default: false,
    describe:
      'with -i: write a block device backed up with its content (read_blockdev) onto the block device found where it is restored, unless that one is mounted or in use or smaller (by default: a regular file of that name holding the content)',
  },
  setuid: {
    type: 'boolean',
    default: true,
    describe: 'with -i: keep setuid/setgid bits and file capabilities; --no-setuid restores files without them',
  },
  'fifo-as-fifo': {
    type: 'boolean',
    default: false,
    describe:
      'make a FIFO whose content was backed up as a FIFO, without its content (by default it comes back as a regular file of that name holding the content; the dumps of storage.conf always do)',
  },
  'fifo-as-file': { type: 'boolean', default: false, describe: "the default: a FIFO's backed-up content as a regular file (kept for compatibility)" },
  'dry-run': {
    alias: 'n',
    type: 'boolean',
    default: false,
    describe:
      "with -e: print what a backup now would hold (files, directories, bytes) and what is new or changed since the last backup; back nothing up, read no file's content, run no dump job or script",
  },
  verbose: { alias: 'v', type: 'boolean', default: false, describe: 'with -e --dry-run: also each path, with new, changed or unchanged' },
  full: { type: 'boolean', default: false, describe: 'read every file again instead of trusting unchanged metadata' },
  name: { type: 'string', arg: 'NAME', describe: 'name for the new backup' },
  description: { type: 'string', arg: 'TEXT', describe: 'description for the new backup' },
  'load-dumps': {
    // No default: whether it was given decides (see runRestoreJob).
    type: 'boolean',
    describe:
      "after -i, load the restored dumps into this node's databases with their restore commands (storage.conf), then delete them. " +
      'Default: yes when restoring to the original paths, no with --to another directory (the output says where the dumps are and how to load them); ' +
      '--no-load-dumps keeps the files',
  },
  json: { type: 'boolean', default: false, describe: 'machine-readable output (a failure too: {"message_type":"error",...})' },
  'json-progress': {
    type: 'boolean',
    default: false,
    describe: 'with -e, -i: JSON lines on stdout, a {"message_type":"status"} one a second, then the summary (implies --json)',
  },
} as const;

/** cpsbackup's command line: its man page and completion are made from this. */
export const AGENT_COMMAND_LINE: CommandLineSpec = {
  name: 'cpsbackup',
  section: 8,
  version: AGENT_VERSION,
  summary: 'back up this node to cpsbackupd, restore, list, show and delete its backups',
  synopsis: [
    '-e [--name NAME] [--description TEXT] [--json | --json-progress] [-c FILE]',
    '-e --dry-run [-v] [--json]',
    '-i [NUMBER] [--to DIR] [--prefix PATH ...] [--regex RE] [-C CLIENT] [options]',
    '-l | -s NUMBER | --diff A [B] | -d NUMBER | --label NUMBER | --verify [NUMBER]',
    '--enrol [--password PASSWORD] | --init-key | --change-key | --daemon',
    'status [--url URL] [--token TOKEN]',
    'completion',
  ],
  description: [
    'cpsbackup is the node side of cpsbackup: it backs up the paths node.conf includes to the cpsbackupd server named there, over TLS with the client certificate of this node, ' +
      "and restores, lists, shows and deletes this node's backups. Its options are those of the Canopsis cpsbackup tool: exactly one action (-e, -i, -l, -s, --diff, -d, --label, --verify, " +
      '--enrol, --init-key, --change-key, --daemon) is given.',
    'With --daemon it stays running and backs up on the schedule of node.conf (backup_interval, backup_window), retrying after a server outage with a random share of the delay.',
  ],
  options: AGENT_OPTIONS,
  commands: [{ name: 'status', describe: "show cpsbackupd's status port as a table (run on the server)" }],
  exitStatus: EXIT_STATUS,
  environment: [
    { name: 'CPSBACKUP_CONFIG', describe: 'the node configuration file when -c is not given' },
    { name: 'CPSBACKUP_STATUS_TOKEN', describe: "with status: the status port's token when --token is not given" },
    { name: 'CPSBACKUP_PASSPHRASE', describe: 'the passphrase of the master key when node.conf has no encryption_password' },
  ],
  files: [
    { path: '/etc/cpsbackup/node.conf', describe: 'the node configuration: server, certificates, includes, schedule' },
    { path: '/etc/cpsbackup/storage.conf', describe: 'the databases this node dumps before a backup and loads after a restore' },
    { path: '/run/cpsbackup/', describe: 'lock files: one backup at a time per node configuration' },
  ],
  seeAlso: ['cpsbackupd(8)', 'check_cpsbackup(8)'],
};
