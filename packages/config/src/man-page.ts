/** A program's man page (roff, man macros) made from its command-line definition. */
import { BUILTIN_OPTIONS, COMPLETION_COMMAND, type CommandLineSpec, type OptionSpec } from './command-line';

/** Text as roff: backslashes and minus signs escaped, no line starting with a control character. */
function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

/** `\fB--config\fR, \fB-c\fR \fIFILE\fR`: how an option is written. */
function optionTag(name: string, option: OptionSpec): string {
  const forms = [`\\fB${roff(`--${name}`)}\\fR`];
  if (option.type === 'boolean' && option.default === true) forms.push(`\\fB${roff(`--no-${name}`)}\\fR`);
  if (option.alias) forms.push(`\\fB${roff(`-${option.alias}`)}\\fR`);
  const value = option.type === 'boolean' ? '' : ` \\fI${roff(option.arg ?? (option.type === 'number' ? 'NUMBER' : 'VALUE'))}\\fR${option.array ? ' ...' : ''}`;
  return forms.join(', ') + value;
}

/** The page for `man -l`, section and version in its title line. */
export function manPage(spec: CommandLineSpec): string {
  const out: string[] = [];
  const section = (title: string) => out.push(`.SH ${title}`);
  const paragraph = (text: string) => out.push('.PP', roff(text));
  out.push(`.TH ${spec.name.toUpperCase().replace(/-/g, '\\-')} ${spec.section} "" "${spec.name} ${roff(spec.version)}" "cpsbackup"`);
  // No hyphenation: an option name is never split across lines.
  out.push('.nh');
  section('NAME');
  out.push(`${roff(spec.name)} \\- ${roff(spec.summary)}`);
  section('SYNOPSIS');
  for (const form of spec.synopsis) out.push('.PP', `\\fB${roff(spec.name)}\\fR ${roff(form)}`);
  section('DESCRIPTION');
  for (const text of spec.description) paragraph(text);
  if (spec.commands.length) {
    section('COMMANDS');
    const commands = [...spec.commands, { name: COMPLETION_COMMAND, describe: `print a bash completion script for ${spec.name} (its options and commands)` }];
    for (const c of commands) out.push('.TP', `\\fB${roff(c.name)}\\fR`, roff(c.describe));
  }
  section('OPTIONS');
  // A program that defines --help or --version itself (check_cpsbackup's -V) keeps its own.
  for (const [name, option] of Object.entries({ ...BUILTIN_OPTIONS, ...spec.options })) {
    out.push('.TP', optionTag(name, option), roff(option.describe));
    if (option.default !== undefined && option.type !== 'boolean') out.push('.br', `Default: ${roff(String(option.default))}`);
  }
  if (spec.exitStatus.length) {
    section('EXIT STATUS');
    for (const e of spec.exitStatus) out.push('.TP', `\\fB${e.code}\\fR`, roff(e.meaning));
  }
  if (spec.environment.length) {
    section('ENVIRONMENT');
    for (const e of spec.environment) out.push('.TP', `\\fB${roff(e.name)}\\fR`, roff(e.describe));
  }
  if (spec.files.length) {
    section('FILES');
    for (const f of spec.files) out.push('.TP', `\\fI${roff(f.path)}\\fR`, roff(f.describe));
  }
  if (spec.seeAlso.length) {
    section('SEE ALSO');
    out.push(spec.seeAlso.map((page) => roff(page).replace(/^(.*)\((\d)\)$/, '\\fB$1\\fR($2)')).join(',\n'));
  }
  return out.join('\n') + '\n';
}
