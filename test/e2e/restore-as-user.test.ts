/**
 * A restore by a user other than root gives back what was backed up of a
 * tree: every entry's mode whatever the restoring process's umask (one
 * that takes the owner's bits away included), its content, and its user.
 * extended attributes, on read-only files and directories too. Real
 * cpsbackupd and CLI over TLS; the restore runs as nobody (setpriv), the
 * backup as root.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI_BIN, runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/** `cpsbackup args` run as nobody under `umask`: its exit code and output. */
function runAsNobody(umask: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const as = ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups'];
    const child = spawn('setpriv', [...as, 'sh', '-c', 'umask "$0" && exec "$@"', umask, process.execPath, CLI_BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The user. attributes of a path (as getfattr prints them, its first line, the path, left out). */
function userXattrs(p: string): string {
  const out = execFileSync('getfattr', ['--absolute-names', '-d', '-m', '^user\\.', p], { encoding: 'latin1' });
  return out.split('\n').slice(1).filter(Boolean).join(' ');
}

/** `dir` and every entry below it, sorted: relative path, type, permission bits, content (files), user. attributes. */
function describeTree(dir: string): string[] {
  const lines: string[] = [];
  const walk = (rel: string) => {
    const p = path.join(dir, rel);
    const st = fs.lstatSync(p);
    const content = st.isFile() ? fs.readFileSync(p, 'utf8') : '';
    lines.push(`${rel} ${st.isDirectory() ? 'd' : 'f'} ${(st.mode & 0o7777).toString(8)} ${JSON.stringify(content)} ${userXattrs(p)}`);
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(rel, n));
  };
  walk('.');
  return lines.sort();
}

(isRoot ? describe : describe.skip)('restore by a user other than root: modes whatever the umask, user. attributes of read-only entries', () => {
  const { pki, server } = useServer('restore-as-user', { clients: { node: [] } });
  // nobody's own place (its configuration, key, and where it restores), outside the test's root-only directory.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsbackup-as-user-'));
  const data = path.join(home, 'data');
  let conf = '';

  beforeAll(async () => {
    fs.chmodSync(home, 0o755);
    fs.mkdirSync(data);
    const files: [string, number, string | undefined][] = [
      ['plain', 0o644, 'plain'],
      ['private', 0o600, undefined],
      ['tool', 0o755, undefined],
      ['r400', 0o400, 'read-only'],
      ['r444', 0o444, 'read-only by all'],
      ['r555', 0o555, 'executable'],
      ['r000', 0o000, 'no access'],
      ['sub/deep/f', 0o640, undefined],
      ['locked/inside', 0o444, 'in a read-only directory'],
    ];
    for (const [rel, mode, tag] of files) {
      const p = path.join(data, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, `${rel}\n`);
      fs.chmodSync(p, mode);
      if (tag) execFileSync('setfattr', ['-n', 'user.tag', '-v', tag, p]);
    }
    execFileSync('setfattr', ['-n', 'user.tag', '-v', 'a read-only directory', path.join(data, 'locked')]);
    fs.chmodSync(path.join(data, 'sub'), 0o750);
    fs.chmodSync(path.join(data, 'sub', 'deep'), 0o700);
    fs.chmodSync(path.join(data, 'locked'), 0o500);
    for (const p of [home, data]) execFileSync('setfattr', ['-n', 'user.tag', '-v', 'writable', p]);

    // The CLI's configuration and key where nobody reads them (the test's PKI is root's only).
    const confDir = path.join(home, 'conf');
    fs.mkdirSync(confDir);
    const cert = pki.client('node');
    const own = { cert: path.join(confDir, 'node.crt'), key: path.join(confDir, 'node.key') };
    fs.copyFileSync(cert.cert, own.cert);
    fs.copyFileSync(cert.key, own.key);
    fs.copyFileSync(server.pki.caFile, path.join(confDir, 'ca.crt'));
    conf = writeNodeConf(confDir, server, { cname: 'node', cert: own, include: [data] });
    fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/^ssl_cert_ca = .*$/m, `ssl_cert_ca = ${path.join(confDir, 'ca.crt')}`));
    execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, confDir]);
    fs.mkdirSync(path.join(home, 'restores'));
    fs.chownSync(path.join(home, 'restores'), NOBODY, NOBODY);

    const backup = await runCli(['-c', conf, '-e']);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
  });

  afterAll(() => {
    execFileSync('rm', ['-rf', home]);
  });

  test('the tree holds the read-only entries with attributes it claims', () => {
    const want = describeTree(data);
    expect(want).toContain('. d 755 "" user.tag="writable"');
    expect(want).toContain('locked d 500 "" user.tag="a read-only directory"');
    expect(want).toContain('r000 f 0 "r000\\n" user.tag="no access"');
    expect(want).toContain('r444 f 444 "r444\\n" user.tag="read-only by all"');
  });

  // Each umask into a --to that does not exist yet: the restore makes it, with what the umask leaves and its owner's bits.
  test.each([
    ['0022', '755'],
    ['0177', '700'],
    ['0222', '755'],
    ['0377', '700'],
    ['0777', '700'],
  ])('as nobody under umask %s: every mode, content and user. attribute as backed up; the --to made is %s', async (umask, targetMode) => {
    const to = path.join(home, 'restores', `umask-${umask}`);
    const r = await runAsNobody(umask, ['-c', conf, '-i', '1', '--to', to]);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('warning');
    expect(r.code).toBe(0);
    expect((fs.statSync(to).mode & 0o7777).toString(8)).toBe(targetMode);
    const restored = path.join(to, data);
    expect(describeTree(restored)).toEqual(describeTree(data));
    expect(fs.statSync(restored).uid).toBe(NOBODY);
    // The directories on the way to the include too (the test's home, its mode and attribute).
    expect(fs.statSync(path.join(to, home)).mode & 0o7777).toBe(0o755);
    expect(userXattrs(path.join(to, home))).toBe('user.tag="writable"');
  });

  test('as nobody under umask 0377, one file chosen with --regex: made with its mode, and the directories on its way as they were', async () => {
    const to = path.join(home, 'restores', 'regex-0377');
    const r = await runAsNobody('0377', ['-c', conf, '-i', '1', '--to', to, '--regex', 'deep/f$']);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('warning');
    expect(r.code).toBe(0);
    const restored = path.join(to, data);
    expect(describeTree(restored)).toEqual(describeTree(data).filter((line) => /^(\.|sub|sub\/deep|sub\/deep\/f) /.test(line)));
  });
});
