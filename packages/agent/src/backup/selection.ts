/**
 * What a backup selects, by Burp's rules (its client's find.c): include
 * and exclude paths, where the longest one above a path decides;
 * exclude_regex, include_regex, exclude_ext, include_ext, nobackup,
 * min_file_size and max_file_size; and exclude_comp, which chooses how a
 * file's chunks are stored, not whether. The walker asks it twice per
 * entry: by path before looking at it (an excluded entry, a network mount
 * that no longer answers, is never touched), then by kind and size once
 * its lstat is known.
 */
import * as fs from 'node:fs';
import type { PathPattern } from '@cpsbackup/config';
import { isUnder } from '@cpsbackup/format';

export type { PathPattern };

/** node.conf's selection keys beyond include, exclude and exclude_regex (none set: every entry is kept). */
export interface SelectionRules {
  /** include_regex: a path below an include is kept only if one matches it (directories too: one that does not match is not entered). */
  includeRegex: PathPattern[];
  /** include_ext: only entries whose name ends in one of these (a directory is entered anyway, and kept for what it holds). */
  includeExt: string[];
  /** exclude_ext: entries whose name ends in one of these are left out, directories with what they hold. */
  excludeExt: string[];
  /** nobackup: a directory holding an entry of one of these names is kept, without what it holds. */
  nobackup: string[];
  /** min_file_size, max_file_size: bytes, 0 for no limit; regular files only. */
  minFileSize: number;
  maxFileSize: number;
}

/** No selection keys set. */
export const NO_RULES: SelectionRules = { includeRegex: [], includeExt: [], excludeExt: [], nobackup: [], minFileSize: 0, maxFileSize: 0 };

/** An include written through a symbolic link: `real` is where the walk finds it, `written` how node.conf names it. */
export interface IncludeAlias {
  real: Buffer;
  written: string;
}

/** What the walk does with an entry it has looked at. */
export type Verdict = 'keep' | 'drop' | 'through';

const DOT = 0x2e;
const SLASH = 0x2f;

/** A name's extension as Burp compares it: the bytes after its last '.', ASCII letters folded to lower case; none without a dot. */
export function extensionOf(path: Buffer): string | undefined {
  const start = path.lastIndexOf(SLASH) + 1;
  const dot = path.lastIndexOf(DOT);
  if (dot < start) return undefined;
  return foldAscii(path.subarray(dot + 1));
}

/** Bytes as a latin1 string with A-Z folded to a-z (Burp's strcasecmp; other bytes compared as they are). */
function foldAscii(bytes: Buffer): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b >= 0x41 && b <= 0x5a ? b + 0x20 : b);
  return s;
}

/** Extensions as node.conf writes them (UTF-8), in the form extensionOf gives. */
function extensionSet(exts: readonly string[]): Set<string> {
  return new Set(exts.map((e) => foldAscii(Buffer.from(e))));
}

/** Whether a file's chunks are compressed: not when its name ends in an exclude_comp extension (already compressed data). */
export function compressionRule(excludeComp: readonly string[]): (path: Buffer) => boolean {
  if (excludeComp.length === 0) return () => true;
  const exts = extensionSet(excludeComp);
  return (path) => {
    const ext = extensionOf(path);
    return ext === undefined || !exts.has(ext);
  };
}

/** One include or exclude path, for the longest-match rule. */
interface PathRule {
  path: Buffer;
  include: boolean;
}

/**
 * The rules of one walk. Paths are the real ones the walk finds (an
 * include through a link as where its data lies, an exclude written
 * below it translated there too); `aliases` lets the regular expressions
 * also see a path as written below such an include. `exempt` paths (the
 * dump directory) are kept whatever the selection keys say: only include,
 * exclude and exclude_regex apply there.
 */
export class Selection {
  private readonly paths: PathRule[];
  private readonly includeExt: Set<string>;
  private readonly excludeExt: Set<string>;
  private readonly nobackup: Set<string>;
  private readonly minSize: bigint;
  private readonly maxSize: bigint;
  private readonly exempt: Buffer[];
  private readonly keyed: boolean;

