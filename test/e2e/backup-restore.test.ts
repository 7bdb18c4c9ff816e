import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { CLI_BIN, hardLinkGroups, runCli, snapshotTree, writeNodeConf, useServer, directoriesOnTheWay } from '@cpsbackup/testkit/e2e';

/** A tree with every kind of object the agent must handle, and names with odd bytes. */
function buildTree(root: string, seed: string): void {
  const rnd = new SeededRandom(seed);
  fs.mkdirSync(path.join(root, 'etc/app'), { recursive: true });
  fs.mkdirSync(path.join(root, 'var/lib/db'), { recursive: true });
  fs.mkdirSync(path.join(root, 'empty-dir'));
  fs.writeFileSync(path.join(root, 'etc/app/app.conf'), rnd.text(3000));
  fs.writeFileSync(path.join(root, 'etc/app/secret.key'), rnd.bytes(512), { mode: 0o600 });
  fs.writeFileSync(path.join(root, 'var/lib/db/data.bin'), rnd.bytes(3_000_000));
  fs.writeFileSync(path.join(root, 'var/lib/db/log.txt'), rnd.text(700_000));
  fs.writeFileSync(path.join(root, 'empty-file'), '');
  fs.writeFileSync(Buffer.from(path.join(root, 'name-\xff\xfe-bytes'), 'latin1'), 'odd name');
  fs.writeFileSync(path.join(root, 'spaces and ünïcödé.txt'), 'text');
  fs.symlinkSync('etc/app/app.conf', path.join(root, 'link-to-conf'));
  fs.symlinkSync('/nonexistent/target', path.join(root, 'dangling'));
  fs.linkSync(path.join(root, 'var/lib/db/data.bin'), path.join(root, 'data-hardlink.bin'));
  fs.chmodSync(path.join(root, 'etc/app'), 0o750);
  execFileSync('mkfifo', [path.join(root, 'a-fifo')]);
  // A FIFO whose name is not UTF-8 (argv would be UTF-8-encoded: the name goes to python as hex).
  execFileSync('python3', [
    '-c',
    'import os, sys; os.mkfifo(bytes.fromhex(sys.argv[1]))',
    Buffer.from(path.join(root, 'fifo-\xe9\xff'), 'latin1').toString('hex'),
  ]);
  // A device node (root only, as restoring one is): a copy of /dev/null, with its device number.
  if (process.getuid?.() === 0) execFileSync('mknod', [path.join(root, 'null-device'), 'c', '1', '3']);
  fs.utimesSync(path.join(root, 'etc/app/app.conf'), new Date('2020-01-02T03:04:05.678Z'), new Date('2020-01-02T03:04:05.678Z'));
}

