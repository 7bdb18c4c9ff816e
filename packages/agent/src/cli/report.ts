import { untrustedText } from '@cpsbackup/config';
import { type ExitCode } from '../errors';

/**
 * What an action hands back to be printed: every line the CLI writes goes
 * through `emit`, so each action's text and JSON forms sit side by side
 * and the exit code is decided with them.
 */
export interface Report {
  /** Lines for a person, on stdout. */
  text: string[];
  /** The same for a program (--json), on stdout; undefined: nothing. */
  json?: unknown;
  /** Lines on stderr, prefixed "cpsbackup: " (a failure, a partial backup, a dump that failed to load). */
  errors?: string[];
  exit: ExitCode;
}

/**
 * Prints a report (JSON or text on stdout, errors on stderr); returns its
 * exit code. `stream`: the JSON ends a --json-progress stream, as its
 * {"message_type":"summary"} line.
 */
export function emit(report: Report, { json, stream = false }: { json: boolean; stream?: boolean }): ExitCode {
  if (json) {
    const out = stream && report.json !== undefined ? { message_type: 'summary', ...(report.json as object) } : report.json;
    if (out !== undefined) process.stdout.write(JSON.stringify(out) + '\n');
  } else {
    for (const line of report.text) process.stdout.write(shown(line) + '\n');
  }
  for (const line of report.errors ?? []) process.stderr.write(`cpsbackup: ${shown(line)}\n`);
  return report.exit;
}

/** A line for a person: what came from the server or a node (a reason naming a path, a name) cannot send escape sequences to the terminal. */
function shown(line: string): string {
  return line.split('\n').map(untrustedText).join('\n');
}
