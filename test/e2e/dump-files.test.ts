/**
 * The files of the dump jobs (storage.conf) on the node: a dump a failed
 * load kept is the only copy of that data here, and a dump the restore
 * loads must be the one the restore wrote. Real cpsbackupd and CLI, dump
 * and restore commands run by /bin/sh.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

describe('dump files on the node', () => {
  const { root, pki, server } = useServer('dump-files', { clients: { node: [] } });

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
    expect((await runCli(['-c', n.conf, '-e'])).code).toBe(0);
    expect(fs.readdirSync(n.dumps)).toEqual(['db.dump']);
    expect(fs.readFileSync(kept, 'utf8')).toBe("the tool's own file\n");
  });
});
