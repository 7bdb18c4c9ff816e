/**
 * Symbolic links on the way to an include, through the real cpsbackup
 * and cpsbackupd: root's own links are followed (the data backed up
 * where it lies, the link beside it); a link a user owns is backed up as
 * the link, never followed into what root alone may read, and said.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, snapshotTree, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

const USER = 1000;

(process.getuid?.() === 0 ? describe : describe.skip)('symbolic links on the way to an include', () => {
  const { root, pki, server } = useServer('include-links', { clients: { glob: [], below: [] } });

  function write(p: string, text: string, mode = 0o644): void {
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text, { mode });
  }
  /** A symbolic link at `at` to `to`, owned by `uid`. */
  function link(to: string, at: string, uid: number): void {
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.symlinkSync(to, at);
    fs.lchownSync(at, uid, uid);
  }

  async function backedUp(cname: string, include: string[], extra: string[]): Promise<{ warnings: string[]; restored: string }> {
    const conf = writeNodeConf(path.join(root, 'conf'), server, { cname, cert: pki.client(cname), include, extra });
    const b = await runCli(['-c', conf, '-e', '--json']);
    expect({ code: b.code, stderr: b.stderr }).toEqual({ code: 5, stderr: '' }); // complete, with warnings
    const restored = path.join(root, `restored-${cname}`);
    const r = await runCli(['-c', conf, '-i', '--to', restored]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    return { warnings: (JSON.parse(b.stdout) as { backup: { warnings: string[] } }).backup.warnings, restored };
  }

  test("include_glob = /home/*/Documents: a user's Documents made a link to a root-only directory is backed up as the link, not followed", async () => {
    const data = path.join(root, 'glob');
    const secret = path.join(data, 'secret');
    write(path.join(secret, 'key'), 'root only\n', 0o600);
    write(path.join(secret, 'data', 'f'), 'root only\n', 0o600);
    fs.chmodSync(secret, 0o700);
    write(path.join(data, 'home', 'alice', 'Documents', 'a.txt'), 'alice\n');
    fs.mkdirSync(path.join(data, 'home', 'mallory'), { recursive: true });
    fs.chownSync(path.join(data, 'home', 'mallory'), USER, USER);
    link(secret, path.join(data, 'home', 'mallory', 'Documents'), USER);
    // A nested include whose component bob replaced with his link.
    fs.mkdirSync(path.join(data, 'home', 'bob'), { recursive: true });
    fs.chownSync(path.join(data, 'home', 'bob'), USER, USER);
    link(secret, path.join(data, 'home', 'bob', 'keep'), USER);
    // Root's own link (/var/lib -> /data/lib): followed, as before.
    write(path.join(data, 'srv', 'lib', 'db'), 'the data\n');
    link(path.join(data, 'srv', 'lib'), path.join(data, 'var', 'lib'), 0);

    const { warnings, restored } = await backedUp(
      'glob',
      [path.join(data, 'home', 'bob', 'keep', 'data'), path.join(data, 'var', 'lib')],
      [`include_glob = ${data}/home/*/Documents`],
    );
    const notFollowed = (include: string, l: string, to: string) =>
      `include ${include} goes through a symbolic link ${l} owned by uid ${USER}, not by root: not followed (its owner can point it anywhere), ` +
      `only the link is backed up; to back up what it leads to, include = ${to}`;
    expect([...warnings].sort()).toEqual(
      [
        notFollowed(path.join(data, 'home/bob/keep/data'), path.join(data, 'home/bob/keep'), path.join(secret, 'data')),
        notFollowed(path.join(data, 'home/mallory/Documents'), path.join(data, 'home/mallory/Documents'), secret),
        `include ${path.join(data, 'var/lib')} goes through a symbolic link (${path.join(data, 'var/lib')}): backed up ${path.join(data, 'srv/lib')} and the link`,
      ].sort(),
    );
    const got = snapshotTree(path.join(restored, data));
    const source = snapshotTree(data);
    const expected = [
      'home',
      'home/alice',
      'home/alice/Documents',
      'home/alice/Documents/a.txt',
      'home/bob',
      'home/bob/keep',
      'home/mallory',
      'home/mallory/Documents',
      'srv',
      'srv/lib',
      'srv/lib/db',
      'var',
      'var/lib',
    ];
    expect([...got.keys()].sort()).toEqual(expected);
    for (const p of expected) expect({ p, ...got.get(p) }).toEqual({ p, ...source.get(p) });
    expect(got.get('home/mallory/Documents')).toMatchObject({ type: 'symlink', target: secret });
    expect(fs.lstatSync(path.join(restored, data, 'home/mallory/Documents')).uid).toBe(USER);
  });

  test("include /home, exclude /home/bob, include /home/bob/keep where keep is root's link: the link and its data are backed up, as the warning says", async () => {
    const data = path.join(root, 'below');
    write(path.join(data, 'home', 'bob', 'notes'), 'not backed up\n');
    write(path.join(data, 'home', 'ann', 'a'), 'ann\n');
    write(path.join(data, 'kept', 'k'), 'kept\n');
    link(path.join(data, 'kept'), path.join(data, 'home', 'bob', 'keep'), 0);
    const home = path.join(data, 'home');
    const { warnings, restored } = await backedUp('below', [home, path.join(home, 'bob', 'keep')], [`exclude = ${path.join(home, 'bob')}`]);
    expect(warnings).toEqual([
      `include ${path.join(home, 'bob/keep')} goes through a symbolic link (${path.join(home, 'bob/keep')}): backed up ${path.join(data, 'kept')} and the link`,
    ]);
    const got = snapshotTree(path.join(restored, data));
    expect([...got.keys()].sort()).toEqual(['home', 'home/ann', 'home/ann/a', 'home/bob', 'home/bob/keep', 'kept', 'kept/k']);
    expect(got.get('home/bob/keep')).toMatchObject({ type: 'symlink', target: path.join(data, 'kept') });
    expect(fs.readFileSync(path.join(restored, data, 'kept', 'k'), 'utf8')).toBe('kept\n');
  });
});
