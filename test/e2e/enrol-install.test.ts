import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { requireBuild, runCli, tempDir, TestPki, TestServer } from '../helpers/cluster';
import { snapshotTree } from '../helpers/tree';

const INSTALL = path.resolve(__dirname, '../../scripts/install-agent');
const run = promisify(execFile);

async function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('enrolment and installing the agent', () => {
  let root: string;
  let pki: TestPki;
  let server: TestServer;

  beforeAll(async () => {
    requireBuild();
    root = tempDir('install');
    pki = new TestPki(path.join(root, 'pki'));
    server = new TestServer(root, pki, [`ca_key = ${path.join(pki.dir, 'ca.key')}`]);
    fs.writeFileSync(path.join(pki.dir, 'ca.key'), pki.ca.keyPem, { mode: 0o600 });
    server.addClient('fresh', ['password = s3cret-once']);
    server.addClient('other', ['password = other-pass']);
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('install into a fresh directory, enrol once, back up and restore with the installed agent', async () => {
    const prefix = path.join(root, 'node-root');
    const data = path.join(root, 'node-data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'config.yml'), 'important: true\n');
    const inst = await sh(INSTALL, [
      '--prefix', prefix,
      '--server', '127.0.0.1',
      '--port', String(server.port),
      '--cname', 'fresh',
      '--ca', pki.caFile,
      '--password', 's3cret-once',
      '--include', data,
    ]);
    expect(inst.stderr).toBe('');
    expect(inst.code).toBe(0);
    expect(inst.stdout).toMatch(/Enrolled fresh: certificate .*fresh\.pem \(SHA-256 [0-9a-f:]{95}\)/);
    const bin = path.join(prefix, 'usr/bin/cpsbackup');
    const etc = path.join(prefix, 'etc/cpsbackup');
    expect(fs.statSync(path.join(etc, 'certs/fresh.key')).mode & 0o777).toBe(0o600);
    const unit = fs.readFileSync(path.join(prefix, 'lib/systemd/system/cpsbackup-agent.service'), 'utf8');
    expect(unit).toContain(`ExecStart=${bin} -c ${etc}/node.conf --daemon`);
    // The installed copy runs on its own: no reference back into the repository.
    expect(fs.readFileSync(bin, 'utf8')).not.toContain(path.resolve(__dirname, '../..') + '/packages');

    const backup = await sh(bin, ['-e', '--json']);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const to = path.join(root, 'restored');
    expect((await sh(bin, ['-i', '--to', to])).code).toBe(0);
    expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));

    // A second enrolment under that name is refused, even with the right password.
    fs.rmSync(path.join(etc, 'certs/fresh.pem'));
    fs.rmSync(path.join(etc, 'certs/fresh.key'));
    const again = await sh(bin, ['--enrol', '--password', 's3cret-once']);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/client fresh is already enrolled \(since \d{4}-.*\); to enrol it again, remove .*enrolled\/fresh on the server/);
    expect(fs.existsSync(path.join(etc, 'certs/fresh.pem'))).toBe(false);
    expect(server.logLines().filter((l) => l.msg === 'client enrolled')).toHaveLength(1);
  });

  test('a wrong password or an unknown name is refused without saying which', async () => {
    const prefix = path.join(root, 'intruder');
    const inst = await sh(INSTALL, ['--prefix', prefix, '--server', '127.0.0.1', '--port', String(server.port), '--cname', 'other', '--ca', pki.caFile]);
    expect(inst.code).toBe(0);
    const bin = path.join(prefix, 'usr/bin/cpsbackup');
    const wrong = await sh(bin, ['--enrol', '--password', 'guess']);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/enrolment of "other" refused: unknown client or wrong password/);
    const conf = path.join(prefix, 'etc/cpsbackup/node.conf');
    fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace('cname = other', 'cname = nobody'));
    const unknown = await sh(bin, ['--enrol', '--password', 'other-pass']);
    expect(unknown.stderr).toMatch(/enrolment of "nobody" refused: unknown client or wrong password/);
    // Without a certificate, the node cannot do anything else.
    expect((await runCli(['-c', conf, '-l'])).code).toBe(2);
  });
});