  constructor(
    opts: {
      includes: readonly string[];
      excludes: readonly string[];
      excludeRegex: readonly PathPattern[];
      aliases?: readonly IncludeAlias[];
      exempt?: readonly string[];
    },
    private readonly rules: SelectionRules = NO_RULES,
  ) {
    // Longest first: the first one above a path is the one that decides; at equal length an include wins.
    this.paths = [
      ...opts.includes.map((p) => ({ path: Buffer.from(p), include: true })),
      ...opts.excludes.map((p) => ({ path: Buffer.from(p), include: false })),
    ].sort((a, b) => b.path.length - a.path.length || Number(b.include) - Number(a.include));
    this.excludeRegex = opts.excludeRegex;
    this.aliases = opts.aliases ?? [];
    this.includeExt = extensionSet(rules.includeExt);
    this.excludeExt = extensionSet(rules.excludeExt);
    this.nobackup = new Set(rules.nobackup.map((n) => Buffer.from(n).toString('latin1')));
    this.minSize = BigInt(rules.minFileSize);
    this.maxSize = BigInt(rules.maxFileSize);
    this.exempt = (opts.exempt ?? []).map((p) => Buffer.from(p));
    this.keyed =
      rules.includeRegex.length + rules.includeExt.length + rules.excludeExt.length + rules.nobackup.length > 0 ||
      rules.minFileSize > 0 ||
      rules.maxFileSize > 0;
  }

  private readonly excludeRegex: readonly PathPattern[];
  private readonly aliases: readonly IncludeAlias[];

  /**
   * Whether the longest include or exclude path at or above `path` is an
   * include (none: not included). An include below an exclude below an
   * include... is walked: `include = /home`, `exclude = /home/ben`,
   * `include = /home/ben/keep` keeps /home/ben/keep.
   */
  includedByPaths(path: Buffer): boolean {
    for (const r of this.paths) if (isUnder(path, r.path)) return r.include;
    return false;
  }

  /**
   * An include root the walk starts from is left out only by an exclude
   * rule: exclude_ext, exclude_regex, or an exclude path longer than any
   * include above it. include_regex and include_ext do not apply to it
   * (as Burp: an include is where the search starts).
   */
  rootExcluded(path: Buffer): boolean {
    if (this.paths.some((r) => isUnder(path, r.path)) && !this.includedByPaths(path)) return true;
    return this.excludedByName(path) || this.matchesAny(path, this.excludeRegex);
  }

  /**
   * Whether an entry below an include is left out by its path, before it
   * is looked at, in Burp's order: exclude_ext, exclude_regex, then
   * include_regex (one must match), then the longest include or exclude
   * path. A directory left out is not entered (an include below it is
   * still walked, from there).
   */
  excludedByPath(path: Buffer): boolean {
    if (this.excludedByName(path)) return true;
    if (this.matchesAny(path, this.excludeRegex)) return true;
    if (this.rules.includeRegex.length > 0 && !this.isExempt(path) && !this.matchesAny(path, this.rules.includeRegex)) return true;
    return !this.includedByPaths(path);
  }

  /**
   * What to do with an entry once its kind and size are known: include_ext
   * drops anything whose name lacks the extension but a directory, which
   * the walk goes through (`through`: kept only if something below it is);
   * the size limits drop regular files outside them.
   */
  afterStat(path: Buffer, kind: string, size: bigint): Verdict {
    if (!this.keyed || this.isExempt(path)) return 'keep';
    if (this.includeExt.size > 0) {
      const ext = extensionOf(path);
      if (ext === undefined || !this.includeExt.has(ext)) {
        if (kind === 'dir') return 'through';
        return 'drop';
      }
    }
    if (kind === 'file' && !this.sizeKept(size)) return 'drop';
    return 'keep';
  }

  /** An include root that is a regular file: the size limits apply to it too (as Burp). */
  sizeKept(size: bigint): boolean {
    if (this.minSize > 0n && size < this.minSize) return false;
    if (this.maxSize > 0n && size > this.maxSize) return false;
    return true;
  }

  /** Whether a directory holding an entry of this name is kept without its contents (nobackup). */
  isNobackupName(name: Buffer, dir: Buffer): boolean {
    return this.nobackup.size > 0 && this.nobackup.has(name.toString('latin1')) && !this.isExempt(dir);
  }

  private excludedByName(path: Buffer): boolean {
    if (this.excludeExt.size === 0) return false;
    const ext = extensionOf(path);
    return ext !== undefined && this.excludeExt.has(ext) && !this.isExempt(path);
  }

  private isExempt(path: Buffer): boolean {
    return this.exempt.length > 0 && this.exempt.some((e) => isUnder(path, e));
  }

