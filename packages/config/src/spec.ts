import * as path from 'node:path';
import { parseNetwork } from './networks';

/** Where a raw value came from, for parsers that resolve relative paths. */
export interface ValueSource {
  file: string;
  line: number;
}

/** How one key is parsed. `parse` throws an Error whose message says what is wrong with the value. */
export interface KeySpec<T> {
  readonly repeatable: boolean;
  readonly required: boolean;
  readonly defaultValue: T;
  readonly help: string;
  parseOne(raw: string, src: ValueSource): unknown;
  combine(values: unknown[]): T;
}

/** The value type a KeySpec yields. */
export type SpecValue<S> = S extends KeySpec<infer T> ? T : never;
/** The typed object a schema yields. */
export type ConfigOf<S extends Record<string, KeySpec<unknown>>> = { -readonly [K in keyof S]: SpecValue<S[K]> };

function single<T>(parse: (raw: string, src: ValueSource) => T, defaultValue: T, help: string, required = false): KeySpec<T> {
  return {
    repeatable: false,
    required,
    defaultValue,
    help,
    parseOne: parse,
    combine: (values) => values[values.length - 1] as T,
  };
}

function many<T>(parse: (raw: string, src: ValueSource) => T, help: string): KeySpec<T[]> {
  return {
    repeatable: true,
    required: false,
    defaultValue: [],
    help,
    parseOne: parse,
    combine: (values) => values as T[],
  };
}

function parseInt10(raw: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(raw)) throw new Error(`expected a whole number, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n < min || n > max) throw new Error(`must be between ${min} and ${max}, got ${n}`);
  return n;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  K: 1024,
  KB: 1024,
  M: 1024 ** 2,
  MB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1024 ** 3,
  T: 1024 ** 4,
  TB: 1024 ** 4,
};

/** "90" (seconds), "90s", "15m", "26h", "7d" → seconds. */
export function parseDuration(raw: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(raw);
  if (!m) throw new Error(`expected a duration such as 90s, 15m, 26h or 7d, got ${JSON.stringify(raw)}`);
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
}

/**
 * A timeout a timer waits out: from 1 s to 24 days, the longest a Node.js
 * timer can wait (2^31 - 1 ms; a longer one fires at once, so a script given
 * 30d would be killed as it starts).
 */
function parseTimeout(raw: string): number {
  const seconds = parseDuration(raw);
  if (seconds < 1 || seconds > 24 * 86400) throw new Error(`expected a duration from 1s to 24d, got ${JSON.stringify(raw)}`);
  return seconds;
}

/** "500", "64K", "10 GB" (binary units; 0 means no limit). */
function parseSize(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?B?)$/i.exec(raw);
  const unit = m ? SIZE_UNITS[m[2]!.toUpperCase()] : undefined;
  if (!m || unit === undefined) throw new Error(`expected a size such as 500M or 20G, got ${JSON.stringify(raw)}`);
  return Math.round(Number(m[1]) * unit);
}

/** A decimal such as "8", "0.5" or ".5" (as Burp's atof reads it), above `min` (exclusive) and at most `max`. */
function parseDecimal(raw: string, min: number, max: number): number {
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(raw)) throw new Error(`expected a number such as 8 or 0.5, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (!(n > min) || n > max) throw new Error(`must be above ${min} and at most ${max}, got ${raw}`);
  return n;
}

function parseBool(raw: string): boolean {
  if (raw === '1' || raw === 'yes' || raw === 'true') return true;
  if (raw === '0' || raw === 'no' || raw === 'false') return false;
  throw new Error(`expected 0 or 1, got ${JSON.stringify(raw)}`);
}

function resolvePath(raw: string, src: ValueSource): string {
  if (raw === '') throw new Error('expected a path, got nothing');
  return path.resolve(path.dirname(src.file), raw);
}

/** A path node.conf selects by: absolute, as Burp compares it with the paths it walks (a relative one would name nothing). */
function absolutePath(raw: string): string {
  if (raw === '') throw new Error('expected an absolute path, got nothing');
  if (!raw.startsWith('/'))
    throw new Error(`expected an absolute path (one that starts with /), got ${JSON.stringify(raw)}: write the full path, e.g. /${raw}`);
  return path.resolve(raw);
}

/** A glob node.conf expands: absolute, like the paths it yields. */
function absolutePattern(raw: string): string {
  if (raw === '') throw new Error('expected an absolute pattern, e.g. /home/*/Documents, got nothing');
  if (!raw.startsWith('/')) throw new Error(`expected an absolute pattern (one that starts with /), e.g. /home/*/Documents, got ${JSON.stringify(raw)}`);
  return raw;
}

/**
 * An extension as include_ext, exclude_ext and exclude_comp compare it:
 * the bytes after a name's last dot, so it holds no dot itself (a file
 * named x.tar.gz has the extension gz; tar.gz would match nothing).
 */
