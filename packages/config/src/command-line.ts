/**
 * A program's command line as data: its options (in the shape yargs takes), commands,
 * exit codes and files. The program parses with it, its shell completion answers from
 * it and its man page is made from it (man-page.ts), so the three never disagree.
 */

/** One option, as yargs' `.options()` takes it, plus the name of its value for the man page. */
export interface OptionSpec {
  readonly type: 'boolean' | 'string' | 'number';
  readonly describe: string;
  /** A single letter: `-e` for `--export`. */
  readonly alias?: string;
  readonly default?: string | number | boolean;
  readonly array?: boolean;
  /** `--config` alone is a usage error, not an empty value. */
  readonly requiresArg?: boolean;
  /** The value's name in the man page and help: FILE, NUMBER. */
  readonly arg?: string;
}

/** A command word (`cpsbackupd gc`). */
interface CommandSpec {
  readonly name: string;
  readonly describe: string;
}

/** What a program's man page and completion are made from. */
export interface CommandLineSpec {
  readonly name: string;
  /** The manual section: 8 for what root runs. */
  readonly section: 1 | 8;
  readonly version: string;
  /** The NAME line: what the program is, in a few words. */
  readonly summary: string;
  /** One usage form a line, after the program's name. */
  readonly synopsis: readonly string[];
  /** Paragraphs. */
  readonly description: readonly string[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly commands: readonly CommandSpec[];
  readonly exitStatus: readonly { readonly code: number; readonly meaning: string }[];
  readonly files: readonly { readonly path: string; readonly describe: string }[];
  readonly environment: readonly { readonly name: string; readonly describe: string }[];
  /** Pages as `name(section)`. */
  readonly seeAlso: readonly string[];
}

/** The options yargs adds to every program (.help('help').alias('help', 'h'), .version()). */
export const BUILTIN_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  help: { type: 'boolean', alias: 'h', describe: 'print the usage and the options, then exit' },
  version: { type: 'boolean', describe: 'print the version, then exit' },
};

/** The command that prints the completion script, with what it suggests. */
export const COMPLETION_COMMAND = 'completion';

/** The argument the completion script runs the program with (yargs' protocol): `PROG --get-yargs-completions PROG WORD...`. */
const COMPLETION_REQUEST = '--get-yargs-completions';

/** The words typed after the program's name when the command line is a completion request, the last one being completed; else undefined. */
export function completionRequest(args: readonly string[]): string[] | undefined {
  return args[0] === COMPLETION_REQUEST ? args.slice(2) : undefined;
}

/**
 * What to suggest for the last of `words` (the ones after the program's name): options
 * (`--export`, its letter `-e`, `--no-devices` for a boolean that defaults to true), or a
 * command as the first word; nothing after an option that takes a value, so the shell
 * completes a file name.
 */
export function completions(spec: CommandLineSpec, words: readonly string[]): string[] {
  const options = { ...spec.options, ...BUILTIN_OPTIONS };
  const current = words.at(-1) ?? '';
  const takesValue = (word: string): boolean => {
    if (!word.startsWith('-') || word.includes('=')) return false;
    const name = word.replace(/^--?/, '');
    const option = word.startsWith('--') ? options[name] : Object.values(options).find((o) => o.alias === name);
    return option !== undefined && option.type !== 'boolean';
  };
  const before = words.slice(0, -1);
  if (before.length && takesValue(before.at(-1)!)) return [];
  if (current.startsWith('-')) {
    const all: string[] = [];
    for (const [name, option] of Object.entries(options)) {
      all.push(`--${name}`);
      if (option.type === 'boolean' && option.default === true) all.push(`--no-${name}`);
      if (option.alias) all.push(`-${option.alias}`);
    }
    return all.filter((w) => w.startsWith(current));
  }
  // A command is the first word that is neither an option nor an option's value.
  const positional = before.filter((w, i) => !w.startsWith('-') && !(i > 0 && takesValue(before[i - 1]!)));
  if (positional.length) return [];
  return [...spec.commands.map((c) => c.name), COMPLETION_COMMAND].filter((w) => w.startsWith(current));
}
