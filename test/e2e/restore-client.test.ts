import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { runCli, snapshotTree, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/**
 * Burp's restore_client: a node rebuilt under another name, or an
 * operator's node, lists and restores a client's backups when that
 * client's file names it; nobody else can, and the refusal says the same
 * whether the client exists or not.
 */
describe('restore onto another node (restore_client)', () => {
  const { root, pki, server } = useServer('restore-client', {
    clients: { web1: ['restore_client = rebuilt', 'restore_client = ops'], rebuilt: [], ops: [], other: [] },
  });
  const data = path.join(root, 'web1-data');
  const conf = (name: string) =>
    writeNodeConf(path.join(root, name), server, { cname: name, cert: pki.client(name), include: [path.join(root, `${name}-data`)] });

  beforeAll(async () => {
    fs.mkdirSync(path.join(data, 'etc'), { recursive: true });
    const rnd = new SeededRandom('web1');
    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(data, 'etc', `f${i}`), rnd.bytes(2000 + i * 3000));
    fs.symlinkSync('etc/f1', path.join(data, 'link'));
    const e = await runCli(['-c', conf('web1'), '-e']);
    expect(e.code).toBe(0);
  });

  test("a node named in restore_client lists, shows and restores the client's backups bit-exact", async () => {
    const rebuilt = conf('rebuilt');
    const l = await runCli(['-c', rebuilt, '-l', '-C', 'web1']);
    expect(l.code).toBe(0);
    const lines = l.stdout.split('\n');
    // Listing another client's backups never offers to delete them.
    expect(lines[0]).toMatch(/^Backup: 0000001 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const s = await runCli(['-c', rebuilt, '-s', '1', '--client', 'web1']);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain(`${data}/etc/f39`);
    const to = path.join(root, 'restored');
    const i = await runCli(['-c', rebuilt, '-i', '-C', 'web1', '--to', to]);
    expect(i.code).toBe(0);
    expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
    // Its own list is still its own (empty).
    expect((await runCli(['-c', rebuilt, '-l'])).stdout).not.toMatch(/^Backup:/m);
  });

  test('a node not named is refused, with the same words for a client that does not exist', async () => {
    const other = conf('other');
    const a = await runCli(['-c', other, '-i', '-C', 'web1', '--to', path.join(root, 'nope')]);
    const b = await runCli(['-c', other, '-l', '-C', 'ghost']);
    expect([a.code, b.code]).toEqual([8, 8]);
    expect(a.stderr).toContain('client other may not restore the backups of "web1": that client\'s file on the server must name other in restore_client');
    expect(b.stderr.replace('ghost', 'web1')).toBe(a.stderr);
    expect(fs.existsSync(path.join(root, 'nope'))).toBe(false);
  });

  test('restore_client grants no delete: -C goes with -l, -s and -i only', async () => {
    const d = await runCli(['-c', conf('ops'), '-d', '1', '-C', 'web1']);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('--client (-C) goes with -l, -s, --diff or -i only');
    expect((await runCli(['-c', conf('web1'), '-l'])).stdout).toMatch(/^Backup: 0000001 \S+ \S+ \(deletable\)$/m);
  });
});