function extension(raw: string, k: string): string {
  if (raw === '') throw new Error(`expected an extension, e.g. ${k} = gz, got nothing`);
  if (raw.includes('/')) throw new Error(`expected an extension, e.g. ${k} = gz, not a path: got ${JSON.stringify(raw)}`);
  if (raw.startsWith('.')) throw new Error(`expected an extension without its dot, e.g. ${k} = ${raw.slice(1) || 'gz'}, got ${JSON.stringify(raw)}`);
  if (raw.includes('.')) {
    const last = raw.slice(raw.lastIndexOf('.') + 1);
    throw new Error(
      `${JSON.stringify(raw)} would match no file: an extension is what follows the last dot of a name (x.${raw} has the extension ${last}): write ${k} = ${last}`,
    );
  }
  return raw;
}

/** What a compiled exclude_regex or include_regex offers: whether a path matches. */
export interface PathPattern {
  readonly source: string;
  test(path: string): boolean;
}

type Re2Class = new (pattern: string, flags: string) => PathPattern;
let re2: Re2Class | undefined;

/**
 * A regular expression as Burp compiles one (regcomp with REG_EXTENDED:
 * POSIX extended syntax, [[:digit:]] and the other bracket classes, '.'
 * matching any character, ^ and $ only at the ends), run by RE2, whose
 * time is linear in the path: no pattern backtracks for ever on a name
 * someone chose. RE2 refuses what it cannot run in linear time
 * (backreferences) and Perl's extensions POSIX lacks (lookaround). The
 * addon loads when node.conf has such a key, so server.conf never needs it.
 */
function parseRegex(raw: string): PathPattern {
  if (raw === '') throw new Error('expected a regular expression, got nothing: remove the line, or write a pattern such as \\.tmp$');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when a pattern is there to compile
  re2 ??= require('re2') as Re2Class;
  try {
    return new re2(raw, 'su');
  } catch (err) {
    const why = (err as Error).message;
    const hint = /perl operator|escape sequence/.test(why)
      ? 'lookahead and lookbehind ((?=, (?!, (?<=, (?<!) and backreferences (\\1) are not POSIX extended syntax: rewrite the pattern without them'
      : 'write it in POSIX extended syntax, e.g. [[:digit:]]\\.log$ or ^/home/[^/]+/\\.cache(/|$)';
    throw new Error(`${JSON.stringify(raw)} is not a regular expression cpsbackup can run (POSIX extended, by RE2: ${why}): ${hint}`, { cause: err });
  }
}

function nonEmpty(raw: string): string {
  if (raw === '') throw new Error('expected a value, got nothing');
  return raw;
}

/** Constructors for key specs. */
export const key = {
  string: (def: string, help: string) => single(nonEmpty, def, help),
  requiredString: (help: string) => single(nonEmpty, '', help, true),
  int: (def: number, min: number, max: number, help: string) => single((r) => parseInt10(r, min, max), def, help),
  bool: (def: boolean, help: string) => single(parseBool, def, help),
  path: (def: string, help: string) => single(resolvePath, def, help),
  optionalPath: (help: string) => single<string | undefined>(resolvePath, undefined, help),
  optionalBool: (help: string) => single<boolean | undefined>(parseBool, undefined, help),
  optionalInt: (min: number, max: number, help: string) => single<number | undefined>((r) => parseInt10(r, min, max), undefined, help),
  /** A decimal above `min` (exclusive), at most `max`; undefined when the key is absent. */
  optionalDecimal: (min: number, max: number, help: string) => single<number | undefined>((r) => parseDecimal(r, min, max), undefined, help),
  size: (def: number, help: string) => single(parseSize, def, help),
  duration: (def: number, help: string) => single(parseDuration, def, help),
  optionalDuration: (help: string) => single<number | undefined>(parseDuration, undefined, help),
  timeout: (def: number, help: string) => single(parseTimeout, def, help),
  optionalTimeout: (help: string) => single<number | undefined>(parseTimeout, undefined, help),
  optionalSize: (help: string) => single<number | undefined>(parseSize, undefined, help),
  oneOf: <T extends string>(values: readonly T[], def: T, help: string) =>
    single(
      (r) => {
        if (!(values as readonly string[]).includes(r)) throw new Error(`expected one of ${values.join(', ')}, got ${JSON.stringify(r)}`);
        return r as T;
      },
      def,
      help,
    ),
  paths: (help: string) => many(resolvePath, help),
  /** Absolute paths only (include, exclude and the other paths a backup selects by). */
  absolutePaths: (help: string) => many(absolutePath, help),
  absolutePatterns: (help: string) => many(absolutePattern, help),
  strings: (help: string) => many(nonEmpty, help),
  /** Extensions for include_ext, exclude_ext, exclude_comp (`name` is the key, for the messages). */
  extensions: (name: string, help: string) => many((r) => extension(r, name), help),
  regexes: (help: string) => many(parseRegex, help),
  ints: (min: number, max: number, help: string) => many((r) => parseInt10(r, min, max), help),
  networks: (help: string) => many(parseNetwork, help),
};
