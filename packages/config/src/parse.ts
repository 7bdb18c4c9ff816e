import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BurpKey } from './burp-keys';
import { ConfigError } from './errors';
import { type ConfigOf, type KeySpec } from './spec';

/** One `key = value` line as read. */
export interface ConfigLine {
  key: string;
  value: string;
  line: number;
}

/**
 * Splits burp-style text into lines: `key = value` or `key=value`, `#`
 * comments (whole-line), blank lines ignored, surrounding spaces and one pair
 * of matching quotes around the value stripped.
 */
export function readConfigLines(text: string, file: string): ConfigLine[] {
  const out: ConfigLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new ConfigError(file, i + 1, undefined, `expected "key = value", got ${JSON.stringify(trimmed)}`);
    const key = trimmed.slice(0, eq).trim();
    let value = trimmed.slice(eq + 1).trim();
    if (!/^[a-z][a-z0-9_]*$/.test(key)) throw new ConfigError(file, i + 1, key, 'keys are lower-case letters, digits and _');
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) value = value.slice(1, -1);
    out.push({ key, value, line: i + 1 });
  });
  return out;
}

/** Burp keys a file may carry, and where to say what was ignored. */
export interface ForeignKeys {
  burp: Record<string, BurpKey>;
  /** cpsbackup keys another file reads, with where they go (misplaced-keys.ts): ignored with a warning. */
  elsewhere?: Record<string, string>;
  /** Other keys another file reads, refused with what this returns (misplaced-keys.ts) rather than as unknown. */
  refusedElsewhere?: { keys: Record<string, unknown>; problem: (key: string) => string };
  /** Receives one line per Burp key, or key of another file, accepted and ignored. */
  warnings: string[];
}

/**
 * Parses text against a schema: unknown keys, bad values, a non-repeatable
 * key given twice and missing required keys are errors naming file, line and
 * key. Keys not given take their defaults. A Burp key cpsbackup does not
 * implement is a warning (in `foreign.warnings`) or, where ignoring it
 * would lose data, an error saying what to do instead; a key of another file
 * is a warning saying which file reads it (`foreign.elsewhere`) or an error
 * saying so (`foreign.refusedElsewhere`).
 */
export function parseConfig<S extends Record<string, KeySpec<unknown>>>(text: string, file: string, schema: S, foreign?: ForeignKeys): ConfigOf<S> {
  const collected = new Map<string, { values: unknown[]; firstLine: number }>();
  for (const l of readConfigLines(text, file)) {
    const spec = schema[l.key];
    if (!spec) {
      // A cpsbackup key of another file is said so first: Burp's meaning of the same name (network_timeout) is not what was meant.
      const elsewhere = foreign?.elsewhere?.[l.key];
      if (elsewhere !== undefined) {
        foreign!.warnings.push(`${file}:${l.line}: ${l.key} is not read from this file; ignored (${elsewhere})`);
        continue;
      }
      const burp = foreign?.burp[l.key];
      if (burp?.refuse)
        throw new ConfigError(
          file,
          l.line,
          l.key,
          `is a Burp setting cpsbackup does not implement, and ignoring it could leave data unprotected: ${burp.note}`,
        );
      if (burp) {
        foreign!.warnings.push(`${file}:${l.line}: ${l.key} is a Burp setting cpsbackup does not implement; ignored (${burp.note})`);
        continue;
      }
      const refused = foreign?.refusedElsewhere;
      if (refused && Object.hasOwn(refused.keys, l.key)) throw new ConfigError(file, l.line, l.key, refused.problem(l.key));
      throw new ConfigError(file, l.line, l.key, `unknown key (known keys: ${Object.keys(schema).sort().join(', ')})`);
    }
    const seen = collected.get(l.key);
    if (seen && !spec.repeatable) {
      throw new ConfigError(file, l.line, l.key, `given twice (first on line ${seen.firstLine}); it takes one value: keep one of the two lines`);
    }
    let value: unknown;
    try {
      value = spec.parseOne(l.value, { file, line: l.line });
    } catch (err) {
      throw new ConfigError(file, l.line, l.key, (err as Error).message);
    }
    if (seen) seen.values.push(value);
    else collected.set(l.key, { values: [value], firstLine: l.line });
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) {
    const got = collected.get(name);
    if (!got && spec.required) throw new ConfigError(file, undefined, name, 'is required but not set');
    out[name] = got ? spec.combine(got.values) : spec.defaultValue;
  }
  return out as ConfigOf<S>;
}

/** Reads and parses a config file; a missing or unreadable file is a ConfigError too. */
export function loadConfig<S extends Record<string, KeySpec<unknown>>>(file: string, schema: S, foreign?: ForeignKeys): ConfigOf<S> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    throw new ConfigError(abs, undefined, undefined, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseConfig(text, abs, schema, foreign);
}
