/**
 * An encrypted node's key over its life (real cpsbackupd, real CLI): a
 * rebuilt node gets the same key back and reads its earlier backups; a
 * key is never replaced while backups made with it remain; a key change
 * is explicit and does what the operator said with the old backups
 * (deleted, or kept and readable with the old key), leaving the node able
 * to back up. The server refuses the same things on its own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ChunkKeys, formatKeyFile, parseKeyFile, wrapMasterKey } from '@cpsbackup/crypto';
import { type cpsbackup } from '@cpsbackup/protocol';
import { SeededRandom } from '@cpsbackup/testkit';
import { rawSession, readUntil, runCli, snapshotTree, type TreeRecord, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

const PASSPHRASE = 'a passphrase kept in the safe 19';

describe("an encrypted node's key", () => {
  const { root, pki, server } = useServer('encryption-keys', {
    clients: {
      rebuilt: [],
      nocopy: [],
      rotate: [],
      rotdel: [],
      nodelete: ['client_can_delete = 0'],
      alias: [],
      linked: [],
      dangling: [],
      switch: [],
      plainchange: [],
      legacy: [],
      legacy2: [],
      mislabel: [],
      g1: ['dedup_group = grp'],
      g2: ['dedup_group = grp'],
    },
  });

  /** A node's data: files of random bytes, one large enough to be several chunks. */
  function makeData(client: string): string {
    const dir = path.join(root, 'data', client);
    const rnd = new SeededRandom(client);
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'big.bin'), rnd.bytes(1_500_000));
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(dir, 'sub', `f${i}`), rnd.bytes(200 + i * 31));
    return dir;
  }

  /** Changes the data between two backups: one file rewritten, one added. */
  function changeData(dir: string, tag: string): void {
    fs.writeFileSync(path.join(dir, 'sub', 'f3'), `changed for ${tag}\n`);
    fs.writeFileSync(path.join(dir, `added-${tag}`), randomBytes(5000));
  }

  function nodeConf(client: string, data: string, opts: { keyFile?: string; passphrase?: string; name?: string } = {}): string {
    return writeNodeConf(path.join(root, 'conf', opts.name ?? client), server, {
      cname: client,
      cert: pki.client(client),
      include: [data],
      extra: [
        'encryption = 1',
        `encryption_key_file = ${opts.keyFile ?? path.join(root, `${client}.key`)}`,
        ...(opts.passphrase ? [`encryption_password = ${opts.passphrase}`] : []),
      ],
    });
  }

  const keyIdOf = (file: string) => new ChunkKeys(parseKeyFile(fs.readFileSync(file, 'utf8'), file)).keyId.toString('hex').slice(0, 16);
  /** The server's key record of a client (its registered key and wrapped copy), as stored. */
  const keyRecord = (client: string) => fs.readFileSync(path.join(server.storeDir, 'records', 'keys', client));

  async function backUp(conf: string): Promise<number> {
    const r = await runCli(['-c', conf, '-e', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout).backup.number as number;
  }

  async function restored(conf: string, number: number, data: string, extra: string[] = []): Promise<Map<string, TreeRecord>> {
    const to = path.join(root, 'restored', `${path.basename(conf)}-${number}-${randomBytes(4).toString('hex')}`);
    const r = await runCli(['-c', conf, '-i', String(number), '--to', to, ...extra]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return snapshotTree(path.join(to, data));
  }

  test('a rebuilt node: --init-key with the passphrase writes the same key back (never a new one), and the earlier backups restore bit-exact', async () => {
    const data = makeData('rebuilt');
    const conf = nodeConf('rebuilt', data, { passphrase: PASSPHRASE });
    const keyFile = path.join(root, 'rebuilt.key');
    const init = await runCli(['-c', conf, '--init-key']);
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/Made a new master key \(a new node\)/);
    const first = await backUp(conf);
    const atFirst = snapshotTree(data);
    changeData(data, 'two');
    const second = await backUp(conf);
    const atSecond = snapshotTree(data);
    const key = fs.readFileSync(keyFile, 'utf8');
    const record = keyRecord('rebuilt');

    fs.rmSync(keyFile); // the node is rebuilt: its key file is gone
    // Without the passphrase, nothing is made: the message says this is a rebuilt node and what to give.
    const bare = nodeConf('rebuilt', data, { name: 'rebuilt-bare' });
    const noPass = await runCli(['-c', bare, '--init-key']);
    expect(noPass.code).toBe(2);
    expect(noPass.stderr).toMatch(
      /rebuilt\.key does not exist, and the server keeps a copy of rebuilt's master key wrapped by its passphrase \(a rebuilt node\)/,
    );
    expect(noPass.stderr).toMatch(/No new key is made while that copy exists/);
    expect(fs.existsSync(keyFile)).toBe(false);
    // A backup without the key says the same case, and what --init-key does for it.
    const noKeyBackup = await runCli(['-c', bare, '-e']);
    expect(noKeyBackup.code).toBe(2);
    expect(noKeyBackup.stderr).toMatch(/\(a rebuilt node\).*run cpsbackup --init-key with it once to write .*rebuilt\.key back from that copy/);
    // A wrong passphrase writes nothing.
    const wrong = await runCli(['-c', nodeConf('rebuilt', data, { name: 'rebuilt-wrong', passphrase: 'not it' }), '--init-key']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/the passphrase does not open the master key the server keeps/);
    expect(fs.existsSync(keyFile)).toBe(false);

    const back = await runCli(['-c', conf, '--init-key']);
    expect(back.stderr).toBe('');
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/from the copy of the master key the server keeps \(a rebuilt node\): key [0-9a-f]{16}, with which 2 backups were made/);
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(key); // the same key, not a new one
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(keyRecord('rebuilt')).toEqual(record); // the copy on the server untouched
    expect(await restored(conf, first, data)).toEqual(atFirst);
    expect(await restored(conf, second, data)).toEqual(atSecond);
    // And it backs up again under the same key, building on what it had: nothing read again.
    const again = await runCli(['-c', conf, '-e', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).counters.filesRead).toBe(0);
  });

  test('no copy on the server but backups made with a key: --init-key makes none, names them, and the key file brought back reads them', async () => {
    const data = makeData('nocopy');
    const conf = nodeConf('nocopy', data); // no passphrase: the key file is the only copy
    const keyFile = path.join(root, 'nocopy.key');
    const init = await runCli(['-c', conf, '--init-key']);
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/No copy is on the server/);
    await backUp(conf);
    const atFirst = snapshotTree(data);
    changeData(data, 'two');
    await backUp(conf);
    const saved = fs.readFileSync(keyFile);
    const id = keyIdOf(keyFile);
    const record = keyRecord('nocopy');

    fs.rmSync(keyFile);
    const refused = await runCli(['-c', conf, '--init-key']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      new RegExp(`but 2 backups \\(1 to 2\\) were made with key ${id}: this is a rebuilt node, and only that key reads them, so no new key was made`),
    );
    expect(refused.stderr).toMatch(/Bring back .*nocopy\.key from the copy kept when the key was made/);
    expect(refused.stderr).toMatch(/cpsbackup --change-key --delete-old-backups gives this node a new key and deletes them/);
    expect(fs.existsSync(keyFile)).toBe(false);
    expect(keyRecord('nocopy')).toEqual(record);
    // A backup or a restore without it says the same.
    const noKey = await runCli(['-c', conf, '-e']);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(new RegExp(`2 backups \\(1 to 2\\) were made with key ${id}: this is a rebuilt node`));

    // The server refuses on its own to register another key for this node (an agent that would not ask first).
    const { socket, conn } = await rawSession(server, 'nocopy', pki.client('nocopy'));
    await conn.send({ keyRequest: { store: true, keyId: randomBytes(32), wrappedKey: Buffer.from('{}') } });
    const m = await readUntil(conn, (x) => x.msg === 'error' || x.msg === 'keyReply');
    expect(m?.error?.code).toBe('KEY_IN_USE');
    expect(m?.error?.message).toMatch(
      new RegExp(`2 backups \\(1 to 2\\) were made with key ${id}: the key of nocopy is never replaced while backups made with it remain`),
    );
    socket.destroy();
    expect(keyRecord('nocopy')).toEqual(record);

    fs.writeFileSync(keyFile, saved, { mode: 0o600 }); // brought back from the operator's safe copy
    expect(await restored(conf, 1, data)).toEqual(atFirst);
    const kept = await runCli(['-c', conf, '--init-key']);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toMatch(new RegExp(`Kept the existing master key .*nocopy\\.key: key ${id}, with which 2 backups were made`));
    // Another key file on the node is refused the same way: it is not this node's key.
    const stranger = path.join(root, 'stranger.key');
    fs.writeFileSync(stranger, `cpsbackup-master-key-v1 ${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const other = await runCli(['-c', nodeConf('nocopy', data, { keyFile: stranger, name: 'nocopy-stranger' }), '--init-key']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(new RegExp(`holds key [0-9a-f]{16}, but 2 backups \\(1 to 2\\) were made with key ${id}: it is not this node's key`));
    expect(keyRecord('nocopy')).toEqual(record);
  });

  test('--change-key refuses while backups remain, then keeps them readable with the old key in the file named; the node backs up with the new key', async () => {
    const data = makeData('rotate');
    const conf = nodeConf('rotate', data, { passphrase: PASSPHRASE });
    const keyFile = path.join(root, 'rotate.key');
    expect((await runCli(['-c', conf, '--init-key'])).code).toBe(0);
    const first = await backUp(conf);
    const atFirst = snapshotTree(data);
    changeData(data, 'two');
    await backUp(conf);
    const oldKey = fs.readFileSync(keyFile, 'utf8');
    const oldId = keyIdOf(keyFile);
    const record = keyRecord('rotate');

    const refused = await runCli(['-c', conf, '--change-key']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`2 backups \\(1 to 2\\) were made with key ${oldId}: say what becomes of them.*Nothing was changed`));
    const itself = await runCli(['-c', conf, '--change-key', '--keep-old-backups', keyFile]);
    expect(itself.code).toBe(2);
    expect(itself.stderr).toMatch(/names the key file itself/);
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(oldKey);
    expect(keyRecord('rotate')).toEqual(record);

    const oldFile = path.join(root, 'rotate-old.key');
    const changed = await runCli(['-c', conf, '--change-key', '--keep-old-backups', oldFile]);
    expect(changed.stderr).toBe('');
    expect(changed.code).toBe(0);
    expect(fs.readFileSync(oldFile, 'utf8')).toBe(oldKey);
    expect(fs.statSync(oldFile).mode & 0o777).toBe(0o600);
    const newId = keyIdOf(keyFile);
    expect(newId).not.toBe(oldId);
    expect(changed.stdout).toMatch(new RegExp(`key ${newId}\\. The server has it registered`));
    expect(changed.stdout).toMatch(
      new RegExp(
        `The key it replaces \\(${oldId}\\) is in .*rotate-old\\.key \\(mode 0600\\): 2 backups \\(1 to 2\\) were made with key ${oldId}, and stay, readable with cpsbackup -i N --key-file`,
      ),
    );

    // The node backs up with the new key (the group's old backups do not make it a KEY_MISMATCH).
    changeData(data, 'three');
    const third = await backUp(conf);
    expect(await restored(conf, third, data)).toEqual(snapshotTree(data));
    // An old backup names the key it needs; with the old key file it comes back bit-exact.
    const to = path.join(root, 'restored', 'rotate-wrong');
    const wrong = await runCli(['-c', conf, '-i', String(first), '--to', to]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(new RegExp(`backup ${first} was made with key ${oldId}, and the key this node reads with is ${newId}.*--key-file`));
    expect(fs.existsSync(to)).toBe(false);
    expect(await restored(conf, first, data, ['--key-file', oldFile])).toEqual(atFirst);
    const listed = await runCli(['-c', conf, '-s', '2', '--key-file', oldFile]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`encrypted with key ${oldId}`));
    // A node still holding the old key may not back up with it: the key it gave up.
    const stale = await runCli(['-c', nodeConf('rotate', data, { keyFile: oldFile, name: 'rotate-stale' }), '-e']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(
      new RegExp(`this node's key \\(${oldId}\\) is not the key registered for rotate \\(${newId}.*1 backup \\(${third}\\) was made with key ${newId}`),
    );
    // A rebuilt node now gets the new key back.
    const newKey = fs.readFileSync(keyFile, 'utf8');
    fs.rmSync(keyFile);
    expect((await runCli(['-c', conf, '--init-key'])).code).toBe(0);
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(newKey);
    const list = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout).backups as Array<{ number: number; status: string; key: string }>;
    expect(list.map((b) => [b.number, b.status, b.key])).toEqual([
      [1, 'available', oldId],
      [2, 'available', oldId],
      [third, 'available', newId],
    ]);
  });

  test('--keep-old-backups writes a new file, never one that exists, whatever path reaches it: the key file by another path is refused and nothing changes; the old backups stay readable', async () => {
    const data = makeData('alias');
    const encDir = path.join(root, 'alias-enc');
    fs.mkdirSync(encDir);
    const keyFile = path.join(encDir, 'encryption.key');
    const conf = nodeConf('alias', data, { keyFile, passphrase: PASSPHRASE });
    expect((await runCli(['-c', conf, '--init-key'])).code).toBe(0);
    await backUp(conf);
    changeData(data, 'two');
    const second = await backUp(conf);
    const atSecond = snapshotTree(data);
    const oldKey = fs.readFileSync(keyFile, 'utf8');
    const oldId = keyIdOf(keyFile);
    const record = keyRecord('alias');

    // Every other name of the key file, and every file that exists, even one holding the key being replaced.
    const aliasDir = path.join(root, 'alias-dir');
    fs.symlinkSync(encDir, aliasDir);
    const linkToKey = path.join(root, 'alias-symlink.key');
    fs.symlinkSync(keyFile, linkToKey);
    const hardLink = path.join(root, 'alias-hardlink.key');
    fs.linkSync(keyFile, hardLink);
    const copy = path.join(root, 'alias-copy.key');
    fs.copyFileSync(keyFile, copy);
    const dangling = path.join(root, 'alias-dangling.key');
    const nowhere = path.join(root, 'alias-nowhere', 'old.key');
    fs.symlinkSync(nowhere, dangling);
    for (const [keep, why] of [
      [
        path.join(aliasDir, 'encryption.key'),
        /--keep-old-backups names the key file itself: .*alias-dir\/encryption\.key is .*alias-enc\/encryption\.key, reached by another path/,
      ],
      [path.join(encDir, '..', 'alias-dir', 'encryption.key'), /--keep-old-backups names the key file itself/],
      [linkToKey, /--keep-old-backups names the key file itself: .*alias-symlink\.key is .*alias-enc\/encryption\.key, reached by another path/],
      [hardLink, /--keep-old-backups names the key file itself: .*alias-hardlink\.key is .*alias-enc\/encryption\.key, reached by another path/],
      [copy, /alias-copy\.key exists: the key is written to a new file, never over one that exists/],
      [dangling, /alias-dangling\.key is a symbolic link that leads nowhere: the key is written to a new file, never through a link/],
    ] as const) {
      const r = await runCli(['-c', conf, '--change-key', '--keep-old-backups', keep]);
      expect({ keep, code: r.code }).toEqual({ keep, code: 2 });
      expect(r.stderr).toMatch(why);
      expect(r.stderr).toMatch(/Nothing was changed/);
      expect(fs.readFileSync(keyFile, 'utf8')).toBe(oldKey);
      expect(keyRecord('alias')).toEqual(record);
    }
    expect(fs.readFileSync(copy, 'utf8')).toBe(oldKey);
    expect(fs.readlinkSync(dangling)).toBe(nowhere);
    expect(fs.existsSync(path.dirname(nowhere))).toBe(false);

    // A rebuilt node (the key file gone, the key from the server's copy): the name the key file is written back to is refused too.
    fs.rmSync(keyFile);
    const rebuilt = await runCli(['-c', conf, '--change-key', '--keep-old-backups', path.join(aliasDir, 'encryption.key')]);
    expect(rebuilt.code).toBe(2);
    expect(rebuilt.stderr).toMatch(
      /--keep-old-backups names the key file itself: .*alias-dir\/encryption\.key is where .*alias-enc\/encryption\.key \(missing now\) is written/,
    );
    expect(fs.existsSync(keyFile)).toBe(false);
    expect(keyRecord('alias')).toEqual(record);

    // A new file, reached through the symlinked directory: the old key is in it, and reads the old backups.
    const oldFile = path.join(aliasDir, 'old.key');
    const changed = await runCli(['-c', conf, '--change-key', '--keep-old-backups', oldFile]);
    expect(changed.stderr).toBe('');
    expect(changed.code).toBe(0);
    expect(fs.readFileSync(path.join(encDir, 'old.key'), 'utf8')).toBe(oldKey);
    expect(keyIdOf(keyFile)).not.toBe(oldId);
    expect(changed.stdout).toMatch(
      new RegExp(`The key it replaces \\(${oldId}\\) is in .*alias-dir/old\\.key \\(mode 0600\\): 2 backups \\(1 to 2\\) were made with key ${oldId}`),
    );
    expect(await restored(conf, second, data, ['--key-file', oldFile])).toEqual(atSecond);
    changeData(data, 'three');
    const third = await backUp(conf);
    expect(await restored(conf, third, data)).toEqual(snapshotTree(data));
  });

  test('a key file reached through a symbolic link: --change-key writes the new key to the file it leads to, and the link stays', async () => {
    const data = makeData('linked');
    const realDir = path.join(root, 'linked-real');
    fs.mkdirSync(realDir);
    const real = path.join(realDir, 'node.key');
    const keyFile = path.join(root, 'linked.key');
    fs.symlinkSync(real, keyFile);
    const conf = nodeConf('linked', data, { keyFile });
    // The key is kept elsewhere (a mounted secret store, say), encryption_key_file a link to it.
    fs.writeFileSync(real, `cpsbackup-master-key-v1 ${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    expect((await runCli(['-c', conf, '--init-key'])).code).toBe(0);
    const first = await backUp(conf);
    const atFirst = snapshotTree(data);
    const oldKey = fs.readFileSync(real, 'utf8');
    const oldFile = path.join(root, 'linked-old.key');
    const changed = await runCli(['-c', conf, '--change-key', '--keep-old-backups', oldFile]);
    expect(changed.stderr).toBe('');
    expect(changed.code).toBe(0);
    expect(fs.lstatSync(keyFile).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(keyFile)).toBe(real);
    expect(fs.readFileSync(real, 'utf8')).not.toBe(oldKey);
    expect(fs.statSync(real).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(oldFile, 'utf8')).toBe(oldKey);
    expect(await restored(conf, first, data, ['--key-file', oldFile])).toEqual(atFirst);
    changeData(data, 'two');
    const second = await backUp(conf);
    expect(await restored(conf, second, data)).toEqual(snapshotTree(data));
  });

  test('a key file that is a symbolic link leading nowhere (or in a loop) is said to be one, and nothing is written through it', async () => {
    const data = makeData('dangling');
    const keyFile = path.join(root, 'dangling.key');
    const nowhere = path.join(root, 'dangling-nowhere', 'node.key');
    fs.mkdirSync(path.dirname(nowhere));
    fs.symlinkSync(nowhere, keyFile);
    const conf = nodeConf('dangling', data, { passphrase: PASSPHRASE });
    const loop = path.join(root, 'dangling-loop.key');
    fs.symlinkSync(loop, loop);
    const loopConf = nodeConf('dangling', data, { keyFile: loop, passphrase: PASSPHRASE, name: 'dangling-loop' });
    for (const [c, link, to] of [
      [conf, keyFile, nowhere],
      [loopConf, loop, loop],
    ] as const) {
      for (const action of [['--init-key'], ['--change-key'], ['--change-key', '--delete-old-backups'], ['-e']]) {
        const r = await runCli(['-c', c, ...action]);
        expect({ action, code: r.code }).toEqual({ action, code: 2 });
        expect(r.stderr).toContain(
          `the master key ${link} is a symbolic link that leads nowhere (to ${to}): remove it, or point encryption_key_file at the real key file. Nothing was written`,
        );
        expect(fs.readlinkSync(link)).toBe(to);
      }
    }
    expect(fs.existsSync(nowhere)).toBe(false);
    expect(fs.existsSync(path.join(server.storeDir, 'records', 'keys', 'dangling'))).toBe(false);

    // Pointed at the real file (a new node: it does not exist yet), --init-key makes the key there.
    fs.rmSync(keyFile);
    const made = await runCli(['-c', nodeConf('dangling', data, { keyFile: nowhere, passphrase: PASSPHRASE, name: 'dangling-real' }), '--init-key']);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(fs.statSync(nowhere).mode & 0o777).toBe(0o600);
  });

  test('a key file holding another key than the one the server keeps a copy of: --init-key replaces neither (with or without a passphrase, backups or none); --change-key --use-key-file switches to it, keeping the old backups readable', async () => {
    const data = makeData('switch');
    const conf = nodeConf('switch', data, { passphrase: PASSPHRASE });
    const bare = nodeConf('switch', data, { name: 'switch-bare' }); // no passphrase: no copy to store, nothing to open the server's with
    const keyFile = path.join(root, 'switch.key');
    expect((await runCli(['-c', conf, '--init-key'])).code).toBe(0);
    const keyK = fs.readFileSync(keyFile, 'utf8');
    const idK = keyIdOf(keyFile);
    const record = keyRecord('switch');
    const fileK2 = path.join(root, 'switch-k2.key');
    fs.writeFileSync(fileK2, `cpsbackup-master-key-v1 ${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const keyK2 = fs.readFileSync(fileK2, 'utf8');
    const idK2 = keyIdOf(fileK2);
    fs.writeFileSync(keyFile, keyK2, { mode: 0o600 });

    // No backups yet: still refused, saying which key is which and how to keep either.
    for (const c of [conf, bare]) {
      const r = await runCli(['-c', c, '--init-key']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(`the server keeps key ${idK} as switch's key, with a copy wrapped by its passphrase, and .*switch\\.key holds another key, ${idK2}: `),
      );
      expect(r.stderr).toMatch(new RegExp(`To keep ${idK}, move .*switch\\.key aside and run cpsbackup --init-key with the passphrase: it writes ${idK} back`));
      expect(r.stderr).toMatch(new RegExp(`To make ${idK2} this node's key instead, run cpsbackup --change-key --use-key-file`));
      expect(r.stderr).toMatch(/Nothing was changed/);
      expect(keyRecord('switch')).toEqual(record);
      expect(fs.readFileSync(keyFile, 'utf8')).toBe(keyK2);
    }
    // The server refuses on its own to register another key over the copy it keeps (an agent that would not ask first).
    {
      const { socket, conn } = await rawSession(server, 'switch', pki.client('switch'));
      await conn.send({ keyRequest: { store: true, keyId: new ChunkKeys(parseKeyFile(keyK2, fileK2)).keyId } });
      const m = await readUntil(conn, (x) => x.msg === 'error' || x.msg === 'keyReply');
      expect(m?.error?.code).toBe('KEY_IN_USE');
      expect(m?.error?.message).toMatch(new RegExp(`the server keeps a copy of switch's key ${idK}.*it is replaced only by cpsbackup --change-key`));
      socket.destroy();
      expect(keyRecord('switch')).toEqual(record);
    }

    // To keep K: the key file moved aside, --init-key with the passphrase writes it back.
    fs.rmSync(keyFile);
    const back = await runCli(['-c', conf, '--init-key']);
    expect(back.code).toBe(0);
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(keyK);
    const first = await backUp(conf);
    const atFirst = snapshotTree(data);

    // To switch to K2, explicitly: backups made with K need a word on what becomes of them; K comes from the server's copy.
    fs.writeFileSync(keyFile, keyK2, { mode: 0o600 });
    const stillRefused = await runCli(['-c', conf, '--init-key']);
    expect(stillRefused.code).toBe(2);
    expect(stillRefused.stderr).toMatch(new RegExp(`1 backup \\(${first}\\) was made with key ${idK}: it is not this node's key`));
    expect(stillRefused.stderr).toMatch(/or cpsbackup --change-key --use-key-file \(the key .*switch\.key holds\)/);
    const unsaid = await runCli(['-c', conf, '--change-key', '--use-key-file']);
    expect(unsaid.code).toBe(2);
    expect(unsaid.stderr).toMatch(new RegExp(`1 backup \\(${first}\\) was made with key ${idK}: say what becomes of them`));
    const noPass = await runCli(['-c', bare, '--change-key', '--use-key-file', '--keep-old-backups', path.join(root, 'switch-nopass.key')]);
    expect(noPass.code).toBe(2);
    expect(noPass.stderr).toMatch(new RegExp(`this node does not hold that key \\(.*switch\\.key holds ${idK2}, and the server's copy was not opened\\)`));
    expect(fs.existsSync(path.join(root, 'switch-nopass.key'))).toBe(false);
    expect(keyRecord('switch')).toEqual(record);
    const oldFile = path.join(root, 'switch-old.key');
    const switched = await runCli(['-c', conf, '--change-key', '--use-key-file', '--keep-old-backups', oldFile]);
    expect(switched.stderr).toBe('');
    expect(switched.code).toBe(0);
    expect(switched.stdout).toMatch(new RegExp(`Made the key in .*switch\\.key this node's key: key ${idK2}\\. The server has it registered`));
    expect(switched.stdout).toMatch(
      new RegExp(`The key it replaces \\(${idK}\\) is in .*switch-old\\.key \\(mode 0600\\): 1 backup \\(${first}\\) was made with key ${idK}`),
    );
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(keyK2);
    expect(fs.readFileSync(oldFile, 'utf8')).toBe(keyK);
    expect(await restored(conf, first, data, ['--key-file', oldFile])).toEqual(atFirst);
    changeData(data, 'two');
    const second = await backUp(conf);
    expect(await restored(conf, second, data)).toEqual(snapshotTree(data));
    // K's key file put back by mistake: another change would replace it, and K with it: refused.
    fs.copyFileSync(oldFile, keyFile);
    const recordK2 = keyRecord('switch');
    const stray = await runCli(['-c', conf, '--change-key', '--keep-old-backups', path.join(root, 'switch-stray.key')]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(
      new RegExp(
        `switch\\.key holds key ${idK}, not switch's key, and 1 backup \\(${first}\\) was made with key ${idK} \\(kept through an earlier change\\): replacing`,
      ),
    );
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(keyK);
    expect(fs.existsSync(path.join(root, 'switch-stray.key'))).toBe(false);
    expect(keyRecord('switch')).toEqual(recordK2);
    // The server's copy is K2's now: a rebuilt node gets K2 back.
    fs.rmSync(keyFile);
    expect((await runCli(['-c', conf, '--init-key'])).code).toBe(0);
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(keyK2);
    // Nothing to switch to: the key file already holds the node's key.
    const same = await runCli(['-c', conf, '--change-key', '--use-key-file', '--keep-old-backups', path.join(root, 'switch-same.key')]);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(new RegExp(`holds key ${idK2}, which already is switch's key: nothing to change`));
    expect(fs.existsSync(path.join(root, 'switch-same.key'))).toBe(false);
  });

  test('--change-key on a node with a copy on the server and no backups makes a new key and replaces the copy', async () => {
    const data = makeData('plainchange');
    const conf = nodeConf('plainchange', data, { passphrase: PASSPHRASE });
    const keyFile = path.join(root, 'plainchange.key');
    expect((await runCli(['-c', conf, '--init-key'])).code).toBe(0);
    const before = keyIdOf(keyFile);
    const record = keyRecord('plainchange');
    const changed = await runCli(['-c', conf, '--change-key']);
    expect(changed.stderr).toBe('');
    expect(changed.code).toBe(0);
    expect(keyIdOf(keyFile)).not.toBe(before);
    expect(keyRecord('plainchange')).not.toEqual(record);
    const key = fs.readFileSync(keyFile, 'utf8');
    fs.rmSync(keyFile);
    const noFile = await runCli(['-c', conf, '--change-key', '--use-key-file']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/--use-key-file makes the key .*plainchange\.key holds this node's key, and .*plainchange\.key does not exist/);
    expect((await runCli(['-c', conf, '--init-key'])).code).toBe(0); // the copy is the new key's
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(key);
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
  });

  test('a copy on the server that names no key (kept before keys were registered): --init-key registers a key file over it only when the passphrase opens it to that key; a key change does not pass it off as a copy of the new key; a copy not of the registered key writes no key file', async () => {
    const data = makeData('legacy');
    const keyFile = path.join(root, 'legacy.key');
    const [k, k2, k3] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const idOf = (key: Buffer) => new ChunkKeys(key).keyId.toString('hex');
    fs.writeFileSync(keyFile, formatKeyFile(k2), { mode: 0o600 });
    const keyFile2 = path.join(root, 'legacy2.key');
    fs.writeFileSync(keyFile2, formatKeyFile(k3), { mode: 0o600 });
    // Records of the first form, the wrapped key alone, as the server kept them before keys were registered.
    await server.stop();
    fs.mkdirSync(path.join(server.storeDir, 'records', 'keys'), { recursive: true });
    fs.writeFileSync(path.join(server.storeDir, 'records', 'keys', 'legacy'), wrapMasterKey(k, PASSPHRASE));
    fs.writeFileSync(path.join(server.storeDir, 'records', 'keys', 'legacy2'), wrapMasterKey(k3, PASSPHRASE));
    // And a record whose copy is not of the key it names (a damaged or mislabelled one).
    const [named, wrappedOther] = [randomBytes(32), randomBytes(32)];
    fs.writeFileSync(
      path.join(server.storeDir, 'records', 'keys', 'mislabel'),
      JSON.stringify({ format: 'cpsbackup-key-record', version: 1, keyId: idOf(named), wrapped: wrapMasterKey(wrappedOther, PASSPHRASE).toString('base64') }) +
        '\n',
    );
    await server.start(server.port);
    const record = keyRecord('legacy');

    for (const [c, why] of [
      [
        nodeConf('legacy', data, { passphrase: PASSPHRASE }),
        new RegExp(
          `the server keeps key ${idOf(k).slice(0, 16)} as legacy's key, with a copy wrapped by its passphrase, and .*legacy\\.key holds another key, ${idOf(k2).slice(0, 16)}`,
        ),
      ],
      [
        nodeConf('legacy', data, { name: 'legacy-bare' }),
        /made before keys were registered, so it does not say which key it is, and no passphrase was given to open it/,
      ],
      [
        nodeConf('legacy', data, { name: 'legacy-wrong', passphrase: 'not it' }),
        /made before keys were registered, so it does not say which key it is, and this passphrase does not open it/,
      ],
    ] as const) {
      const r = await runCli(['-c', c, '--init-key']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).toMatch(/Nothing was changed/);
      expect(keyRecord('legacy')).toEqual(record);
    }
    // The key file of that copy, and its passphrase: registered, and the record names it now.
    fs.writeFileSync(keyFile, formatKeyFile(k), { mode: 0o600 });
    const ok = await runCli(['-c', nodeConf('legacy', data, { passphrase: PASSPHRASE }), '--init-key']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(keyRecord('legacy').toString()).keyId).toBe(idOf(k));

    // A key change without a passphrase: the new key has no copy (the one kept is of the key replaced).
    const changed = await runCli(['-c', nodeConf('legacy2', makeData('legacy2')), '--change-key']);
    expect(changed.stderr).toBe('');
    expect(changed.code).toBe(0);
    expect(changed.stdout).toMatch(/No copy of the new key is on the server/);
    const after = JSON.parse(keyRecord('legacy2').toString()) as { keyId: string; wrapped: string | null };
    expect(after.keyId).toBe(new ChunkKeys(parseKeyFile(fs.readFileSync(keyFile2, 'utf8'), keyFile2)).keyId.toString('hex'));
    expect(after.keyId).not.toBe(idOf(k3));
    expect(after.wrapped).toBeNull();

    // A rebuilt node whose copy is not of its registered key: no key file is written from it, nothing is registered.
    const mislabelRecord = keyRecord('mislabel');
    const mislabelKey = path.join(root, 'mislabel.key');
    const rebuilt = await runCli(['-c', nodeConf('mislabel', makeData('mislabel'), { passphrase: PASSPHRASE }), '--init-key']);
    expect(rebuilt.code).toBe(2);
    expect(rebuilt.stderr).toMatch(
      new RegExp(
        `the copy of mislabel's master key the server keeps is key ${idOf(wrappedOther).slice(0, 16)}, and the key registered for mislabel is ${idOf(named).slice(0, 16)}: the copy is not of this node's key`,
      ),
    );
    expect(fs.existsSync(mislabelKey)).toBe(false);
    expect(keyRecord('mislabel')).toEqual(mislabelRecord);
  });

  test('--change-key --delete-old-backups deletes the encrypted backups (only with client_can_delete), never the plain ones, and the node backs up with the new key', async () => {
    const data = makeData('rotdel');
    const plainConf = writeNodeConf(path.join(root, 'conf', 'rotdel-plain'), server, { cname: 'rotdel', cert: pki.client('rotdel'), include: [data] });
    const plain = await backUp(plainConf);
    const conf = nodeConf('rotdel', data);
    const keyFile = path.join(root, 'rotdel.key');
    expect((await runCli(['-c', conf, '--init-key'])).code).toBe(0);
    changeData(data, 'enc');
    const encrypted = [await backUp(conf), await backUp(conf)];
    const oldKey = fs.readFileSync(keyFile, 'utf8');

    const changed = await runCli(['-c', conf, '--change-key', '--delete-old-backups']);
    expect(changed.stderr).toBe('');
    expect(changed.code).toBe(0);
    expect(changed.stdout).toMatch(/Deleted 2 backups made with other keys/);
    expect(fs.readFileSync(keyFile, 'utf8')).not.toBe(oldKey);
    const after = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout).backups as Array<{ number: number; status: string }>;
    expect(after.filter((b) => b.status === 'available').map((b) => b.number)).toEqual([plain]);
    for (const n of encrypted) expect(after.find((b) => b.number === n)?.status ?? 'gone').not.toBe('available');
    const next = await backUp(conf);
    expect(await restored(conf, next, data)).toEqual(snapshotTree(data));

    // Where the server forbids deleting, nothing is deleted and the key stays.
    const data2 = makeData('nodelete');
    const conf2 = nodeConf('nodelete', data2);
    const keyFile2 = path.join(root, 'nodelete.key');
    expect((await runCli(['-c', conf2, '--init-key'])).code).toBe(0);
    await backUp(conf2);
    const key2 = fs.readFileSync(keyFile2, 'utf8');
    const record2 = keyRecord('nodelete');
    const forbidden = await runCli(['-c', conf2, '--change-key', '--delete-old-backups']);
    expect(forbidden.code).toBe(8);
    expect(forbidden.stderr).toMatch(/may not delete backups \(client_can_delete = 0 on the server\)/);
    expect(fs.readFileSync(keyFile2, 'utf8')).toBe(key2);
    expect(keyRecord('nodelete')).toEqual(record2);
    const still = JSON.parse((await runCli(['-c', conf2, '-l', '--json'])).stdout).backups as Array<{ status: string }>;
    expect(still.map((b) => b.status)).toEqual(['available']);
    expect((await runCli(['-c', conf2, '-e'])).code).toBe(0);
  });

  test("what the server tells a node of keys is its own (another client's backups in its dedup group are not counted); malformed key requests are refused", async () => {
    const data = makeData('g1');
    const conf = nodeConf('g1', data);
    expect((await runCli(['-c', conf, '--init-key'])).code).toBe(0);
    await backUp(conf);
    const g1Key = new ChunkKeys(parseKeyFile(fs.readFileSync(path.join(root, 'g1.key'), 'utf8'), 'g1.key')).keyId;
    {
      // g1 is told its registered key and its backup.
      const own = await rawSession(server, 'g1', pki.client('g1'));
      await own.conn.send({ keyRequest: { store: false } });
      const r = await readUntil(own.conn, (x) => x.msg === 'error' || x.msg === 'keyReply');
      expect(Buffer.from(r?.keyReply?.keyId ?? [])).toEqual(g1Key);
      expect((r?.keyReply?.backups ?? []).map((k) => [Buffer.from(k.keyId ?? []), Number(k.count), Number(k.oldest), Number(k.newest)])).toEqual([
        [g1Key, 1, 1, 1],
      ]);
      own.socket.destroy();
    }
    // g2, of the same dedup group, nothing of g1's.
    const { socket, conn } = await rawSession(server, 'g2', pki.client('g2'));
    await conn.send({ keyRequest: { store: false } });
    const m = await readUntil(conn, (x) => x.msg === 'error' || x.msg === 'keyReply');
    expect(m?.msg).toBe('keyReply');
    expect(m?.keyReply?.backups ?? []).toEqual([]);
    expect(m?.keyReply?.keyId?.length ?? 0).toBe(0);
    expect(m?.keyReply?.wrappedKey?.length ?? 0).toBe(0);
    for (const [request, why] of [
      [{ store: true, keyId: randomBytes(5) }, /a key registered with a key id of 5 bytes \(32 expected\)/],
      [{ store: true, keyId: randomBytes(32), oldBackups: 7 as cpsbackup.OldBackups }, /old_backups 7 is not one this server knows/],
      [{ store: true, keyId: randomBytes(32), wrappedKey: randomBytes(5000) }, /a wrapped key of 5000 bytes refused/],
    ] as const) {
      await conn.send({ keyRequest: request });
      const refused = await readUntil(conn, (x) => x.msg === 'error' || x.msg === 'keyReply');
      expect(refused?.error?.code).toBe('PROTOCOL');
      expect(refused?.error?.message).toMatch(why);
    }
    socket.destroy();
    expect(fs.existsSync(path.join(server.storeDir, 'records', 'keys', 'g2'))).toBe(false);
  });

  test("a key change that would leave the node unable to back up (its dedup group's other node is bound to the old key) is refused, and changes nothing", async () => {
    // g1 and its backup are the test's before. g2 joins g1's group the documented way: g1's key file copied, then --init-key registers it.
    const data = makeData('g2');
    fs.copyFileSync(path.join(root, 'g1.key'), path.join(root, 'g2.key'));
    const conf2 = nodeConf('g2', data);
    const joined = await runCli(['-c', conf2, '--init-key']);
    expect(joined.stderr).toBe('');
    expect(joined.code).toBe(0);
    await backUp(conf2);
    const conf1 = nodeConf('g1', path.join(root, 'data', 'g1'));
    const key1 = fs.readFileSync(path.join(root, 'g1.key'), 'utf8');
    const record1 = keyRecord('g1');
    const refused = await runCli(['-c', conf1, '--change-key', '--delete-old-backups']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/dedup group grp holds backups encrypted with another key/);
    expect(fs.readFileSync(path.join(root, 'g1.key'), 'utf8')).toBe(key1);
    expect(keyRecord('g1')).toEqual(record1);
    const list = JSON.parse((await runCli(['-c', conf1, '-l', '--json'])).stdout).backups as Array<{ status: string }>;
    expect(list.map((b) => b.status)).toEqual(['available']); // nothing deleted
    expect((await runCli(['-c', conf1, '-e'])).code).toBe(0); // and g1 still backs up with its key
  });
});
