/**
 * The files of the dump jobs (storage.conf) on the node: a dump a failed
 * load kept is the only copy of that data here, and a dump the restore
 * loads must be the one the restore wrote. Real cpsbackupd and CLI, dump
 * and restore commands run by /bin/sh.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
// Debian's python3: nobody may not run one installed under root's home.
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/**
 * A local user (nobody) who makes the dump directory under the target
 * before the restore (argv: the dump directory there, the directory of
 * theirs above it, where to leave marks), and beside their directory a
 * copy of it ending in a dump of their own. Once root has written the
 * dump (seen there, or the restore has given a directory on the way its
 * backed-up owner: every file is written then), they exchange the two
 * directories in one step (renameat2 RENAME_EXCHANGE: the dump's path
 * always leads to a file), and say so. They give up when told the restore
 * is over (then it wrote nothing there).
 */
const SWAPPER = `
import ctypes, os, sys
dumps, top, marks = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(dumps)
theirs = top + '.theirs'
os.makedirs(os.path.join(theirs, os.path.relpath(dumps, top)))
with open(os.path.join(theirs, os.path.relpath(dumps, top), 'good.dump'), 'w') as f:
    f.write("the user's payload\\n")
print('ready', flush=True)
def owned_by_root(p):
    try:
        return os.lstat(p).st_uid == 0
    except OSError:
        return False
# The dump, or a directory between it and theirs (the restore gives them their owner last, deepest first, once the files are written).
watched = [os.path.join(dumps, 'good.dump')]
while os.path.dirname(watched[-1]) != top:
    watched.append(os.path.dirname(watched[-1]))
while not any(owned_by_root(p) for p in watched):
    if os.path.exists(os.path.join(marks, 'done')):
        sys.exit('the restore wrote nothing in ' + dumps)
libc = ctypes.CDLL(None, use_errno=True)
if libc.renameat2(-100, top.encode(), -100, theirs.encode(), 2) != 0:
    sys.exit('renameat2: ' + os.strerror(ctypes.get_errno()))
open(os.path.join(marks, 'swapped'), 'w').close()
print('swapped', flush=True)
`;

