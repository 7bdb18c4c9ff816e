import { bytesText, type NodeConfig } from '@cpsbackup/config';
import { EntryType, type FileEntry } from '@cpsbackup/format';
import { runDiff } from '../../client/requests';
import { AgentError, ExitCode } from '../../errors';
import { escapeName } from '../../escaped-names';
import { type DiffChange, type DiffKind } from '../../reads/backup-diff';
import { formatNumber, summaryJson } from '../format';
import { type CliArgs, parseNumber } from '../options';
import { terminalPrompt } from '../passphrase-prompt';
import type { Report } from '../report';

/** Entries and the bytes of their content. */
interface Tally {
  entries: number;
  bytes: number;
}

const WORDS: Record<DiffKind, string> = { '+': 'added', '-': 'removed', M: 'modified', U: 'metadata only', T: 'type changed' };

/** The size an entry's content counts for (a directory's none). */
function contentBytes(e: FileEntry | undefined): number {
  return e && e.type !== EntryType.Directory ? e.size : 0;
}

/** A path as -s prints it, a directory's with a trailing slash (as restic diff). */
function pathText(c: DiffChange): string {
  const e = c.after ?? c.before!;
  return escapeName(c.path) + (e.type === EntryType.Directory ? '/' : '');
}

/**
 * `--diff A [B]`: what changed from backup A to backup B (default: the
 * latest), one line per path with restic diff's letters, then the counts
 * and bytes of each kind.
 */
export async function diff(config: NodeConfig, argv: CliArgs): Promise<Report> {
  const given = (argv.diff ?? []).map(String);
  if (given.length < 1 || given.length > 2) {
    throw new AgentError(
      'USAGE',
      `--diff takes one or two backup numbers (--diff A B, or --diff A for A against the latest), got ${given.length}`,
      ExitCode.CONFIG,
    );
  }
  const a = parseNumber(given[0], '--diff');
  if (a === 0) throw new AgentError('USAGE', '--diff needs the number of the first backup (cpsbackup -l lists them)', ExitCode.CONFIG);
  const b = parseNumber(given[1], '--diff');
  const tally: Record<DiffKind, Tally> = { '+': z(), '-': z(), M: z(), U: z(), T: z() };
  let modifiedBefore = 0;
  const lines: string[] = [];
  const changes: Array<Record<string, unknown>> = [];
  const { before, after } = await runDiff(
    config,
    a,
    b,
    argv.client ?? '',
    (c) => {
      tally[c.kind].entries++;
      tally[c.kind].bytes += contentBytes(c.after ?? c.before);
      if (c.kind === 'M') modifiedBefore += contentBytes(c.before);
      lines.push(`${c.kind}    ${pathText(c)}`);
      if (argv.json) changes.push(changeJson(c));
    },
    terminalPrompt(),
  );
  const summary = {
    added: tally['+'],
    removed: tally['-'],
    modified: { entries: tally.M.entries, bytesBefore: modifiedBefore, bytesAfter: tally.M.bytes },
    metadataOnly: tally.U.entries,
    typeChanged: tally.T.entries,
  };
  const total = Object.values(tally).reduce((n, t) => n + t.entries, 0);
  const text = [
    ...lines,
    `Backup ${formatNumber(before.number)} -> ${formatNumber(after.number)}: ` +
      (total === 0
        ? 'no differences'
        : `${summary.added.entries} added (${bytesText(summary.added.bytes)}), ${summary.removed.entries} removed (${bytesText(summary.removed.bytes)}), ` +
          `${summary.modified.entries} modified (${bytesText(modifiedBefore)} -> ${bytesText(tally.M.bytes)}), ` +
          `${summary.metadataOnly} ${WORDS.U}, ${summary.typeChanged} ${WORDS.T}`),
  ];
  return { text, json: { before: summaryJson(before), after: summaryJson(after), changes, summary }, exit: ExitCode.OK };
}

function z(): Tally {
  return { entries: 0, bytes: 0 };
}

function changeJson(c: DiffChange): Record<string, unknown> {
  const typeOf = (e: FileEntry | undefined) =>
    e
      ? Object.entries(EntryType)
          .find(([, v]) => v === e.type)?.[0]
          .toLowerCase()
      : null;
  return {
    kind: c.kind,
    change: WORDS[c.kind],
    path: c.path.toString(),
    before: c.before ? { type: typeOf(c.before), size: c.before.size, mode: c.before.mode.toString(8).padStart(4, '0') } : null,
    after: c.after ? { type: typeOf(c.after), size: c.after.size, mode: c.after.mode.toString(8).padStart(4, '0') } : null,
  };
}
