/**
 * The command lines of cpsbackup and cpsbackupd: their bash completion (the script
 * each prints, sourced in a real bash, asked as bash asks it), their man pages
 * (scripts/make-man.mjs, rendered by groff and man), and cpsbackupd's usage errors.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AGENT_COMMAND_LINE } from '@cpsbackup/agent';
import { CHECK_COMMAND_LINE, SERVER_COMMAND_LINE } from '@cpsbackup/server';

const REPO = path.resolve(__dirname, '..');
const PROGRAMS = {
  cpsbackup: path.join(REPO, 'packages/agent/dist/cli/main.js'),
  cpsbackupd: path.join(REPO, 'packages/server/dist/cli.js'),
  check_cpsbackup: path.join(REPO, 'packages/server/dist/check-cpsbackup.js'),
} as const;
type Program = keyof typeof PROGRAMS;

let work: string;
/** A directory on PATH with the programs under their installed names. */
let bin: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'command-line-'));
  bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  for (const [name, file] of Object.entries(PROGRAMS)) {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(file)} "$@"\n`, { mode: 0o755 });
  }
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bash completion', () => {
  /** What bash offers for the last of `words` after the program's name: its completion script sourced, its function called as bash calls it. */
  function complete(program: Program, words: string[]): string[] {
    const script = run(program, ['completion']);
    expect(script.code).toBe(0);
    const file = path.join(work, `${program}.bash`);
    fs.writeFileSync(file, script.stdout);
    const line = [program, ...words];
    const bashWords = line.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
    const r = run('bash', [
      '-c',
      `source ${file}; COMP_WORDS=(${bashWords}); COMP_CWORD=${line.length - 1}; ` +
        `fn=$(complete -p ${program} | sed -E 's/.* -F ([^ ]+) .*/\\1/'); "$fn"; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ]);
    expect(r.stderr).toBe('');
    return r.stdout.split('\n').filter(Boolean);
  }

  test('cpsbackup: a letter alias is offered with one dash (-e), a long option with two (--export), never --e', () => {
    const dash = complete('cpsbackup', ['-']);
    expect(dash).toEqual(expect.arrayContaining(['-e', '-i', '-l', '-s', '-d', '-c', '-C', '-h', '--export', '--import', '--config', '--no-devices']));
    const long = complete('cpsbackup', ['--']);
    expect(long).toEqual(expect.arrayContaining(['--export', '--import', '--list', '--show', '--delete', '--config', '--client', '--help']));
    expect(long.filter((w) => /^--.$/.test(w))).toEqual([]);
    expect(complete('cpsbackup', ['--e'])).toEqual(['--export', '--enrol']);
    expect(complete('cpsbackup', ['--ke'])).toEqual(['--keep-old-backups', '--key-file']);
  });

  test('cpsbackup: commands as the first word; nothing after an option that takes a value (bash completes a file name)', () => {
    expect(complete('cpsbackup', [''])).toEqual(['status', 'completion']);
    expect(complete('cpsbackup', ['st'])).toEqual(['status']);
    expect(complete('cpsbackup', ['-c', ''])).toEqual([]);
    expect(complete('cpsbackup', ['-e', '--config', ''])).toEqual([]);
    expect(complete('cpsbackup', ['status', ''])).toEqual([]);
  });

  test('cpsbackupd: its commands and options', () => {
    expect(complete('cpsbackupd', [''])).toEqual(['verify', 'gc', 'prune', 'rebuild-catalog', 'completion']);
    expect(complete('cpsbackupd', ['-c', '/etc/cpsbackup/server.conf', 'p'])).toEqual(['prune']);
    expect(complete('cpsbackupd', ['--re']).sort()).toEqual(['--repair-catalog', '--revoke', '--revoke-cert']);
    expect(complete('cpsbackupd', ['-'])).toEqual(expect.arrayContaining(['-c', '-h', '--config', '--check', '--make-records-key', '--group', '--json']));
    expect(complete('cpsbackupd', ['--revoke-cert', ''])).toEqual([]);
  });
});

