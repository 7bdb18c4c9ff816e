/**
 * File-system boundaries below an include, as Burp draws them (issue 35,
 * item 1): by default the walk keeps to the include's file system, a
 * mount point below it backed up as a directory; cross_filesystem and
 * cross_all_filesystems open the way; exclude_fs and include_fs leave
 * file systems out by type. Real mounts (a tmpfs and a loop-mounted
 * ext4 image) below the include, through cpsbackup and cpsbackupd, each
 * backup restored and compared with what should be in it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom, tempDir } from '@cpsbackup/testkit';
import { LoopDisk, loopDevicesUnavailable, runCli, snapshotTree, type TreeRecord, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

const skip = loopDevicesUnavailable();
const maybe = skip ? describe.skip : describe;
if (skip) console.warn(`file-system boundary tests skipped: ${skip}`);

maybe('file-system boundaries below an include (cross_filesystem, cross_all_filesystems, exclude_fs, include_fs)', () => {
  const { root, pki, server } = useServer('fs-boundaries', { clients: { node: [] } });
  // Mounts live outside the server's root, which is removed after the tests, maybe before they are unmounted.
  const mounts = tempDir('fs-boundaries-mounts');
  const data = path.join(mounts, 'data');
  const tmp = path.join(data, 'tmp');
  const disk = path.join(data, 'disk');
  const loops: LoopDisk[] = [];
  let tmpfsMounted = false;
  let live: Map<string, TreeRecord>;
  let restores = 0;

  beforeAll(() => {
    const rnd = new SeededRandom('fs-boundaries');
    const write = (rel: string, size: number) => {
      fs.mkdirSync(path.dirname(path.join(data, rel)), { recursive: true });
      fs.writeFileSync(path.join(data, rel), rnd.bytes(size));
    };
    // The include is an ext4 file system of its own, whatever the machine's temporary directory is on.
    loops.push(LoopDisk.create(path.join(mounts, 'data.img'), data, 32));
    fs.rmSync(path.join(data, 'lost+found'), { recursive: true });
    write('etc/app.conf', 300);
    write('var/db.bin', 200_000);
    fs.mkdirSync(tmp, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=1777', 'tmpfs', tmp]);
    tmpfsMounted = true;
    write('tmp/session.bin', 50_000);
    write('tmp/cache/page.html', 4_000);
    loops.push(LoopDisk.create(path.join(mounts, 'disk.img'), disk, 32));
    fs.rmSync(path.join(disk, 'lost+found'), { recursive: true });
    write('disk/archive.tar', 300_000);
    write('disk/2026/report.pdf', 70_000);
    fs.chmodSync(disk, 0o751);
    // Times last: what a restore must put back on each directory, mount points included.
    fs.utimesSync(disk, new Date('2026-01-02T03:04:05Z'), new Date('2026-01-02T03:04:05Z'));
    live = snapshotTree(data);
    expect([...live.keys()].filter((k) => k.startsWith('tmp/') || k.startsWith('disk/')).length).toBe(6);
  });
  afterAll(() => {
    if (tmpfsMounted) execFileSync('umount', ['-l', tmp]);
    for (const l of loops.reverse()) l.detach();
    fs.rmSync(mounts, { recursive: true, force: true });
  });

  /** Backs up `data` with these node.conf lines: the run's output, and the restored copy of `data` compared with what passes `kept`. */
  async function backUpAndRestore(
    extra: string[],
    include = [data],
  ): Promise<{ code: number; stdout: string; stderr: string; restored: Map<string, TreeRecord> }> {
    const conf = writeNodeConf(root, server, { cname: 'node', cert: pki.client('node'), include, extra });
    const backup = await runCli(['-c', conf, '-e', '--json']);
    if (backup.code !== 0 && backup.code !== 5) throw new Error(`backup failed (${backup.code}): ${backup.stderr}`);
    const number = JSON.parse(backup.stdout).backup.number as number;
    const to = path.join(root, `restore-${++restores}`);
    const restore = await runCli(['-c', conf, '-i', String(number), '--to', to]);
    expect(restore.code).toBe(0);
    return { code: backup.code, stdout: backup.stdout, stderr: backup.stderr, restored: snapshotTree(path.join(to, data)) };
  }
  /** The live tree without what lies below the mount points given: their directories stay. */
  function without(...mounts: string[]): Map<string, TreeRecord> {
    const rels = mounts.map((m) => path.relative(data, m) + '/');
    return new Map([...live].filter(([k]) => !rels.some((r) => k.startsWith(r))));
  }
  const notCrossed = (p: string, type: string) =>
    `${p} is the mount point of another file system (${type}): not crossed, only its directory is backed up ` +
    `(cross_filesystem = ${p} or cross_all_filesystems = 1 backs up what is in it; exclude = ${p} leaves it out without this warning)`;

  test('by default neither mount is crossed: their mount points are restored as directories (metadata kept), their contents are not; each is a warning', async () => {
    const r = await backUpAndRestore([]);
    expect(r.restored).toEqual(without(tmp, disk));
    expect(r.restored.get('disk')).toMatchObject({ type: 'dir', mode: '751', mtimeNs: live.get('disk')!.mtimeNs });
    expect(r.restored.get('tmp')).toMatchObject({ type: 'dir', mode: '1777' });
    // As Burp's "Will not descend: file system change not allowed": a warning each, exit 5 (the backup is complete).
    expect(r.code).toBe(5);
    expect(JSON.parse(r.stdout).backup.warnings).toEqual([notCrossed(disk, 'ext4'), notCrossed(tmp, 'tmpfs')]);
    expect(r.stderr).not.toContain('does not implement');
  });

  test('cross_filesystem = PATH crosses that mount only', async () => {
    const r = await backUpAndRestore([`cross_filesystem = ${disk}`]);
    expect(r.restored).toEqual(without(tmp));
    expect(JSON.parse(r.stdout).backup.warnings).toEqual([notCrossed(tmp, 'tmpfs')]);
    const both = await backUpAndRestore([`cross_filesystem = ${disk}`, `cross_filesystem = ${tmp}/`]);
    expect(both.restored).toEqual(live);
    expect(both.code).toBe(0);
  });

  test('cross_all_filesystems = 1 crosses both; exclude_fs = tmpfs then leaves the tmpfs out; include_fs = ext4 keeps to ext4', async () => {
    const all = await backUpAndRestore(['cross_all_filesystems = 1']);
    expect(all.restored).toEqual(live);
    expect(all.code).toBe(0);
    expect(all.stderr).not.toContain('does not implement');
    const noTmpfs = await backUpAndRestore(['cross_all_filesystems = 1', 'exclude_fs = tmpfs']);
    expect(noTmpfs.restored).toEqual(without(tmp));
    expect(noTmpfs.code).toBe(0); // left out by the configuration: no warning
    const ext4Only = await backUpAndRestore(['cross_all_filesystems = 1', 'include_fs = ext4']);
    expect(ext4Only.restored).toEqual(without(tmp));
    expect(ext4Only.code).toBe(0);
    // exclude_fs also stops a crossing cross_filesystem allows, silently.
    const named = await backUpAndRestore([`cross_filesystem = ${tmp}`, 'exclude_fs = tmpfs']);
    expect(named.restored).toEqual(without(tmp, disk));
    expect(JSON.parse(named.stdout).backup.warnings).toEqual([notCrossed(disk, 'ext4')]);
  });

  test('an include below a mount point that is not crossed is backed up, with the way down to it, and nothing else of that file system', async () => {
    const r = await backUpAndRestore([], [data, path.join(disk, '2026')]);
    expect(r.restored).toEqual(new Map([...without(tmp)].filter(([k]) => k !== 'disk/archive.tar')));
    expect(JSON.parse(r.stdout).backup.warnings).toEqual([notCrossed(tmp, 'tmpfs')]);
  });

  test('an unknown file-system type is refused with the names known; a number as statfs gives it is taken', async () => {
    const conf = writeNodeConf(root, server, { cname: 'node', cert: pki.client('node'), include: [data], extra: ['exclude_fs = tmpfss'] });
    const bad = await runCli(['-c', conf, '-e']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(`${conf}:`);
    expect(bad.stderr).toMatch(/exclude_fs.*unknown file-system type "tmpfss": give one of .*\btmpfs\b.*or its number as `stat -f -c %t PATH` prints it/);
    const byNumber = await backUpAndRestore(['cross_all_filesystems = 1', 'exclude_fs = 0x01021994']);
    expect(byNumber.restored).toEqual(without(tmp));
  });
});