  /** A path as the walk finds it and, below an include written through a link, as written (the operator wrote the pattern for that form). */
  private matchesAny(path: Buffer, patterns: readonly PathPattern[]): boolean {
    if (patterns.length === 0) return false;
    const forms = [path.toString()];
    for (const a of this.aliases) if (isUnder(path, a.real)) forms.push(a.written + path.subarray(a.real.length).toString());
    return forms.some((s) => patterns.some((r) => r.test(s)));
  }
}

/**
 * The paths an include_glob pattern names now, sorted, as glob(3) with no
 * flags finds them: `*` any run of characters, `?` one, `[...]` one of a
 * set (`[!...]` or `[^...]` none of it), `\` quotes the next; a wildcard
 * never matches '/' nor a leading '.' (write the dot). Only existing paths
 * come back; a directory that cannot be read matches nothing. A pattern
 * that ends in '/' matches directories only (a link to one too), as
 * glob(3) and so Burp.
 */
export function expandGlob(pattern: string): string[] {
  const parts = pattern.split('/').filter(Boolean);
  let found = [pattern.startsWith('/') ? '/' : '.'];
  for (const part of parts) {
    const next: string[] = [];
    const join = (dir: string, name: string) => (dir === '/' ? `/${name}` : dir === '.' ? name : `${dir}/${name}`);
    if (!hasMagic(part)) {
      const name = unquote(part);
      for (const dir of found) next.push(join(dir, name));
    } else {
      const re = globPartRegex(part);
      for (const dir of found) {
        let names: string[];
        try {
          names = fs.readdirSync(dir);
        } catch {
          continue;
        }
        for (const n of names) if (re.test(n)) next.push(join(dir, n));
      }
    }
    found = next;
  }
  const dirsOnly = pattern.endsWith('/');
  return found.filter(dirsOnly ? isDirectory : exists).sort();
}

/**
 * The includes include_glob names at this backup. A match that is exactly
 * an exclude path is left out, with a warning naming both lines: Burp
 * refuses such a pair as a duplicate once its globs are expanded, and an
 * exclude written beside a glob says what the operator wants left out
 * (every user's Documents by a glob, `exclude = /home/bob/Documents` beside it);
 * refusing the whole backup instead would leave every other match
 * unprotected because of a directory that appeared since.
 */
export function globIncludes(globs: readonly string[], excludes: readonly string[], warn: (message: string) => void): string[] {
  const trim = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);
  const excluded = new Map(excludes.map((x) => [trim(x), x]));
  const out: string[] = [];
  for (const g of globs) {
    for (const p of expandGlob(g)) {
      const x = excluded.get(trim(p));
      if (x === undefined) out.push(p);
      else warn(`include_glob = ${g} matches ${p}, which exclude = ${x} leaves out: it is not backed up (remove one of the two lines to silence this)`);
    }
  }
  return out;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false; // missing, or a dangling link: no directory
  }
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false; // ENOENT, or ENOTDIR below a file: not there
  }
}

function hasMagic(part: string): boolean {
  return /[*?[]/.test(part.replace(/\\./g, ''));
}

function unquote(part: string): string {
  return part.replace(/\\(.)/g, '$1');
}

/** One component of a glob as a regular expression over a name (glob(3)'s rules, see expandGlob). */
export function globPartRegex(part: string): RegExp {
  let re = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    if (c === '\\' && i + 1 < part.length) {
      re += escapeRe(part[++i]!);
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = bracketEnd(part, i);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = part.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      // Inside a set only ']', '\', '^' and '-' (kept as ranges) mean anything to a RegExp.
      const set = body.replace(/[\]\\^]/g, (m) => '\\' + m);
      re += negate ? `[^/${set}]` : `[${set}]`;
      i = end;
    } else {
      re += escapeRe(c);
    }
  }
  // A leading '.' is matched only by a '.' written there.
  const dotFirst = part.startsWith('.') || part.startsWith('\\.');
  return new RegExp(`^${dotFirst ? '' : '(?!\\.)'}${re}$`, 's');
}

/** Where a bracket expression starting at `open` closes (a ']' first in it, after '!' or '^', is a member), or -1. */
function bracketEnd(part: string, open: number): number {
  let j = open + 1;
  if (part[j] === '!' || part[j] === '^') j++;
  if (part[j] === ']') j++;
  for (; j < part.length; j++) if (part[j] === ']') return j;
  return -1;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
