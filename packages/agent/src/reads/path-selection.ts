import * as path from 'node:path';
import { EntryType, type FileEntry, isUnder, prefixSelection } from '@cpsbackup/format';
import type RE2 from 're2';
import { AgentError, ExitCode } from '../errors';
import { type TreeReads } from './tree-reads';

/** Symbolic links followed at most when a prefix goes through them (the kernel's own limit). */
const MAX_PREFIX_LINKS = 40;
/** Prefixes a restore follows at most, those asked for and those links lead to. */
const MAX_PREFIXES = 2048;

/** Which paths of a backup a restore (or a show) takes, decided on this node as it walks the tree. */
export interface PathSelection {
  /** Whether an entry is selected (its path at or below a prefix, and matching --regex). */
  selected: (path: Buffer) => boolean;
  /** Whether a directory's listing need be read at all (absent: every one). */
  descend?: (dir: Buffer) => boolean;
}

/**
 * A --regex compiled, or undefined for none. RE2: its time is linear in
 * the path, so no pattern backtracks for ever; a pattern RE2 does not take
 * (backreferences, lookaround) is a usage error, said before anything is
 * read or written. RE2 loads only when a --regex asks for it: every other
 * command of the CLI starts without its native addon.
 */
export async function compileRegex(source: string | undefined): Promise<RE2 | undefined> {
  if (!source) return undefined;
  const { default: RE2 } = await import('re2');
  try {
    return new RE2(source, 'u');
  } catch (err) {
    throw new AgentError(
      'BAD_REGEX',
      `--regex ${JSON.stringify(source)} is not a regular expression cpsbackup takes (RE2 syntax: no backreferences or lookaround): ${(err as Error).message}`,
      ExitCode.CONFIG,
    );
  }
}

/**
 * The selection of a restore: by component prefix ("/srv/a" selects
 * "/srv/a" and everything below it, not "/srv/ab"; only the listings on
 * the way to a prefix are read), prefixes through symbolic links followed
 * (withLinkTargets), and by `regex`.
 */
export async function selectionThroughLinks(
  reads: TreeReads,
  root: readonly Buffer[],
  prefixes: readonly Buffer[],
  regex: RE2 | undefined,
): Promise<PathSelection> {
  return selectionOf(await withLinkTargets(reads, root, prefixes), regex);
}

/** The selection by these prefixes (as they are: no link followed) and `regex`. */
export function selectionOf(prefixes: readonly Buffer[], regex: RE2 | undefined): PathSelection {
  const byPrefix = prefixSelection(prefixes);
  return {
    selected: (p) => byPrefix.selected(p) && (!regex || regex.test(p)),
    descend: byPrefix.descend,
  };
}

/**
 * The prefixes asked for and, where one goes through a symbolic link the
 * backup holds (an include written through a link: its data is stored
 * where it lies, the link beside it), the path the link leads to as well:
 * `--prefix /opt/app` as node.conf wrote it restores the link and the data.
 * One walk of only the listings on the way to the prefixes per link
 * followed (at most MAX_PREFIX_LINKS), whatever their number.
 */
async function withLinkTargets(reads: TreeReads, root: readonly Buffer[], prefixes: readonly Buffer[]): Promise<Buffer[]> {
  const all = [...prefixes];
  let frontier = [...prefixes];
  for (let hops = 0; hops < MAX_PREFIX_LINKS && frontier.length > 0; hops++) {
    const found: Buffer[] = [];
    const way = frontier;
    // Only the directories strictly on the way to a prefix are read: the entries at it, nothing below.
    for await (const e of reads.walk(root, (dir) => way.some((p) => p.length > dir.length && isUnder(p, dir)))) {
      if (e.type !== EntryType.Symlink) continue;
      for (const p of way) if (isUnder(p, e.path)) found.push(leadsTo(e, p));
    }
    frontier = found.filter((p, i) => !all.some((q) => q.equals(p)) && found.findIndex((q) => q.equals(p)) === i);
    all.push(...frontier.slice(0, Math.max(0, MAX_PREFIXES - all.length)));
  }
  return all;
}

/** Where `prefix`, at or below the symbolic link `link`, lies once the link is followed. */
function leadsTo(link: FileEntry, prefix: Buffer): Buffer {
  const dir = path.posix.dirname(link.path.toString('latin1'));
  const target = path.posix.resolve(dir, link.linkTarget.toString('latin1'));
  return Buffer.from(target + prefix.subarray(link.path.length).toString('latin1'), 'latin1');
}