describe('man pages', () => {
  const pages = () => {
    const dir = path.join(work, 'man');
    const made = run(process.execPath, [path.join(REPO, 'scripts/make-man.mjs'), dir]);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    return { cpsbackup: path.join(dir, 'cpsbackup.8'), cpsbackupd: path.join(dir, 'cpsbackupd.8'), check_cpsbackup: path.join(dir, 'check_cpsbackup.8') };
  };

  test.each(['cpsbackup', 'cpsbackupd', 'check_cpsbackup'] as const)('%s(8): groff -ww finds nothing to warn about', (program) => {
    const r = run('groff', ['-ww', '-z', '-man', pages()[program]]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  test.each([
    ['cpsbackup', AGENT_COMMAND_LINE],
    ['cpsbackupd', SERVER_COMMAND_LINE],
    ['check_cpsbackup', CHECK_COMMAND_LINE],
  ] as const)('%s(8) as man shows it: every option the program parses, its commands, exit codes and files', (program, spec) => {
    const shown = run('man', ['-l', pages()[program]], { MANWIDTH: '200', MAN_KEEP_FORMATTING: '', LC_ALL: 'C.UTF-8' });
    expect(shown.code).toBe(0);
    const text = shown.stdout;
    for (const heading of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'EXIT STATUS', ...(spec.files.length ? ['FILES'] : []), 'SEE ALSO'])
      expect(text).toMatch(new RegExp(`^${heading}$`, 'm'));
    // What the program's own --help lists (yargs, from the same definitions) is what the page lists.
    const help = run(program, ['--help']);
    // A monitoring plugin's --help ends UNKNOWN (3), as the monitoring-plugins guidelines have it.
    expect(help.code).toBe(program === 'check_cpsbackup' ? 3 : 0);
    const helpOptions = new Set(help.stdout.match(/(?<=^|\s)--?[a-zA-Z][a-z-]*/gm));
    const pageOptions = new Set(text.match(/(?<=^|\s)--?[a-zA-Z][a-z-]*/gm));
    expect([...helpOptions].filter((o) => !pageOptions.has(o))).toEqual([]);
    for (const [name, option] of Object.entries(spec.options)) {
      expect(text).toContain(`--${name}`);
      if (option.alias) expect(text).toContain(`-${option.alias}`);
    }
    for (const c of spec.commands) expect(text).toMatch(new RegExp(`^ +${c.name}\\b`, 'm'));
    for (const e of spec.exitStatus) expect(text).toMatch(new RegExp(`^ +${e.code} +${e.meaning.slice(0, 20).replace(/[()*]/g, '\\$&')}`, 'm'));
    for (const f of spec.files) expect(text).toContain(f.path);
  });
});

test('make install (scripts/install) puts the three pages in PREFIX/share/man/man8, where man finds them', () => {
  const prefix = path.join(work, 'install', 'usr');
  const r = run('bash', [path.join(REPO, 'scripts/install')], { PREFIX: prefix, SYSCONFDIR: path.join(work, 'install', 'etc'), SYSTEMDDIR: '' });
  expect(r.code).toBe(0);
  for (const page of ['cpsbackup', 'cpsbackupd', 'check_cpsbackup']) {
    const file = path.join(prefix, 'share/man/man8', `${page}.8`);
    expect(r.stdout).toContain(`installed ${file}`);
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('644');
    const shown = run('man', ['-M', path.join(prefix, 'share/man'), '8', page], { MANWIDTH: '100', MAN_KEEP_FORMATTING: '' });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`${page} - `);
  }
});

describe('cpsbackupd usage errors exit 2 with the usage, as cpsbackup does', () => {
  test.each([
    ['an unknown option', ['--bogus'], /Unknown argument: bogus/],
    ['an unknown command', ['frobnicate'], /Unknown argument: frobnicate/],
    ['two commands', ['gc', 'prune'], /Unknown argument: prune/],
    ['an option without its value', ['--revoke'], /Not enough arguments following: revoke/],
    ['-c without its file', ['-c'], /Not enough arguments following: c/],
  ])('%s', (_what, args, message) => {
    const r = run('cpsbackupd', args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    // The usage (of the command given, if one was), then what was wrong.
    expect(r.stderr).toMatch(/^Options:$/m);
    expect(r.stderr).toContain('--config');
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(new RegExp(`^cpsbackupd: ${message.source}`));
  });

  test.each([
    [['--bogus'], /Unknown argument: bogus/],
    [['-l', '-c'], /Not enough arguments following: c/],
  ])('cpsbackup %j exits 2', (args, message) => {
    const r = run('cpsbackup', args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
