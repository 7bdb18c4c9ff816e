import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildFidelityTree, rsyncBlindSpots, rsyncDiff, runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/**
 * A restore gives back what was backed up, as rsync -aHAX sees it: every
 * file type, mode bits, owners by number, hard links, device numbers,
 * nanosecond mtimes, ACLs, file capabilities, extended attributes of every
 * namespace, on files, directories and symlinks, under odd names.
 */
describe('fidelity: a tree of every file type and attribute, backed up and restored', () => {
  const { root, pki, server } = useServer('fidelity', { clients: { fidelity: [] } });
  const data = path.join(root, 'data');
  let skipped: string[] = [];
  beforeAll(() => {
    skipped = buildFidelityTree(data).skipped;
  });

  test('the comparison sees every kind of difference it is trusted with (rsync tried on trees that differ in one thing)', () => {
    const scratch = path.join(root, 'rsync-self-test');
    fs.mkdirSync(scratch);
    expect(rsyncBlindSpots(scratch)).toEqual([]);
  });

  test('the tree holds what it claims, and a faithful copy of it compares equal', () => {
    expect(skipped).toEqual(process.getuid?.() === 0 ? [] : expect.any(Array));
    const copy = path.join(root, 'rsync-copy');
    execFileSync('rsync', ['-aHAX', '--numeric-ids', `${data}/`, `${copy}/`]);
    expect(rsyncDiff(data, copy)).toEqual([]);
    // Against an empty directory every entry differs: names with a newline are one line each (rsync escapes them).
    const empty = path.join(root, 'rsync-empty');
    fs.mkdirSync(empty);
    const lines = rsyncDiff(data, empty);
    let entries = 0;
    const count = (p: Buffer) => {
      entries++;
      if (fs.lstatSync(p).isDirectory()) for (const n of fs.readdirSync(p, { encoding: 'buffer' })) count(Buffer.concat([p, Buffer.from('/'), n]));
    };
    for (const n of fs.readdirSync(data, { encoding: 'buffer' })) count(Buffer.concat([Buffer.from(data + '/'), n]));
    expect(lines.length).toBe(entries + 1); // and the top directory's own line
    if (process.getuid?.() === 0) {
      const attrs = execFileSync('getfattr', ['--absolute-names', '-h', '-d', '-m', '-', '-R', data], { encoding: 'latin1' });
      for (const name of [
        'security.capability',
        'system.posix_acl_access',
        'system.posix_acl_default',
        'trusted.on-a-link',
        'security.selinux',
        'user.binary',
      ]) {
        expect(attrs).toContain(`${name}=`);
      }
    }
  });

  test('backed up with the CLI and restored with --to into a fresh directory, rsync finds no difference; again after an unchanged re-backup', async () => {
    const conf = writeNodeConf(path.join(root, 'node'), server, { cname: 'fidelity', cert: pki.client('fidelity'), include: [data] });
    // The second backup reuses every file's previous entry without reading it: its attributes must come along.
    for (const number of ['1', '2']) {
      const backup = await runCli(['-c', conf, '-e']);
      expect(backup.stderr).toBe('');
      expect(backup.code).toBe(0);
      const to = path.join(root, `restore-${number}`);
      const restore = await runCli(['-c', conf, '-i', number, '--to', to]);
      expect(rsyncDiff(data, path.join(to, data))).toEqual([]);
      expect(restore.stderr).toBe('');
      expect(restore.stdout).not.toContain('warning');
      expect(restore.code).toBe(0);
    }
  });

  test('a real system tree (/etc, /usr/sbin) backed up and restored with --to: rsync finds no difference', async () => {
    const include = ['/etc', '/usr/sbin'];
    const conf = writeNodeConf(path.join(root, 'system-node'), server, { cname: 'fidelity', cert: pki.client('fidelity'), include });
    const backup = await runCli(['-c', conf, '-e']);
    expect([0, 5]).toContain(backup.code); // a file root may not read (none here) would be a warning
    const to = path.join(root, 'restore-system');
    const restore = await runCli(['-c', conf, '-i', '--to', to]);
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    for (const dir of include) expect(rsyncDiff(dir, path.join(to, dir))).toEqual([]);
  });
});
