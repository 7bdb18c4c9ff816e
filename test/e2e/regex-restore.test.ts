import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/**
 * --regex is run by the node with RE2 as it walks the backup's tree: only
 * the matching files' chunks cross the network, a pattern that would
 * backtrack for ever in a backtracking engine takes linear time, and one
 * RE2 does not take is a usage error.
 */
describe('restore --regex, selected on the node', () => {
  const { root, pki, server } = useServer('regex', { clients: { rx: [] } });
  const data = path.join(root, 'data');
  let conf: string;

  beforeAll(async () => {
    fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
    const rnd = new SeededRandom('regex');
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(data, `big${i}.bin`), rnd.bytes(1_000_000));
    for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(data, 'sub', `keep${i}.txt`), `keep ${i}\n`);
    fs.writeFileSync(path.join(data, `${'a'.repeat(60)}b`), 'evil name\n');
    conf = writeNodeConf(path.join(root, 'node'), server, { cname: 'rx', cert: pki.client('rx'), include: [data] });
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
  });

  test('only the matching files are sent and written', async () => {
    const to = path.join(root, 'sel');
    const r = await runCli(['-c', conf, '-i', '--to', to, '--regex', 'keep[0-9]\\.txt$', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).entries).toBe(3);
    expect(fs.readdirSync(path.join(to, data, 'sub')).sort()).toEqual(['keep0.txt', 'keep1.txt', 'keep2.txt']);
    expect(fs.readFileSync(path.join(to, data, 'sub', 'keep1.txt'), 'utf8')).toBe('keep 1\n');
    // What the server sent of the files: 3 of 7 bytes, not the 20 MB beside them.
    const finished = server.logLines().filter((l) => l.msg === 'restore finished');
    expect(finished[finished.length - 1]).toMatchObject({ bytes: 21 });
  });

  test('a pattern that backtracks exponentially elsewhere runs in linear time', async () => {
    const to = path.join(root, 'evil');
    const r = await runCli(['-c', conf, '-i', '--to', to, '--regex', '^/.*/(a+)+$'], { timeoutMs: 30_000 });
    expect(r.code).toBe(6); // no path ends in a's only: nothing matched, said as such
    expect(r.stderr).toContain('nothing in backup 0000001 matches --regex ^/.*/(a+)+$');
    // The hint is --regex's own: it matches names as they are, not as -s escapes them (that is --prefix's form).
    expect(r.stderr).toContain('--regex is matched against the names themselves, not as -s escapes them');
    expect(r.stderr).not.toContain('give --prefix paths');
  });

  test('a pattern RE2 does not take is a usage error naming why', async () => {
    const r = await runCli(['-c', conf, '-i', '--to', path.join(root, 'bad'), '--regex', 'keep(?=0)']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a regular expression cpsbackup takes (RE2 syntax: no backreferences or lookaround)');
    expect(fs.existsSync(path.join(root, 'bad'))).toBe(false);
  });
});
