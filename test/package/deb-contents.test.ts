/**
 * make package's two .deb files, built once (packaging/package, gzip for speed:
 * the compressor is dpkg-deb's argument, the contents are the same) and read
 * with dpkg-deb: what they hold and what they leave out, that every ELF file is
 * stripped, their conffiles, Depends a Debian 12 satisfies, maintainer scripts
 * sh accepts, lintian clean, and the bundled runtime running the programs from
 * an extracted tree with an empty environment, outside the checkout (nothing
 * resolves through the workspace's node_modules). The install into real Debian
 * roots is test/package's install test.
 */
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const REPO = path.resolve(__dirname, '../..');
const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const run = promisify(execFile);

interface Built {
  deb: string;
  /** dpkg-deb -x of it */
  tree: string;
  /** paths without the leading ./, directories with a trailing / */
  paths: string[];
}

let work: string;
const built: Record<'agent' | 'server', Built> = {} as Record<'agent' | 'server', Built>;

function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'deb-contents-'));
  const out = path.join(work, 'deb');
  const made = sh('bash', [path.join(REPO, 'packaging/package')], { env: { ...process.env, DEB_OUT: out, DEB_COMPRESSION: 'gzip' } });
  if (made.code !== 0) throw new Error(`packaging/package exited with ${made.code}: ${made.stderr}`);
  for (const program of ['agent', 'server'] as const) {
    const deb = path.join(out, `cpsbackup-${program}_${VERSION}_amd64.deb`);
    const tree = path.join(work, program);
    fs.mkdirSync(tree);
    expect(sh('dpkg-deb', ['-x', deb, tree]).code).toBe(0);
    const listing = sh('dpkg-deb', ['-c', deb]);
    expect(listing.code).toBe(0);
    // "drwxr-xr-x root/root 0 2026-12-06 22:00 ./usr/bin/": owner, then the path
    const lines = listing.stdout.trim().split('\n');
    expect(lines.filter((l) => l.split(/\s+/)[1] !== 'root/root')).toEqual([]);
    const paths = lines.map((l) => l.replace(/^(\S+\s+){5}\.\//, '').replace(/ -> .*$/, '')).filter((p) => p !== '');
    built[program] = { deb, tree, paths };
  }
}, 300_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function field(program: 'agent' | 'server', name: string): string {
  return sh('dpkg-deb', ['-f', built[program].deb, name]).stdout.trim();
}

describe('what the packages hold', () => {
  test.each([
    [
      'agent',
      [
        'usr/bin/cpsbackup',
        'usr/lib/cpsbackup-agent/node',
        'usr/lib/cpsbackup-agent/node_modules/@cpsbackup/agent/dist/cli/main.js',
        'usr/lib/cpsbackup-agent/node_modules/@cpsbackup/syscalls/build/Release/syscalls.node',
        'usr/lib/cpsbackup-agent/node_modules/re2/build/Release/re2.node',
        'usr/lib/cpsbackup-agent/node_modules/zstd-napi/build/Release/binding.node',
        'etc/cpsbackup/node.conf',
        'lib/systemd/system/cpsbackup-agent.service',
        'lib/systemd/system/cpsbackup-backup.service',
        'lib/systemd/system/cpsbackup-backup.timer',
        'usr/share/doc/cpsbackup-agent/copyright',
        'usr/share/doc/cpsbackup-agent/changelog.gz',
        'usr/share/man/man8/cpsbackup.8.gz',
      ],
    ],
    [
      'server',
      [
        'usr/bin/cpsbackupd',
        'usr/bin/check_cpsbackup',
        'usr/lib/cpsbackup-server/node',
        'usr/lib/cpsbackup-server/node_modules/@cpsbackup/server/dist/cli.js',
        'usr/lib/cpsbackup-server/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
        'usr/lib/cpsbackup-server/node_modules/zstd-napi/build/Release/binding.node',
        'etc/cpsbackup/server.conf',
        'etc/cpsbackup/clients/',
        'lib/systemd/system/cpsbackupd.service',
        'usr/share/cpsbackup/make-certs',
        'usr/share/cpsbackup/install-agent',
        'usr/share/doc/cpsbackup-server/examples/clients/cpsnode',
        'usr/share/doc/cpsbackup-server/examples/storage.conf',
        'usr/share/doc/cpsbackup-server/cpsbackup-alerts.yml',
        'usr/share/doc/cpsbackup-server/copyright',
        'usr/share/doc/cpsbackup-server/changelog.gz',
        'usr/share/man/man8/cpsbackupd.8.gz',
        'usr/share/man/man8/check_cpsbackup.8.gz',
      ],
    ],
  ] as const)('%s: its programs, runtime, addons, conffile, units and docs', (program, expected) => {
    expect(expected.filter((p) => !built[program].paths.includes(p))).toEqual([]);
  });

  test.each(['agent', 'server'] as const)('%s: no build leftovers, sources, types, maps, tests or install-time packages', (program) => {
    const forbidden = [
      /\.d\.[cm]?ts$/,
      /\.map$/,
      /\.tsbuildinfo$/,
      /\.(test|spec)\.[cm]?js$/,
      /\/(test|tests|__tests__)\//,
      /\.(c|cc|cpp|h|hpp|o|a|gyp|gypi|mk)$/,
      /\/(obj|obj\.target|\.deps)\//,
      /\/build\/Release\/(?![^/]+\.node$|$)/, // an addon's build: its .node only
      /\/build\/(Makefile|config\.gypi|[^/]+\.mk|binding\.Makefile)$/,
      // a native addon: the JavaScript that loads it and its .node, no sources or scripts
      /\/node_modules\/(re2|zstd-napi|better-sqlite3|@cpsbackup\/syscalls)\/(deps|vendor|src|scripts)\//,
      /\/node_modules\/(re2|zstd-napi|better-sqlite3|@cpsbackup\/syscalls)\/.*[^/](?<!\.js|\.json|\.node)$/,
      /\/node_modules\/(node-gyp|nan|node-addon-api|prebuild-install|install-artifact-from-github|@types)\//,
      /\/node_modules\/(typescript|jest|ts-jest|eslint|@cpsbackup\/(testkit|bench))\//,
      /\/(readme|changelog|history)(\.[a-z]+)?$/i,
      /\/node_modules\/.*\/(licen[cs]e|copying)[^/]*$/i, // in the copyright file instead
    ];
    const lib = built[program].paths.filter((p) => p.startsWith(`usr/lib/cpsbackup-${program}/`));
    expect(lib.filter((p) => forbidden.some((f) => f.test(p)))).toEqual([]);
  });

  test('the agent carries no SQLite, S3 client or server code: the catalog is the server alone', () => {
    expect(built.agent.paths.filter((p) => /node_modules\/(better-sqlite3|@aws-sdk|@smithy|@cpsbackup\/(store|server))\//.test(p))).toEqual([]);
  });

  test.each(['agent', 'server'] as const)('%s: every ELF file is stripped', (program) => {
    const elf: string[] = [];
    for (const rel of built[program].paths.filter((p) => !p.endsWith('/'))) {
      const file = path.join(built[program].tree, rel);
      const head = Buffer.alloc(4);
      const fd = fs.openSync(file, 'r');
      fs.readSync(fd, head, 0, 4, 0);
      fs.closeSync(fd);
      if (head.toString('latin1') === '\x7fELF') elf.push(file);
    }
    expect(elf.length).toBe(4); // node and three addons each
    const described = sh('file', ['-b', ...elf])
      .stdout.trim()
      .split('\n');
    expect(described.filter((d) => !/, stripped$/.test(d))).toEqual([]);
  });

  test('the installed footprint: agent under 40 MiB without its runtime, under 120 MiB with it', () => {
    const du = (p: string) => Number(sh('du', ['-sk', '--apparent-size', p]).stdout.split('\t')[0]);
    const all = du(built.agent.tree);
    const runtime = du(path.join(built.agent.tree, 'usr/lib/cpsbackup-agent/node'));
    expect(all - runtime).toBeLessThan(40 * 1024);
    expect(all).toBeLessThan(120 * 1024);
    // Installed-Size (KiB) is what the files take: the tree without its top directory's block.
    expect(Math.abs(Number(field('agent', 'Installed-Size')) - all)).toBeLessThanOrEqual(4);
  });
});

describe('control data', () => {
  test.each([
    ['agent', '/etc/cpsbackup/node.conf\n', 'conf/node.conf'],
    ['server', '/etc/cpsbackup/server.conf\n', 'conf/server.conf'],
  ] as const)('%s: its configuration is its one conffile, as conf/ has it', (program, conffiles, source) => {
    expect(sh('dpkg-deb', ['-I', built[program].deb, 'conffiles']).stdout).toBe(conffiles);
    expect(fs.readFileSync(path.join(built[program].tree, conffiles.trim()), 'utf8')).toBe(fs.readFileSync(path.join(REPO, source), 'utf8'));
  });

  test.each(['agent', 'server'] as const)('%s: Depends names the shared libraries, at versions Debian 12 has', (program) => {
    const depends = field(program, 'Depends');
    const libs = new Map([...depends.matchAll(/(libc6|libgcc-s1|libstdc\+\+6) \(>= ([\d.]+)\)/g)].map((m) => [m[1], m[2]]));
    expect([...libs.keys()].sort()).toEqual(['libc6', 'libgcc-s1', 'libstdc++6']);
    // Debian 12 (bookworm): glibc 2.36, GCC 12; Debian 13 has newer of each.
    const atMost = (v: string, max: number[]) => {
      const parts = v.split('.').map(Number);
      for (let i = 0; i < max.length; i++) if ((parts[i] ?? 0) !== max[i]) return (parts[i] ?? 0) < max[i];
      return true;
    };
    expect(atMost(libs.get('libc6')!, [2, 36])).toBe(true);
    expect(atMost(libs.get('libstdc++6')!, [12])).toBe(true);
    // Nothing else but adduser (the server's postinst makes its user) and procps (the
    // server unit's ExecReload runs /bin/kill): no nodejs, no npm.
    const others = depends
      .split(',')
      .map((d) => d.trim().split(' ')[0])
      .filter((d) => !libs.has(d));
    expect(others).toEqual(program === 'server' ? ['adduser', 'procps'] : []);
    expect(field(program, 'Architecture')).toBe('amd64');
    expect(field(program, 'Version')).toBe(VERSION);
  });

  test.each(['agent', 'server'] as const)('%s: maintainer scripts are POSIX sh that sh -n accepts', (program) => {
    const control = path.join(work, `${program}-control`);
    expect(sh('dpkg-deb', ['-e', built[program].deb, control]).code).toBe(0);
    for (const script of ['postinst', 'prerm', 'postrm']) {
      const file = path.join(control, script);
      expect(fs.readFileSync(file, 'utf8').split('\n')[0]).toBe('#!/bin/sh');
      expect(fs.statSync(file).mode & 0o777).toBe(0o755);
      expect(sh('sh', ['-n', file])).toMatchObject({ code: 0, stderr: '' });
    }
  });

  test('the server unit runs the packaged cpsbackupd on /etc/cpsbackup/server.conf; the agent units the packaged cpsbackup', () => {
    const unit = (program: 'agent' | 'server', name: string) => fs.readFileSync(path.join(built[program].tree, 'lib/systemd/system', name), 'utf8');
    expect(unit('server', 'cpsbackupd.service')).toMatch(/^ExecStart=\/usr\/bin\/cpsbackupd -c \/etc\/cpsbackup\/server.conf$/m);
    expect(unit('agent', 'cpsbackup-agent.service')).toMatch(/^ExecStart=\/usr\/bin\/cpsbackup -c \/etc\/cpsbackup\/node.conf --daemon$/m);
    expect(unit('agent', 'cpsbackup-backup.service')).toMatch(/^ExecStart=\/usr\/bin\/cpsbackup -c \/etc\/cpsbackup\/node.conf -e$/m);
  });

  test('lintian reports nothing that is not overridden with its reason', async () => {
    const { stdout, stderr } = await run('bash', [path.join(REPO, 'packaging/lint-package')], {
      env: { ...process.env, DEB_OUT: path.join(work, 'deb') },
      maxBuffer: 16 << 20,
    });
    expect(stdout).toBe('');
    expect(stderr.split('\n').filter((l) => /^[EWIPX]: /.test(l))).toEqual([]);
  }, 240_000);
});

describe('the bundled runtime runs the programs from the package alone', () => {
  /** A wrapper's command, with /usr/lib pointing into the extracted tree; run with env -i from a directory outside the checkout. */
  function runWrapper(
    program: 'agent' | 'server',
    name: string,
    args: string[],
    env: Record<string, string> = {},
  ): { code: number | null; stdout: string; stderr: string } {
    const text = fs.readFileSync(path.join(built[program].tree, 'usr/bin', name), 'utf8');
    expect(text.split('\n')[0]).toBe('#!/bin/sh');
    const exec = text.split('\n').find((l) => l.startsWith('exec '))!;
    expect(exec).toMatch(
      new RegExp(`^exec /usr/lib/cpsbackup-${program}/node( --[a-z0-9-]+(=\\S+)?)* /usr/lib/cpsbackup-${program}/node_modules/\\S+\\.js "\\$@"$`),
    );
    const script = path.join(work, `${name}-extracted`);
    fs.writeFileSync(script, text.replaceAll('/usr/lib/', `${built[program].tree}/usr/lib/`));
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'deb-run-'));
    return sh('env', ['-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'sh', script, ...args], { cwd });
  }

  test.each([
    ['agent', 'cpsbackup'],
    ['server', 'cpsbackupd'],
  ] as const)('%s: %s runs no code the environment names (NODE_OPTIONS, NODE_PATH, NODE_REPL_EXTERNAL_MODULE)', (program, name) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deb-inject-'));
    const marker = path.join(dir, 'ran');
    const evil = path.join(dir, 'evil.js');
    fs.writeFileSync(evil, `require('fs').writeFileSync(${JSON.stringify(marker)}, 'injected');\n`);
    fs.writeFileSync(path.join(dir, 'evil.mjs'), `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'injected');\n`);
    const env = {
      NODE_OPTIONS: `--require ${evil} --import ${path.join(dir, 'evil.mjs')}`,
      NODE_PATH: dir,
      NODE_REPL_EXTERNAL_MODULE: evil,
      NODE_TLS_REJECT_UNAUTHORIZED: '0',
    };
    expect(runWrapper(program, name, ['--version'], env)).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(fs.existsSync(marker)).toBe(false);
    // The bundled node itself, in that environment, does run it: the wrapper is what keeps it out.
    const node = path.join(built[program].tree, `usr/lib/cpsbackup-${program}/node`);
    expect(sh('env', ['-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), node, '-e', '0']).code).toBe(0);
    expect(fs.readFileSync(marker, 'utf8')).toBe('injected');
  });

  test('cpsbackup --version and -h, with the flags of its #! line', () => {
    const flags = fs.readFileSync(path.join(REPO, 'packages/agent/src/cli/main.ts'), 'utf8').split('\n')[0].replace('#!/usr/bin/env -S node', '').trim();
    expect(fs.readFileSync(path.join(built.agent.tree, 'usr/bin/cpsbackup'), 'utf8')).toContain(`/node ${flags} /usr/lib/`);
    expect(runWrapper('agent', 'cpsbackup', ['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    const help = runWrapper('agent', 'cpsbackup', ['-h']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/--enrol/);
  });

  test('cpsbackupd --version; check_cpsbackup answers as a Nagios plugin', () => {
    expect(runWrapper('server', 'cpsbackupd', ['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(runWrapper('server', 'check_cpsbackup', ['--url', 'http://127.0.0.1:1'])).toEqual({
      code: 3,
      stdout:
        'CPSBACKUP UNKNOWN - status port http://127.0.0.1:1 unreachable (fetch refuses to connect to this port: set status_port in server.conf to another, such as 4201)\n',
      stderr: '',
    });
  });

  test.each([
    ['agent', ['re2', 'zstd-napi', '@cpsbackup/syscalls']],
    ['server', ['re2', 'zstd-napi', 'better-sqlite3']],
  ] as const)('%s: each native addon loads and works', (program, addons) => {
    const lib = path.join(built[program].tree, `usr/lib/cpsbackup-${program}`);
    const probe = [
      `const r = (m) => require(require.resolve(m, { paths: [${JSON.stringify(lib)}] }));`,
      `const out = {};`,
      `for (const m of ${JSON.stringify(addons)}) {`,
      `  const a = r(m);`,
      `  if (m === 're2') out[m] = new a('^b+$').test('bbb');`,
      `  else if (m === 'zstd-napi') out[m] = a.decompress(a.compress(Buffer.from('cpsbackup'))).toString();`,
      `  else if (m === 'better-sqlite3') out[m] = new a(':memory:').prepare('select 6 * 7 as n').get().n;`,
      `  else out[m] = typeof a.renameNoReplace;`,
      `}`,
      `console.log(JSON.stringify(out));`,
    ].join('\n');
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'deb-run-'));
    const r = sh('env', ['-i', path.join(lib, 'node'), '-e', probe], { cwd });
    expect(r.stderr).toBe('');
    const expected: Record<string, unknown> = { re2: true, 'zstd-napi': 'cpsbackup', 'better-sqlite3': 42, '@cpsbackup/syscalls': 'function' };
    expect(JSON.parse(r.stdout)).toEqual(Object.fromEntries(addons.map((a) => [a, expected[a]])));
  });

  test("the server's make-certs makes a CA and a client's certificate with the packaged pki", () => {
    const text = fs.readFileSync(path.join(built.server.tree, 'usr/share/cpsbackup/make-certs'), 'utf8');
    const script = path.join(work, 'make-certs-extracted');
    fs.writeFileSync(script, text.replaceAll('/usr/lib/', `${built.server.tree}/usr/lib/`));
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'deb-run-'));
    const r = sh('env', ['-i', 'bash', script, path.join(cwd, 'certs'), 'node1'], { cwd });
    expect(r.code).toBe(0);
    expect(fs.readdirSync(path.join(cwd, 'certs')).sort()).toEqual(expect.arrayContaining(['ca.pem', 'cpsbackupd.pem', 'node1.key', 'node1.pem']));
  });
});
