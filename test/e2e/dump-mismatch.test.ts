/**
 * A restore whose backup's dumps and this node's dump jobs (storage.conf)
 * do not match, or whose dump's place holds a file the restore did not
 * write, or whose target is a sticky directory anyone may write to: every
 * dump not loaded is said, with where it is and what to do, and the exit
 * code says a load did not happen. Real cpsbackupd and CLI, dump and
 * restore commands run by /bin/sh.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

describe('dumps a restore does not load', () => {
  const { root, pki, server } = useServer('dump-mismatch', { clients: { node: [] } });

  /** storage.conf's lines for jobs that print "NAME DATA" into their FIFO and append what they load to `loaded`. */
  function jobLines(names: string[], loaded: string): string[] {
    return names.flatMap((n) => [`dump = ${n}: printf '${n.toUpperCase()} DATA\\n' > {fifo}`, `restore = ${n}: cat {file} >> ${loaded}`]);
  }

  /** A node with dump jobs db1 and db2 in BASE/dumps, backed up once; `storage` is rewritten by the tests. */
  async function backedUp(name: string): Promise<{ base: string; conf: string; storage: string; dumps: string; loaded: string; data: string }> {
    const base = path.join(root, name);
    const dumps = path.join(base, 'dumps');
    const data = path.join(base, 'data');
    const loaded = path.join(base, 'loaded.log');
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, 'app.conf'), 'x = 1\n');
    const storage = path.join(base, 'storage.conf');
    fs.writeFileSync(storage, [`dump_directory = ${dumps}`, ...jobLines(['db1', 'db2'], loaded)].join('\n') + '\n');
    const conf = writeNodeConf(base, server, { cname: 'node', cert: pki.client('node'), include: [data], extra: [`storage_conf = ${storage}`] });
    const e = await runCli(['-c', conf, '-e']);
    expect(e).toMatchObject({ code: 0, stderr: '' });
    return { base, conf, storage, dumps, loaded, data };
  }

  test('storage.conf changed since the backup: each dump no job loads and each job without a dump is said, on every path that loads, and the exit code is not 0', async () => {
    const n = await backedUp('changed');
    const dumps2 = path.join(n.base, 'dumps2');
    const db = (d: string, job: string) => path.join(d, `${job}.dump`);
    const stray = (job: string, why: string) =>
      `dump file ${db(n.dumps, job)} of this backup: not loaded (no dump job of this node loads it: ${why}); ` +
      `the dump is in ${db(n.dumps, job)}; load it with the restore command its database needs`;
    const missing = (job: string, dir: string) =>
      `dump job ${job}: nothing to load, backup 0000001 holds no dump at ${db(dir, job)} ` +
      `(the job is newer than the backup, or the backup was made with another dump_directory or job name); its database is left as it is`;
    const cases = [
      {
        what: 'another dump_directory',
        storage: [`dump_directory = ${dumps2}`, ...jobLines(['db1', 'db2'], n.loaded)],
        strays: ['db1', 'db2'].map((j) => stray(j, `${n.storage} has dump_directory ${dumps2}, not ${n.dumps}`)),
        missing: ['db1', 'db2'].map((j) => missing(j, dumps2)),
        loaded: '',
      },
      {
        what: 'a job renamed, one added',
        storage: [`dump_directory = ${n.dumps}`, ...jobLines(['db1renamed', 'db2', 'db3'], n.loaded)],
        strays: [stray('db1', `${n.storage} has no dump job db1`)],
        missing: [missing('db1renamed', n.dumps), missing('db3', n.dumps)],
        loaded: 'DB2 DATA\n',
      },
      {
        what: 'no dump jobs any more',
        storage: [`dump_directory = ${n.dumps}`],
        strays: ['db1', 'db2'].map((j) => stray(j, `${n.storage} has no dump job ${j}`)),
        missing: [],
        loaded: '',
      },
    ];
    for (const c of cases) {
      fs.writeFileSync(n.storage, c.storage.join('\n') + '\n');
      // In place (loads by default) and with --load-dumps: the dumps not loaded are errors (exit 1), the jobs without one warnings.
      for (const args of [['--overwrite'], ['--overwrite', '--load-dumps']]) {
        fs.rmSync(n.loaded, { force: true });
        const r = await runCli(['-c', n.conf, '-i', ...args]);
        expect({ what: c.what, args, code: r.code }).toEqual({ what: c.what, args, code: 1 });
        expect(r.stderr.trimEnd().split('\n')).toEqual(c.strays.map((l) => `cpsbackup: ${l}`));
        for (const m of c.missing) expect(r.stdout).toContain(`warning: ${m}\n`);
        expect(r.stdout.match(/^warning: dump job /gm) ?? []).toHaveLength(c.missing.length);
        expect(fs.existsSync(n.loaded) ? fs.readFileSync(n.loaded, 'utf8') : '').toBe(c.loaded);
        expect(fs.readFileSync(db(n.dumps, 'db1'), 'utf8')).toBe('DB1 DATA\n');
      }
      // Into a directory, looking: nothing is expected to load; every mismatch is still said, exit 0.
      const look = path.join(n.base, `look-${cases.indexOf(c)}`);
      const r = await runCli(['-c', n.conf, '-i', '--to', look, '--json']);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      const json = JSON.parse(r.stdout);
      expect(json.strayDumps.map((d: { stored: string; state: string }) => [d.stored, d.state])).toEqual(
        c.strays.map((l) => [l.slice('dump file '.length, l.indexOf(' of this backup')), 'kept']),
      );
      expect(json.missingDumps.map((d: { name: string }) => d.name)).toEqual(c.missing.map((l) => l.split(' ')[2]!.replace(':', '')));
      const text = await runCli(['-c', n.conf, '-i', '--to', `${look}-text`]);
      expect(text).toMatchObject({ code: 0, stderr: '' });
      for (const l of c.strays) expect(text.stdout).toContain(l.replace(/the dump is in \//, `the dump is in ${look}-text/`) + '\n');
      for (const m of c.missing) expect(text.stdout).toContain(`${m}\n`);
      expect(fs.readFileSync(path.join(`${look}-text`, db(n.dumps, 'db1')), 'utf8')).toBe('DB1 DATA\n');
    }

    // Only a job added: the others load; the new one is a warning (exit 5). A restore that does not select the dumps says nothing of them.
    fs.writeFileSync(n.storage, [`dump_directory = ${n.dumps}`, ...jobLines(['db1', 'db2', 'db3'], n.loaded)].join('\n') + '\n');
    fs.rmSync(n.loaded, { force: true });
    const added = await runCli(['-c', n.conf, '-i', '--overwrite']);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(5);
    expect(added.stdout).toContain('dump db1: loaded\ndump db2: loaded\n');
    expect(added.stdout).toContain(`warning: ${missing('db3', n.dumps)}\n`);
    expect(fs.readFileSync(n.loaded, 'utf8')).toBe('DB1 DATA\nDB2 DATA\n');
    const other = await runCli(['-c', n.conf, '-i', '--overwrite', '--prefix', n.data]);
    expect(other).toMatchObject({ code: 0, stderr: '' });
    expect(other.stdout).not.toContain('dump');

    // A node without storage.conf loads nothing unless --load-dumps asks it to: the dumps are told of; asked to load, it fails.
    fs.renameSync(n.storage, `${n.storage}.off`);
    const bare = writeNodeConf(path.join(n.base, 'bare'), server, { cname: 'node', cert: pki.client('node'), include: [n.data] });
    const none = 'this node has no storage.conf: it has no dump jobs';
    const told = await runCli(['-c', bare, '-i', '--overwrite']);
    expect(told).toMatchObject({ code: 0, stderr: '' });
    for (const j of ['db1', 'db2']) expect(told.stdout).toContain(`${stray(j, none)}\n`);
    const asked = await runCli(['-c', bare, '-i', '--overwrite', '--load-dumps']);
    expect(asked.code).toBe(1);
    expect(asked.stderr.trimEnd().split('\n')).toEqual(['db1', 'db2'].map((j) => `cpsbackup: ${stray(j, none)}`));
  });

  test("a file the restore did not write at a dump's place is never called the dump nor offered for loading", async () => {
    const n = await backedUp('planted');
    const file = path.join(n.dumps, 'db1.dump');
    fs.mkdirSync(n.dumps, { recursive: true });
    fs.writeFileSync(file, 'EVIL\n');
    const r = await runCli(['-c', n.conf, '-i']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('dump db2: loaded\n');
    expect(r.stderr).toBe(
      `cpsbackup: dump db1: not loaded (the restore did not write it: a file was there already, and a restore keeps what exists unless --overwrite is given); ` +
        `${file} is not this backup's dump and is left as it is; to replace it with the backup's dump and load it, restore again with --overwrite; ` +
        `to get the backup's dump elsewhere, restore with --to DIR\n`,
    );
    expect(fs.readFileSync(file, 'utf8')).toBe('EVIL\n');
    expect(fs.readFileSync(n.loaded, 'utf8')).toBe('DB2 DATA\n');

    // Looking into a directory where a file is already at a dump's place: no load command for it either.
    const look = path.join(n.base, 'look');
    const lookFile = path.join(look, file);
    fs.mkdirSync(path.dirname(lookFile), { recursive: true });
    fs.writeFileSync(lookFile, 'EVIL\n');
    const l = await runCli(['-c', n.conf, '-i', '--to', look]);
    expect(l).toMatchObject({ code: 5, stderr: '' }); // the restore's own warning: the file exists
    expect(l.stdout).toContain(
      `dump db1: not loaded (the restore did not write it: a file was there already, and a restore keeps what exists unless --overwrite is given); ` +
        `${lookFile} is not this backup's dump and is left as it is; to replace it with the backup's dump, restore again with --overwrite; ` +
        `to get the backup's dump elsewhere, restore with --to DIR\n`,
    );
    expect(l.stdout).not.toContain(`cat '${lookFile}'`);

    // A dump no job loads any more, its place taken: the same words.
    fs.writeFileSync(n.storage, [`dump_directory = ${n.dumps}`, ...jobLines(['db2'], n.loaded)].join('\n') + '\n');
    const s = await runCli(['-c', n.conf, '-i']);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain(
      `cpsbackup: dump file ${file} of this backup: not loaded (no dump job of this node loads it: ${n.storage} has no dump job db1); ` +
        `the restore did not write it: a file was there already, and a restore keeps what exists unless --overwrite is given: ` +
        `${file} is not this backup's dump and is left as it is; to get the backup's dump, restore it again with --overwrite, or with --to DIR\n`,
    );
    expect(fs.readFileSync(file, 'utf8')).toBe('EVIL\n');
  });

  (process.getuid?.() === 0 ? test : test.skip)(
    '--load-dumps --to a sticky directory anyone may write to: refused when the restore makes the next directory in it, loaded when root made it before',
    async () => {
      const n = await backedUp('sticky');
      const scratch = path.join(n.base, 'scratch');
      fs.mkdirSync(scratch, { mode: 0o1777 });
      fs.chmodSync(scratch, 0o1777);
      const next = path.join(scratch, n.dumps.split('/')[1]!);
      const file = (job: string) => path.join(scratch, n.dumps, `${job}.dump`);
      const r = await runCli(['-c', n.conf, '-i', '--to', scratch, '--load-dumps']);
      expect(r.code).toBe(1);
      for (const job of ['db1', 'db2']) {
        expect(r.stderr).toContain(
          `cpsbackup: dump ${job}: not loaded (${scratch} can be written by others (mode 1777), and ${next} was not there before the restore ` +
            `(anyone could have made it first): someone other than root could have put another file in place of the dump the restore wrote, so it is not loaded; ` +
            `restore it into a directory only root can write to, and load it from there); the dump is kept in ${file(job)}\n`,
        );
      }
      expect(fs.existsSync(n.loaded)).toBe(false);

      // Root's directories there before the restore (no one else may rename one in a sticky directory): loaded. All of them, as the
      // restore gives SCRATCH/tmp the backed-up /tmp's mode (1777) and what follows it must have been there before too.
      fs.rmSync(next, { recursive: true });
      fs.mkdirSync(path.join(scratch, n.dumps), { recursive: true, mode: 0o700 });
      const ok = await runCli(['-c', n.conf, '-i', '--to', scratch, '--load-dumps']);
      expect(ok).toMatchObject({ code: 0, stderr: '' });
      expect(ok.stdout).toContain('dump db1: loaded\ndump db2: loaded\n');
      expect(fs.readFileSync(n.loaded, 'utf8')).toBe('DB1 DATA\nDB2 DATA\n');
    },
  );
});
