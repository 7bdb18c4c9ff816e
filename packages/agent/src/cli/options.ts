import yargs from 'yargs';
import { COMPLETION_COMMAND } from '@cpsbackup/config';
import { LIMITS } from '@cpsbackup/protocol';
import { AgentError, ExitCode } from '../errors';
import { AGENT_VERSION } from '../version';
import { AGENT_OPTIONS, EXIT_STATUS } from './command-line';

const EXIT_CODES_HELP = `Exit codes:\n${EXIT_STATUS.map((e) => `  ${e.code}  ${e.meaning}`).join('\n')}`;

/** The actions; exactly one is given (status is a command of its own). */
const ACTIONS = ['export', 'import', 'list', 'show', 'delete', 'diff', 'label', 'daemon', 'enrol', 'verify', 'init-key', 'change-key'] as const;
/** One of ACTIONS. */
export type Action = (typeof ACTIONS)[number];

/** How an action is written on the command line: its letter where it has one (-e), else its long name (--diff). */
function actionFlag(action: Action): string {
  const alias = (AGENT_OPTIONS[action] as { alias?: string }).alias;
  return alias ? `-${alias}` : `--${action}`;
}

/** The command line, option-compatible with the Canopsis cpsbackup tool: -e, -i, -l, -s, -d, -h. */
export function parseArgs(args: string[]) {
  return (
    yargs(args)
      .scriptName('cpsbackup')
      .usage('$0 -e [-n] | -i [number] | -l | -s <number> | --diff <a> [b] | -d <number>  [options]\n$0 status [--url http://127.0.0.1:4201]')
      // $CPSBACKUP_CONFIG is read here, not in the definition: the man page shows the built-in default.
      .options({ ...AGENT_OPTIONS, config: { ...AGENT_OPTIONS.config, default: process.env.CPSBACKUP_CONFIG ?? AGENT_OPTIONS.config.default } })
      .check((a) => {
        if (a._[0] === 'status' || a._[0] === COMPLETION_COMMAND) return true;
        const actions = ACTIONS.filter((k) => a[k] !== undefined && a[k] !== false);
        if (actions.length !== 1) throw new Error(`give exactly one of ${ACTIONS.map(actionFlag).join(', ')}`);
        if (a.client !== undefined && !['import', 'list', 'show', 'diff'].includes(actions[0]!))
          throw new Error('--client (-C) goes with -l, -s, --diff or -i only');
        if (a['key-file'] !== undefined && !['import', 'show', 'diff'].includes(actions[0]!)) throw new Error('--key-file goes with -i, -s or --diff only');
        if ((a['delete-old-backups'] || a['keep-old-backups'] !== undefined) && actions[0] !== 'change-key') {
          throw new Error('--delete-old-backups and --keep-old-backups go with --change-key only');
        }
        if (a['use-key-file'] && actions[0] !== 'change-key') throw new Error('--use-key-file goes with --change-key only');
        if (a['delete-old-backups'] && a['keep-old-backups'] !== undefined) throw new Error('give --delete-old-backups or --keep-old-backups, not both');
        if (a['keep-old-backups'] === '') throw new Error('--keep-old-backups needs the file to write the key to');
        if (a['key-file'] === '') throw new Error('--key-file needs a file');
        if (a.to === '') throw new Error('--to needs the directory to restore into (--to / for the original paths)');
        if (a['fifo-as-fifo'] && a['fifo-as-file']) throw new Error('give one of --fifo-as-fifo and --fifo-as-file');
        if (a['dry-run'] && actions[0] !== 'export')
          throw new Error('--dry-run (-n) goes with -e only (for retention: cpsbackupd prune --dry-run on the server)');
        if (a.verbose && !a['dry-run']) throw new Error('--verbose (-v) goes with -e --dry-run only');
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
      .completion(COMPLETION_COMMAND, 'print a bash completion script (cpsbackup completion > /etc/bash_completion.d/cpsbackup)')
      .strict()
      .wrap(Math.min(110, process.stdout.columns || 100))
      .fail((msg, err) => {
        throw new AgentError('USAGE', msg || err?.message || 'invalid arguments', ExitCode.CONFIG);
      })
      .parse()
  );
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
