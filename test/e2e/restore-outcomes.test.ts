/**
 * What a restore says it did, and its exit code: a file kept because it
 * exists, a damaged one, a partial backup restored, a restore that cannot
 * write. Real cpsbackupd and CLI.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { rawBackup, runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

const isRoot = process.getuid?.() === 0;

describe('what a restore reports', () => {
  const { root, pki, server } = useServer('restore-outcomes', { clients: { node: [], forger: [], lonely: [], fatal: [] } });
  /** Filesystems mounted by a test, unmounted after it. */
  const mounts: string[] = [];
  afterEach(() => {
    for (const m of mounts.splice(0)) execFileSync('umount', [m]);
  });

  test('--prefix or --regex selecting files that exist (no --overwrite): each kept with its warning, exit 5, not "nothing matched"', async () => {
    const data = path.join(root, 'data');
    fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(data, 'app.conf'), 'x = 1\n');
    fs.writeFileSync(path.join(data, 'sub', 'other'), 'y\n');
    const conf = writeNodeConf(root, server, { cname: 'node', cert: pki.client('node'), include: [data] });
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    const file = path.join(data, 'app.conf');
    fs.writeFileSync(file, 'x = 2\n');

    for (const select of [
      ['--prefix', file],
      ['--prefix', path.join(data, 'sub')],
      ['--regex', 'app\\.conf$'],
    ]) {
      const r = await runCli(['-c', conf, '-i', ...select]);
      expect({ select, ...r }).toMatchObject({ select, code: 5, stderr: '' });
      expect(r.stdout).toMatch(/^warning: .*: exists \(use --overwrite to replace it\)$/m);
      const json = JSON.parse((await runCli(['-c', conf, '-i', ...select, '--json'])).stdout);
      expect(json.skipped).toBe(1);
    }
    expect(fs.readFileSync(file, 'utf8')).toBe('x = 2\n'); // kept as it was
    // What is not in the backup at all is still "nothing matched", exit 6.
    const none = await runCli(['-c', conf, '-i', '--prefix', path.join(data, 'absent')]);
    expect(none.code).toBe(6);
    expect(none.stderr).toMatch(/nothing in backup 0000001 is at or below --prefix/);
  });

  test('--prefix selecting only a damaged file: named as not restored, exit 1, not "nothing matched"', async () => {
    await rawBackup(server, 'forger', pki.client('forger'), [
      { path: '/forged/big.db', content: Buffer.alloc(0), size: 1024 ** 3 },
      { path: '/forged/fine', content: Buffer.from('fine\n') },
    ]);
    const conf = writeNodeConf(path.join(root, 'forger'), server, { cname: 'forger', cert: pki.client('forger'), include: [] });
    const to = path.join(root, 'restore-forged');
    const r = await runCli(['-c', conf, '-i', '--to', to, '--prefix', '/forged/big.db']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'cpsbackup: /forged/big.db: not restored: its entry says 1073741824 bytes, its 0 chunks hold 0 (the node that made the backup recorded it wrongly, or the backup is damaged: restore this file from another backup)\n',
    );
  });

  test('a partial backup restored (the only kind there is, or named): said, with its reason, exit 5', async () => {
    const data = path.join(root, 'lonely-data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'kept'), 'kept\n');
    const disk = path.join(root, 'lonely-disk');
    const conf = writeNodeConf(path.join(root, 'lonely'), server, { cname: 'lonely', cert: pki.client('lonely'), include: [data, disk] });
    expect((await runCli(['-c', conf, '-e'])).code).toBe(9);
    const reason = `include ${disk} could not be read (ENOENT)`;

    const plain = await runCli(['-c', conf, '-i', '--to', path.join(root, 'lonely-plain')]);
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(5);
    expect(plain.stdout).toContain(
      `warning: backup 0000001 is PARTIAL (${reason}): this node has no complete backup, so the newest partial one was restored; what it lacks was not restored\n`,
    );
    expect(fs.readFileSync(path.join(root, 'lonely-plain', data, 'kept'), 'utf8')).toBe('kept\n');
    const json = await runCli(['-c', conf, '-i', '--to', path.join(root, 'lonely-json'), '--json']);
    expect(json.code).toBe(5);
    expect(JSON.parse(json.stdout)).toMatchObject({
      backup: { number: 1, status: 'partial', partial: reason },
      warnings: [expect.stringContaining('is PARTIAL')],
    });
    const named = await runCli(['-c', conf, '-i', '1', '--to', path.join(root, 'lonely-named')]);
    expect(named.code).toBe(5);
    expect(named.stdout).toContain(`warning: backup 0000001 is PARTIAL (${reason}); what it lacks was not restored\n`);

    // Once a complete backup exists, a plain -i restores it, with nothing to say.
    fs.mkdirSync(disk);
    fs.writeFileSync(path.join(disk, 'db'), 'db\n');
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    const complete = await runCli(['-c', conf, '-i', '--to', path.join(root, 'lonely-complete')]);
    expect(complete).toMatchObject({ code: 0, stderr: '' });
    expect(complete.stdout).toMatch(/^Restored backup 0000002: /);
    expect(complete.stdout).not.toContain('warning');
  });

  (isRoot ? test : test.skip)(
    'a filesystem that stops every write (read-only, full): one line that names the path under the target and what to do, exit 1, no stack trace',
    async () => {
      const data = path.join(root, 'fatal-data');
      fs.mkdirSync(path.join(data, 'etc'), { recursive: true });
      fs.writeFileSync(path.join(data, 'etc', 'x'), 'x\n');
      fs.writeFileSync(path.join(data, 'big.db'), new SeededRandom('big').bytes(4 * 1024 * 1024));
      for (const n of ['a1.txt', 'a2.txt']) fs.writeFileSync(path.join(data, n), `${n}\n`); // restored before big.db, which fills the disk
      fs.chmodSync(data, 0o751); // a mode the restore must give back to the directory it made, stopped or not
      const conf = writeNodeConf(path.join(root, 'fatal'), server, { cname: 'fatal', cert: pki.client('fatal'), include: [data] });
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
      const first = data.split('/')[1]!; // the first directory a restore makes under the target

      const ro = path.join(root, 'read-only');
      fs.mkdirSync(ro);
      mounts.push(ro);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]);
      const r = await runCli(['-c', conf, '-i', '--to', ro]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `cpsbackup: cannot restore into ${ro}: its filesystem is read-only (EROFS, mkdirat ${path.join(ro, first)}); ` +
          'remount it read-write (mount -o remount,rw), or restore into another directory with --to\n',
      );

      // The target itself to be made there.
      const sub = path.join(ro, 'sub');
      const s = await runCli(['-c', conf, '-i', '--to', sub]);
      expect(s).toMatchObject({ code: 1, stdout: '' });
      expect(s.stderr).toBe(
        `cpsbackup: cannot restore into ${sub}: its filesystem is read-only (EROFS, mkdir ${sub}); ` +
          'remount it read-write (mount -o remount,rw), or restore into another directory with --to\n',
      );

      const full = path.join(root, 'full');
      fs.mkdirSync(full);
      mounts.push(full);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', full]);
      const f = await runCli(['-c', conf, '-i', '--to', full]);
      expect(f).toMatchObject({ code: 1, stdout: '' });
      // The file being written, how far into it, what was complete before it, where to free space; nothing half-written left.
      const big = path.join(full, data, 'big.db');
      const m = new RegExp(
        `^cpsbackup: restore stopped: no space left on device \\(ENOSPC\\) writing ${big} at byte (\\d+) of ${4 * 1024 * 1024}; ` +
          `2 files were restored complete before it, and ${big} was removed \\(no partial file is left\\); ` +
          `free space on ${full} \\([0-9.]+ [KM]?i?B free now\\), or restore into another directory with --to; ` +
          'then run the same restore again: the files already restored are kept as they are \\(--overwrite replaces them\\)\n$',
      ).exec(f.stderr);
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThan(0);
      expect(Number(m![1])).toBeLessThan(4 * 1024 * 1024);
      expect(fs.existsSync(big)).toBe(false);
      for (const n of ['a1.txt', 'a2.txt']) expect(fs.readFileSync(path.join(full, data, n), 'utf8')).toBe(`${n}\n`);
      // The directories it made have their modes, as after Ctrl-C: not the 0700 they are made with.
      for (let d = data; d !== '/'; d = path.dirname(d)) {
        expect([d, (fs.statSync(path.join(full, d)).mode & 0o7777).toString(8)]).toEqual([d, (fs.statSync(d).mode & 0o7777).toString(8)]);
      }
    },
  );

  test('--to with no directory is a usage error', async () => {
    const conf = writeNodeConf(path.join(root, 'usage'), server, { cname: 'node', cert: pki.client('node'), include: [] });
    const r = await runCli(['-c', conf, '-i', '--to', '']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'cpsbackup: --to needs the directory to restore into (--to / for the original paths)\n' });
  });
});