describe('dump files on the node', () => {
  const { root, pki, server } = useServer('dump-files', { clients: { node: [] } });
  /** The local users' processes, ended if a test did not see them end; and directories made outside the server's root. */
  const swappers: ChildProcess[] = [];
  const outside: string[] = [];
  afterEach(() => {
    for (const p of swappers.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    for (const d of outside.splice(0)) spawnSync('rm', ['-rf', d]);
  });

  /** A node whose one dump job writes `source`'s content; its restore command is `restore` (a shell command on {file}). */
  function node(name: string, restore: string): { conf: string; dumps: string; source: string; data: string; storage: string } {
    const base = path.join(root, name);
    const dumps = path.join(base, 'dumps');
    const data = path.join(base, 'data');
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, 'app.conf'), 'x = 1\n');
    const source = path.join(base, 'database');
    const storage = path.join(base, 'storage.conf');
    fs.writeFileSync(storage, [`dump_directory = ${dumps}`, `dump = db: cat ${source} > {fifo}`, `restore = db: ${restore}`].join('\n') + '\n');
    const conf = writeNodeConf(base, server, { cname: 'node', cert: pki.client('node'), include: [data], extra: [`storage_conf = ${storage}`] });
    return { conf, dumps, source, data, storage };
  }

  test('a dump a failed load kept is moved aside by the next backup, with a warning, never deleted; a file a dump job leaves is not deleted', async () => {
    const n = node('kept', 'echo "the database refuses it" >&2; exit 3');
    fs.writeFileSync(n.source, 'version 1\n');
    expect((await runCli(['-c', n.conf, '-e'])).code).toBe(0);
    expect(fs.readdirSync(n.dumps)).toEqual([]);

    // Restored in place: the load fails, the dump is kept.
    const failed = await runCli(['-c', n.conf, '-i', '--prefix', n.dumps]);
    expect(failed.code).toBe(1);
    const kept = path.join(n.dumps, 'db.dump');
    expect(failed.stderr).toContain(`dump db: not loaded (restore of db failed (exit code 3): the database refuses it); the dump is kept in ${kept}`);
    expect(fs.readFileSync(kept, 'utf8')).toBe('version 1\n');

    // The next backup: the kept dump is moved aside, said, and backed up with the new dump.
    fs.writeFileSync(n.source, 'version 2\n');
    const next = await runCli(['-c', n.conf, '-e', '--json']);
    expect(next.stderr).toBe('');
    expect(next.code).toBe(5);
    const backup = JSON.parse(next.stdout).backup;
    const left = fs.readdirSync(n.dumps);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^db\.dump\.kept-\d{8}T\d{6}Z$/);
    const aside = path.join(n.dumps, left[0]!);
    expect(fs.readFileSync(aside, 'utf8')).toBe('version 1\n');
    expect(backup.warnings).toEqual([
      `dump job db: ${kept} was a regular file of 10 bytes (a dump a restore kept, or put there by hand), not a FIFO of a backup: ` +
        `moved to ${aside} for this backup's FIFO; load it or delete it once it is not needed`,
    ]);
    const look = path.join(root, 'kept-look');
    expect((await runCli(['-c', n.conf, '-i', String(backup.number), '--to', look, '--prefix', n.dumps])).code).toBe(0);
    expect(fs.readFileSync(path.join(look, kept), 'utf8')).toBe('version 2\n');
    expect(fs.readFileSync(path.join(look, aside), 'utf8')).toBe('version 1\n');

    // A dump command that puts a regular file where its FIFO was (once its dump is read): the backup's clean-up leaves it.
    fs.writeFileSync(
      n.storage,
      [`dump_directory = ${n.dumps}`, `dump = db: cat ${n.source} > {fifo}; echo "the tool's own file" > {fifo}.new; mv {fifo}.new {fifo}`].join('\n') + '\n',
    );
    fs.rmSync(aside);
    const leaves = await runCli(['-c', n.conf, '-e']);
    expect(leaves).toMatchObject({ code: 0, stderr: '' });
    expect(fs.readdirSync(n.dumps)).toEqual(['db.dump']);
    expect(fs.readFileSync(kept, 'utf8')).toBe("the tool's own file\n");
  });

  test('a dump a failed load kept does not concern a restore that does not select it; --overwrite restores the dump over it and loads it', async () => {
    const loaded = path.join(root, 'unselected-loaded');
    const refuse = path.join(root, 'unselected-refuse');
    const n = node('unselected', `if [ -e ${refuse} ]; then echo "the database refuses it" >&2; exit 3; fi; cat {file} > ${loaded}`);
    fs.writeFileSync(n.source, 'version 1\n');
    expect((await runCli(['-c', n.conf, '-e'])).code).toBe(0);
    fs.writeFileSync(refuse, '');
    const kept = path.join(n.dumps, 'db.dump');
    const failed = await runCli(['-c', n.conf, '-i', '--prefix', n.dumps]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`dump db: not loaded (restore of db failed (exit code 3): the database refuses it); the dump is kept in ${kept}`);
    fs.rmSync(refuse);

    // Other paths, in place, with and without --overwrite, by --prefix and by --regex: the kept dump is not looked at.
    const appConf = path.join(n.data, 'app.conf');
    for (const args of [
      ['--prefix', n.data, '--overwrite'],
      ['--regex', 'app\\.conf$', '--overwrite'],
      ['--prefix', appConf], // not there: restored without --overwrite
    ]) {
      if (!args.includes('--overwrite')) fs.rmSync(appConf);
      const other = await runCli(['-c', n.conf, '-i', ...args]);
      expect({ args, ...other }).toMatchObject({ args, code: 0, stderr: '' });
      expect(other.stdout).not.toContain('dump db');
    }
    expect(fs.readFileSync(appConf, 'utf8')).toBe('x = 1\n');
    expect(fs.readFileSync(kept, 'utf8')).toBe('version 1\n');
    expect(fs.existsSync(loaded)).toBe(false);

    // The dump directory with --overwrite: the backup's dump replaces the kept one and is loaded, then deleted.
    fs.writeFileSync(kept, 'an older dump\n');
    const again = await runCli(['-c', n.conf, '-i', '--prefix', n.dumps, '--overwrite']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('dump db: loaded');
    expect(fs.readFileSync(loaded, 'utf8')).toBe('version 1\n');
    expect(fs.readdirSync(n.dumps)).toEqual([]);
  });

  (isRoot ? test : test.skip)(
    '--load-dumps with --to never loads a dump another user could swap: a dump directory they made, a target they own or may write to',
    async () => {
      // Reachable by nobody (the test's own root is 0700), as /tmp is.
      const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsbackup-dump-swap-'));
      outside.push(base);
      fs.chmodSync(base, 0o755);
      const marks = path.join(base, 'marks');
      fs.mkdirSync(marks);
      fs.chownSync(marks, NOBODY, NOBODY);
      const live = path.join(base, 'live', 'dumps');
      const loaded = path.join(base, 'loaded');
      const storage = path.join(base, 'storage.conf');
      // The load waits for the swap (done at once where there is none to wait for), so that a load that happens reads what the user put there.
      fs.writeFileSync(
        storage,
        [
          `dump_directory = ${live}`,
          "dump = good: printf 'the genuine dump\\n' > {fifo}",
          `restore = good: while [ ! -e ${marks}/swapped ]; do sleep 0.01; done; cat {file} > ${loaded}`,
        ].join('\n') + '\n',
      );
      const conf = writeNodeConf(path.join(base, 'conf'), server, {
        cname: 'node',
        cert: pki.client('node'),
        include: [],
        extra: [`storage_conf = ${storage}`],
      });
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0);

      // Into a directory only root may write to: loaded.
      fs.writeFileSync(path.join(marks, 'swapped'), '');
      const safe = path.join(base, 'safe');
      const ok = await runCli(['-c', conf, '-i', '--to', safe, '--prefix', path.dirname(live), '--load-dumps']);
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toContain('dump good: loaded');
      expect(fs.readFileSync(loaded, 'utf8')).toBe('the genuine dump\n');
      fs.rmSync(loaded);
      fs.rmSync(path.join(marks, 'swapped'));

      // A scratch directory anyone may write to (sticky, as /tmp), and a user's own directory.
      const targets = [
        { target: path.join(base, 'scratch'), mode: 0o1777, owner: 0, why: (t: string) => `${t} can be written by others (mode 1777)` },
        { target: path.join(base, 'home'), mode: 0o755, owner: NOBODY, why: (t: string) => `${t} belongs to uid ${NOBODY}` },
      ];
      for (const { target, mode, owner, why } of targets) {
        fs.mkdirSync(target);
        fs.chmodSync(target, mode);
        fs.chownSync(target, owner, owner);
        const dumps = path.join(target, live);
        // Their directory above the dump directory: on the way to what is restored (--prefix), so the restore leaves it as it is.
        const top = path.join(target, base);
        const user = spawn('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', PYTHON, '-c', SWAPPER, dumps, top, marks], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        swappers.push(user);
        const exited = new Promise((resolve) => user.on('exit', resolve));
        let out = '';
        await new Promise<void>((resolve) =>
          user.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.includes('ready')) resolve();
          }),
        );
        const r = await runCli(['-c', conf, '-i', '--to', target, '--prefix', path.dirname(live), '--load-dumps']);
        fs.writeFileSync(path.join(marks, 'done'), '');
        await exited;
        expect({ out, r }).toMatchObject({ out: expect.stringContaining('swapped') }); // the race was run: the user replaced the dump root wrote
        expect(fs.existsSync(loaded)).toBe(false); // the load command never ran
        const file = path.join(dumps, 'good.dump');
        expect(fs.readFileSync(file, 'utf8')).toBe("the user's payload\n");
        expect(r.code).toBe(1);
        expect(r.stdout).not.toContain('dump good: loaded');
        expect(r.stderr).toContain(
          `cpsbackup: dump good: not loaded (${why(target)}: someone other than root could have put another file in place of the dump the restore wrote, ` +
            `so it is not loaded; restore it into a directory only root can write to, and load it from there); the dump is kept in ${file}\n`,
        );
        fs.rmSync(path.join(marks, 'swapped'));
        fs.rmSync(path.join(marks, 'done'));
      }
    },
  );
});
