/** check_cpsbackup's command line as data: parsed by check-cpsbackup.ts, printed by its --help, made into check_cpsbackup(8). */
import type { CommandLineSpec, OptionSpec } from '@cpsbackup/config';
import { SERVER_VERSION } from './version';

/** The monitoring-plugins states, which are the plugin's exit codes. */
export const PLUGIN_STATES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

/** The options (node:util parseArgs reads `alias` as its `short`). */
export const CHECK_OPTIONS = {
  help: { type: 'boolean', alias: 'h', describe: 'print this help and exit (state UNKNOWN, 3)' },
  version: { type: 'boolean', alias: 'V', describe: 'print the version and exit (state UNKNOWN, 3)' },
  url: { type: 'string', alias: 'u', arg: 'URL', default: 'http://127.0.0.1:4201', describe: "cpsbackupd's status port (status_address in server.conf)" },
  client: { type: 'string', alias: 'C', arg: 'CLIENT', describe: 'grade this client only (default: every client)' },
  warning: {
    type: 'string',
    alias: 'w',
    arg: 'RANGE',
    describe: "WARNING when the age of the last success is outside RANGE (default: the client's expected_interval on the server)",
  },
  critical: {
    type: 'string',
    alias: 'c',
    arg: 'RANGE',
    describe: 'CRITICAL when it is outside RANGE (default: twice expected_interval, or the -w end if above)',
  },
  timeout: { type: 'string', alias: 't', arg: 'SECONDS', default: '10', describe: 'give up with UNKNOWN after this long' },
  token: { type: 'string', alias: 'T', arg: 'TOKEN', describe: "the status port's status_token (default: $CPSBACKUP_STATUS_TOKEN)" },
} as const satisfies Record<string, OptionSpec>;

const RANGES = [
  ['26h', 'alert when older than 26h (an age of exactly 26h is fine)'],
  ['1h:', 'alert when younger than 1h'],
  ['~:26h', 'alert when older than 26h'],
  ['1h:26h', 'alert when younger than 1h or older than 26h'],
  ['@1h:26h', 'alert when from 1h to 26h old (inclusive)'],
] as const;

/** check_cpsbackup's command line: its --help and man page are made from this. */
export const CHECK_COMMAND_LINE: CommandLineSpec = {
  name: 'check_cpsbackup',
  section: 8,
  version: SERVER_VERSION,
  summary: "Nagios/Icinga plugin: the age of each cpsbackup client's last successful backup",
  synopsis: ['[-u URL] [-C CLIENT] [-w RANGE] [-c RANGE] [-t SECONDS] [-T TOKEN]', '-h | -V'],
  description: [
    "Grades the age of each cpsbackup client's last successful backup, read from cpsbackupd's status port, per the monitoring-plugins guidelines.",
    'RANGE is a monitoring-plugins threshold range over the age; its endpoints are durations (90s, 15m, 26h, 7d; a bare number is seconds): ' +
      RANGES.map(([r, what]) => `${r}: ${what}`).join('; ') +
      '.',
    'A client that never had a successful backup is CRITICAL (one with enabled = 0 is OK, said disabled); one whose last attempt failed or stored only part of what it should, or with a backup that cannot be restored, is a WARNING at least. A store short of space is CRITICAL.',
    "The first line is short (the worst state, counts, a few names, summary perfdata); one line per client follows, then every client's age as perfdata. With -C the client's detail is the first line.",
  ],
  options: CHECK_OPTIONS,
  commands: [],
  exitStatus: PLUGIN_STATES.map((state, code) => ({ code, meaning: state })),
  files: [],
  environment: [{ name: 'CPSBACKUP_STATUS_TOKEN', describe: 'the status token when -T is not given (keeps it out of the process list)' }],
  seeAlso: ['cpsbackupd(8)', 'cpsbackup(8)'],
};

/** The --help text: the usage, each option of CHECK_OPTIONS, the ranges, examples. */
export function checkHelp(): string {
  const spec = CHECK_COMMAND_LINE;
  const usage = spec.synopsis.map((form, i) => `${i ? '      ' : 'Usage:'} ${spec.name} ${form}`).join('\n');
  const options = Object.entries(CHECK_OPTIONS).map(([name, o]) => {
    const tag = ` -${o.alias}, --${name}${'arg' in o ? ` ${o.arg}` : ''}`;
    const text = o.describe + ('default' in o ? ` (default ${o.default})` : '');
    const body = wrap(text, 78 - 22, ' '.repeat(22));
    return tag.length < 22 ? `${tag.padEnd(22)}${body}` : `${tag}\n${' '.repeat(22)}${body}`;
  });
  return `${spec.name} ${spec.version}
${wrap(spec.description[0]!)}

${usage}

Options:
${options.join('\n')}

RANGE is a monitoring-plugins threshold range over the age; its endpoints are
durations (90s, 15m, 26h, 7d; a bare number is seconds):
${RANGES.map(([r, what]) => `  ${r.padEnd(9)}${what}`).join('\n')}

${wrap(spec.description[2]!)}

Examples:
  check_cpsbackup -u http://backup1:4201 -T "$TOKEN"
  check_cpsbackup -C web1 -w 26h -c 2d
`;
}

/** `text` in lines of at most `width` characters, broken between words (a terminal's 80 columns), the lines after the first indented. */
function wrap(text: string, width = 78, indent = ''): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join(`\n${indent}`);
}

/** The usage lines alone (a usage error prints them). */
export function checkUsage(): string {
  return CHECK_COMMAND_LINE.synopsis.map((form, i) => `${i ? '      ' : 'Usage:'} ${CHECK_COMMAND_LINE.name} ${form}`).join('\n') + '\n';
}
