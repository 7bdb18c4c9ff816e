import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

interface Diff {
  before: { number: number };
  after: { number: number };
  changes: Array<{ kind: string; path: string; before: { type: string } | null; after: { type: string } | null }>;
  summary: {
    added: { entries: number; bytes: number };
    removed: { entries: number; bytes: number };
    modified: { entries: number; bytesBefore: number; bytesAfter: number };
    metadataOnly: number;
    typeChanged: number;
  };
}

/** cpsbackup --diff A [B]: what changed between two of this node's backups. */
describe('--diff', () => {
  const { root, pki, server } = useServer('diff', { clients: { differ: [], other: [], sealed: [] } });

  test('shows each kind of change, nothing for identical backups, and only the node its own backups', async () => {
    const data = path.join(root, 'data');
    fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
    const rnd = new SeededRandom('diff');
    const file = (name: string, bytes: number) => fs.writeFileSync(path.join(data, name), rnd.bytes(bytes));
    file('same', 5_000);
    file('content', 8_000);
    file('meta', 3_000);
    file('gone', 7_000);
    file('kind', 2_000);
    file('sub/inner', 1_000);
    const conf = writeNodeConf(path.join(root, 'node'), server, { cname: 'differ', cert: pki.client('differ'), include: [data] });
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);

    // Same size and mtime, other bytes: found by the content's chunks, not the metadata.
    const st = fs.statSync(path.join(data, 'content'));
    file('content', 8_000);
    fs.utimesSync(path.join(data, 'content'), st.atime, st.mtime);
    fs.chmodSync(path.join(data, 'meta'), 0o600);
    fs.rmSync(path.join(data, 'gone'));
    fs.rmSync(path.join(data, 'kind'));
    fs.symlinkSync('same', path.join(data, 'kind'));
    file('sub/added', 4_000);
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0); // nothing changed since

    const text = await runCli(['-c', conf, '--diff', '1', '2']);
    expect(text.code).toBe(0);
    // /tmp, a directory on the way to the include, changes as other programs use it: only what lies below root is ours.
    const lines = text.stdout.trim().split('\n');
    const outside = lines.slice(0, -1).filter((l) => !l.includes(root));
    expect(outside.every((l) => l.startsWith('U    /'))).toBe(true);
    expect(lines.slice(0, -1).filter((l) => l.includes(root))).toEqual([
      `U    ${data}/`, // its mtime: entries came and went
      `M    ${data}/content`,
      `-    ${data}/gone`,
      `T    ${data}/kind`,
      `U    ${data}/meta`,
      `U    ${data}/sub/`,
      `+    ${data}/sub/added`,
    ]);
    expect(lines.at(-1)).toBe(
      `Backup 0000001 -> 0000002: 1 added (3.9 KiB), 1 removed (6.8 KiB), 1 modified (7.8 KiB -> 7.8 KiB), ${3 + outside.length} metadata only, 1 type changed`,
    );
    const json = JSON.parse((await runCli(['-c', conf, '--diff', '1', '2', '--json'])).stdout) as Diff;
    expect([json.before.number, json.after.number]).toEqual([1, 2]);
    expect(json.summary).toEqual({
      added: { entries: 1, bytes: 4_000 },
      removed: { entries: 1, bytes: 7_000 },
      modified: { entries: 1, bytesBefore: 8_000, bytesAfter: 8_000 },
      metadataOnly: 3 + json.changes.filter((c) => !c.path.startsWith(root)).length,
      typeChanged: 1,
    });
    expect(json.changes.find((c) => c.kind === 'T')).toMatchObject({ path: `${data}/kind`, before: { type: 'file' }, after: { type: 'symlink' } });

    // Identical backups, and B left out: against the latest (3).
    const same = JSON.parse((await runCli(['-c', conf, '--diff', '2', '--json'])).stdout) as Diff;
    expect(same.after.number).toBe(3);
    expect(same.changes.filter((c) => c.path.startsWith(root))).toEqual([]);
    // The text of an empty diff, on a tree whose every directory is below root (the third backup's, itself).
    const itself = await runCli(['-c', conf, '--diff', '3', '3']);
    expect(itself.code).toBe(0);
    expect(itself.stdout).toBe('Backup 0000003 -> 0000003: no differences\n');
    // The reverse: what was added is removed.
    expect((await runCli(['-c', conf, '--diff', '3', '1'])).stdout).toMatch(new RegExp(`^-    ${data}/sub/added$`, 'm'));

    // Another node sees its own numbers only: differ's backups are not there for it, nor readable with -C.
    const otherConf = writeNodeConf(path.join(root, 'node'), server, { cname: 'other', cert: pki.client('other'), include: [path.join(data, 'sub')] });
    expect((await runCli(['-c', otherConf, '-e'])).code).toBe(0);
    const refused = await runCli(['-c', otherConf, '--diff', '1', '2']);
    expect(refused.code).toBe(6);
    expect(refused.stdout).toBe('');
    const viaClient = await runCli(['-c', otherConf, '-C', 'differ', '--diff', '1', '2']);
    expect(viaClient.code).not.toBe(0);
    expect(viaClient.stdout).toBe('');
    expect(viaClient.stderr).toMatch(/restore_client/);

    expect((await runCli(['-c', conf, '--diff', '1', '2', '3'])).stderr).toMatch(/--diff takes one or two backup numbers/);
  });

  test('an encrypted node diffs and dry-runs against its sealed backups, reading them with its key', async () => {
    const data = path.join(root, 'sealed-data');
    fs.mkdirSync(path.join(data, 'deep', 'er'), { recursive: true });
    const rnd = new SeededRandom('sealed-diff');
    fs.writeFileSync(path.join(data, 'deep', 'er', 'kept'), rnd.bytes(6_000));
    fs.writeFileSync(path.join(data, 'edited'), rnd.bytes(2_000));
    const conf = writeNodeConf(path.join(root, 'sealed-node'), server, {
      cname: 'sealed',
      cert: pki.client('sealed'),
      include: [data],
      extra: ['encryption = 1', `encryption_key_file = ${path.join(root, 'sealed-node', 'key')}`, 'encryption_password = a passphrase for the diff test'],
    });
    expect((await runCli(['-c', conf, '--init-key'])).code).toBe(0);
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    fs.writeFileSync(path.join(data, 'edited'), rnd.bytes(2_500));
    fs.writeFileSync(path.join(data, 'fresh'), rnd.bytes(100));

    const dry = JSON.parse((await runCli(['-c', conf, '-e', '-n', '--json'])).stdout) as {
      parent: number;
      new: { files: number };
      changed: { files: number };
      unchanged: { files: number };
    };
    expect(dry).toMatchObject({ parent: 1, new: { files: 1 }, changed: { files: 1 }, unchanged: { files: 1 } });

    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    const d = await runCli(['-c', conf, '--diff', '1']);
    expect(d.code).toBe(0);
    expect(d.stdout.split('\n').filter((l) => l.includes(data))).toEqual([`U    ${data}/`, `M    ${data}/edited`, `+    ${data}/fresh`]);
    expect(d.stdout).toMatch(/^Backup 0000001 -> 0000002: 1 added \(100 B\), 0 removed \(0 B\), 1 modified \(2\.0 KiB -> 2\.4 KiB\), /m);
  });
});