describe('backup and restore end to end (real cpsbackupd, real CLI, TLS on 127.0.0.1)', () => {
  const { root, pki, server } = useServer('e2e', { clients: { cpsnode: [], webnode: [] } });

  test('back up, change, back up again: each backup restores to the tree as it was', async () => {
    const data = path.join(root, 'data1');
    buildTree(data, 'gen1');
    const conf = writeNodeConf(root, server, { cname: 'cpsnode', cert: pki.client('cpsnode'), include: [data] });
    const snap1 = snapshotTree(data);
    const links1 = hardLinkGroups(data);
    const b1 = await runCli(['-c', conf, '-e', '--json']);
    expect(b1.stderr).toBe('');
    expect(b1.code).toBe(0);
    const r1 = JSON.parse(b1.stdout);
    expect(r1.backup.status).toBe('available');

    // Change: edit, delete, add, chmod, retarget a link.
    const rnd = new SeededRandom('gen2');
    const big = path.join(data, 'var/lib/db/data.bin');
    const buf = fs.readFileSync(big);
    rnd.bytes(1000).copy(buf, 1_500_000);
    fs.writeFileSync(big, buf);
    fs.rmSync(path.join(data, 'etc/app/secret.key'));
    fs.writeFileSync(path.join(data, 'etc/app/new.conf'), rnd.text(5000));
    fs.chmodSync(path.join(data, 'var/lib/db/log.txt'), 0o640);
    fs.rmSync(path.join(data, 'link-to-conf'));
    fs.symlinkSync('var/lib/db/log.txt', path.join(data, 'link-to-conf'));
    const snap2 = snapshotTree(data);
    const b2 = await runCli(['-c', conf, '-e', '--json']);
    expect(b2.code).toBe(0);
    const r2 = JSON.parse(b2.stdout);
    expect(r2.backup.parent).toBe(r1.backup.number);
    // Only the edited region and the new file crossed the wire, not the 3 MB file.
    expect(r2.counters.chunkBytesSent).toBeLessThan(1_100_000);
    // The parent's manifest, merged with the walk, spared the files that did not change:
    // read again were data.bin (through its hard link), new.conf, and log.txt (chmod: new ctime).
    expect([r2.counters.filesRead, r2.counters.filesUnchanged]).toEqual([3, 4]);

    // Without room to keep the parent's file list, the backup still completes: every file read, nothing resent, a warning.
    const noSpool = writeNodeConf(path.join(root, 'nospool'), server, {
      cname: 'cpsnode',
      cert: pki.client('cpsnode'),
      include: [data],
      extra: [`spool_dir = ${path.join(root, 'no-such-dir')}`],
    });
    const b3 = await runCli(['-c', noSpool, '-e', '--json']);
    expect(b3.code).toBe(5);
    const r3 = JSON.parse(b3.stdout);
    expect(r3.backup.warnings.join('\n')).toMatch(/file list could not be kept in .*no-such-dir \(ENOENT\), so every file is read again; set spool_dir/);
    expect([r3.counters.filesRead, r3.counters.filesUnchanged]).toEqual([7, 0]);
    // No chunk of a file is sent again; only the listings on the way to the include, which changed meanwhile.
    expect(r3.counters.chunksSent).toBeLessThanOrEqual(directoriesOnTheWay(data) + 1);
    expect(r3.counters.chunkBytesSent).toBeLessThan(1024);

    for (const [num, snap, links] of [
      [r1.backup.number, snap1, links1],
      [r2.backup.number, snap2, hardLinkGroups(data)],
    ] as const) {
      const to = path.join(root, `restore-${num}`);
      const res = await runCli(['-c', conf, '-i', String(num), '--to', to]);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      const restored = path.join(to, data);
      expect(snapshotTree(restored)).toEqual(snap);
      expect(hardLinkGroups(restored)).toEqual(links);
    }

    // -i without a number restores the latest; existing files are kept unless --overwrite.
    const again = path.join(root, `restore-${r2.backup.number}`);
    fs.writeFileSync(path.join(again, data, 'etc/app/new.conf'), 'local change');
    const keep = await runCli(['-c', conf, '-i', '--to', again, '--prefix', path.join(data, 'etc')]);
    expect(keep.code).toBe(5);
    expect(keep.stdout).toMatch(/new\.conf: exists \(use --overwrite/);
    const over = await runCli(['-c', conf, '-i', '--to', again, '--prefix', path.join(data, 'etc'), '--overwrite']);
    expect(over.code).toBe(0);
    expect(snapshotTree(path.join(again, data))).toEqual(snap2);
  });

  test('a second backup of an unchanged 10,000-file tree reads no content and sends almost nothing', async () => {
    const data = path.join(root, 'many');
    const rnd = new SeededRandom('many');
    for (let d = 0; d < 100; d++) {
      const dir = path.join(data, `d${d}`);
      fs.mkdirSync(dir, { recursive: true });
      for (let f = 0; f < 100; f++) fs.writeFileSync(path.join(dir, `f${f}.txt`), rnd.text(200 + rnd.below(3000)));
    }
    const conf = writeNodeConf(root, server, { cname: 'webnode', cert: pki.client('webnode'), include: [data] });
    const first = JSON.parse((await runCli(['-c', conf, '-e', '--json'])).stdout);
    expect(first.counters.filesRead).toBe(10_000);
    const second = await runCli(['-c', conf, '-e', '--json']);
    expect(second.code).toBe(0);
    const c = JSON.parse(second.stdout).counters;
    expect(c.filesRead).toBe(0);
    expect(c.bytesRead).toBe(0);
    expect(c.filesUnchanged).toBe(10_000);
    // Nothing below the include is sent again. The directories on the way to it (kept for their
    // metadata) change with what else happens in them: at most their listings go, a record each.
    const onTheWay = directoriesOnTheWay(data);
    expect(c.chunksSent).toBeLessThanOrEqual(onTheWay + 1);
    expect(c.chunkBytesSent).toBeLessThan(2048);
    const b = JSON.parse(second.stdout).backup;
    expect(b.files).toBe(10_101 + onTheWay);
    expect(b.storedBytes).toBeLessThan(2048);

    // A release: every mtime changes, a few files are edited. Every file is read again; the chunks the
    // parent held at the same path are named without being asked about, the edited ones are sent.
    const later = new Date('2030-01-01T00:00:00Z');
    for (let d = 0; d < 100; d++) for (let f = 0; f < 100; f++) fs.utimesSync(path.join(data, `d${d}`, `f${f}.txt`), later, later);
    for (let d = 0; d < 10; d++) fs.appendFileSync(path.join(data, `d${d}`, 'f7.txt'), `edited ${d}\n`);
    const third = await runCli(['-c', conf, '-e', '--json']);
    expect(third.code).toBe(0);
    const r = JSON.parse(third.stdout).counters;
    expect(r.filesRead).toBe(10_000);
    expect(r.chunksInParent).toBe(9_990);
    expect(r.chunksSent).toBeGreaterThanOrEqual(10); // the edited files, then the listings
    expect(r.chunksSent).toBeLessThan(200);
    const to = path.join(root, 'restored-release');
    expect((await runCli(['-c', conf, '-i', '--to', to])).code).toBe(0);
    expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
  });

  test('a FIFO fed by a writer process is backed up with its content and restored', async () => {
    const data = path.join(root, 'dumps');
    fs.mkdirSync(data);
    const fifo = path.join(data, 'db.dump');
    execFileSync('mkfifo', [fifo]);
    const expected = new SeededRandom('dump').text(2_500_000);
    fs.writeFileSync(path.join(root, 'dump-source'), expected);
    // A real writer process, like mongodump writing into the FIFO.
    const writer = spawn('sh', ['-c', `cat "${path.join(root, 'dump-source')}" > "${fifo}"`], { stdio: 'ignore' });
    const writerDone = new Promise<number | null>((resolve) => writer.on('exit', (code) => resolve(code)));
    const conf = writeNodeConf(root, server, {
      cname: 'cpsnode',
      cert: pki.client('cpsnode'),
      include: [data],
      extra: ['read_all_fifos = 1', 'fifo_timeout = 30'],
    });
    const b = await runCli(['-c', conf, '-e', '--json']);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    expect(await writerDone).toBe(0);
    const num = String(JSON.parse(b.stdout).backup.number);
    const show = await runCli(['-c', conf, '-s', num]);
    expect(show.stdout).toMatch(/^prw.* 2500000 .*db\.dump \(content\)$/m);

    // Its content comes back as a file named after it, unless --fifo-as-fifo asks for the FIFO itself.
    const asFile = path.join(root, 'fifo-as-file');
    expect((await runCli(['-c', conf, '-i', num, '--to', asFile])).code).toBe(0);
    expect(fs.lstatSync(path.join(asFile, fifo)).isFile()).toBe(true); // (reading a FIFO would wait for a writer)
    expect(fs.readFileSync(path.join(asFile, fifo)).equals(expected)).toBe(true);
    const asFifo = path.join(root, 'fifo-as-fifo');
    expect((await runCli(['-c', conf, '-i', num, '--to', asFifo, '--fifo-as-fifo'])).code).toBe(0);
    expect(fs.lstatSync(path.join(asFifo, fifo)).isFIFO()).toBe(true);
  });

  test('a restore killed mid-file leaves nothing of that file, under its name or another; a re-run without --overwrite completes it', async () => {
    const data = path.join(root, 'killed-data');
    const rnd = new SeededRandom('killed');
    fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(data, `a${i}`), rnd.bytes(200_000));
    fs.writeFileSync(path.join(data, 'sub', 'huge.db'), rnd.bytes(150_000_000));
    const conf = writeNodeConf(root, server, { cname: 'webnode', cert: pki.client('webnode'), include: [data] });
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);

    const to = path.join(root, 'killed-restore');
    const sub = path.join(to, data, 'sub');
    const child = spawn(process.execPath, [CLI_BIN, '-c', conf, '-i', '--to', to], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    // Killed once 20 MB of huge.db are written: the file, with no name yet, is seen open in the restore's descriptors.
    const writing = () => openFileBytes(child.pid!, `${sub}/#`);
    while (child.exitCode === null && writing() < 20_000_000) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await exited;
    expect(fs.readdirSync(sub)).toEqual([]); // never a truncated file under the real name, nor a leftover beside it

    const again = await runCli(['-c', conf, '-i', '--to', to]);
    expect(again.code).toBe(5); // the files restored the first time are kept, with a warning each
    expect(again.stdout).not.toMatch(/huge\.db: exists/);
    expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
  }, 180_000);

  test('cpsbackupd stops cleanly when asked (SIGTERM: exit 0)', async () => {
    expect(await server.stop()).toBe(0);
  });
});

/** The size of the largest file a process has open whose path (as /proc shows it) starts with `prefix`; 0 if none. */
function openFileBytes(pid: number, prefix: string): number {
  let most = 0;
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return 0; // exited
  }
  for (const fd of fds) {
    try {
      if (!fs.readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(prefix)) continue;
      most = Math.max(most, fs.statSync(`/proc/${pid}/fd/${fd}`).size);
    } catch {
      // closed meanwhile
    }
  }
  return most;
}
