/**
 * read_blockdev and read_all_blockdevs (Burp's): a block device's content
 * is backed up as the entry's data, deduplicated, on real loop devices.
 * It comes back as a regular file holding the content (as under Burp), or,
 * with --onto-devices, onto the block device found where it is restored,
 * never onto one that is mounted. Needs root and losetup (CI runs as root).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { loopDevicesUnavailable, runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

const MiB = 1024 * 1024;
const unavailable = loopDevicesUnavailable();
const maybe = unavailable ? describe.skip : describe;
if (unavailable) console.warn(`block device tests skipped: ${unavailable}`);

/** 16 MiB as a disk might hold them: data, 8 MiB never written (zeros), data. */
function diskContent(seed: string): Buffer {
  const rnd = new SeededRandom(seed);
  return Buffer.concat([rnd.bytes(4 * MiB), Buffer.alloc(8 * MiB), rnd.bytes(4 * MiB)]);
}

/** glibc's major and minor of a dev_t. */
function majorMinor(rdev: number): [number, number] {
  const d = BigInt(rdev);
  return [Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn)), Number((d & 0xffn) | ((d >> 12n) & ~0xffn))];
}

maybe('block devices (read_blockdev, read_all_blockdevs)', () => {
  const { root, pki, server } = useServer('blockdev', { clients: { bd: [], mnt: [], all: [], link: [], stack: [], ro: [] } });
  const devices: string[] = [];
  const mounts: string[] = [];

  /** A loop device over a new image file holding `content`. */
  function loop(name: string, content: Buffer): { device: string; image: string } {
    const image = path.join(root, `${name}.img`);
    fs.writeFileSync(image, content);
    const device = execFileSync('losetup', ['--find', '--show', image], { encoding: 'utf8' }).trim();
    devices.push(device);
    return { device, image };
  }

  /** A block device node `at` for `device` (what a restore onto another device writes through). */
  function nodeFor(at: string, device: string): void {
    fs.mkdirSync(path.dirname(at), { recursive: true });
    const [major, minor] = majorMinor(fs.statSync(device).rdev);
    execFileSync('mknod', [at, 'b', String(major), String(minor)]);
  }

  afterAll(() => {
    for (const m of mounts) execFileSync('umount', ['-l', m]);
    for (const d of devices) {
      try {
        execFileSync('losetup', ['-d', d]);
      } catch {
        // already detached
      }
    }
  });

  test('read_blockdev: the content is backed up, restored to a file and onto another loop device bit-exact; the unchanged device sends next to nothing again', async () => {
    const content = diskContent('bd-a');
    const a = loop('a', content);
    const conf = writeNodeConf(path.join(root, 'bd'), server, {
      cname: 'bd',
      cert: pki.client('bd'),
      include: [a.device],
      extra: [`read_blockdev = ${a.device}`],
    });
    const first = await runCli(['-c', conf, '-e', '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const num = String(JSON.parse(first.stdout).backup.number);
    expect((await runCli(['-c', conf, '-s', num])).stdout).toMatch(new RegExp(`^b[-rwx]{9} .* 16777216 .* ${a.device} \\(content\\)$`, 'm'));

    // The server's verify reads the device's chunks back and finds they add up to its size.
    const verify = await runCli(['-c', conf, '--verify', num]);
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);

    // To a directory: a regular file holding the device's content, its never-written part a hole.
    const to = path.join(root, 'to-file');
    const r = await runCli(['-c', conf, '-i', num, '--to', to]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const restored = path.join(to, a.device);
    expect(fs.lstatSync(restored).isFile()).toBe(true);
    expect(fs.readFileSync(restored).equals(content)).toBe(true);
    expect(fs.statSync(restored).blocks * 512).toBeLessThanOrEqual(9 * MiB);

    // Unchanged: read again whole (a device's times do not follow its content), but the server has every chunk.
    const second = await runCli(['-c', conf, '-e', '--json']);
    expect(second.code).toBe(0);
    const counters = JSON.parse(second.stdout).counters;
    expect(counters.bytesRead).toBe(content.length);
    expect(counters.chunkBytesSent).toBeLessThan(64 * 1024); // its file list at most, none of its data

    // Onto another loop device: through a block device node where the entry is restored.
    const b = loop('b', Buffer.alloc(content.length));
    const onto = path.join(root, 'onto');
    nodeFor(path.join(onto, a.device), b.device);
    // Without --onto-devices no device is written, and its node is kept, even with --overwrite.
    const kept = await runCli(['-c', conf, '-i', num, '--to', onto, '--overwrite']);
    expect(kept.code).toBe(5);
    // Named where it is on this machine (under --to), not as backed up.
    expect(kept.stdout + kept.stderr).toContain(
      `${path.join(onto, a.device)}: a block device is there; not replaced by a file of the backed-up content (--onto-devices writes`,
    );
    expect(fs.lstatSync(path.join(onto, a.device)).isBlockDevice()).toBe(true);
    expect(fs.readFileSync(b.device).equals(Buffer.alloc(content.length))).toBe(true);
    const written = await runCli(['-c', conf, '-i', num, '--to', onto, '--onto-devices']);
    expect(written.stderr).toBe('');
    expect(written.code).toBe(0);
    expect(fs.lstatSync(path.join(onto, a.device)).isBlockDevice()).toBe(true);
    expect(fs.readFileSync(b.device).equals(content)).toBe(true);
    expect(fs.readFileSync(b.image).equals(content)).toBe(true);
  }, 180_000);

  test('--onto-devices never writes over a mounted block device: it is skipped, saying why, and its file system stays whole', async () => {
    const content = diskContent('bd-m');
    const m = loop('m', content);
    const conf = writeNodeConf(path.join(root, 'mnt'), server, {
      cname: 'mnt',
      cert: pki.client('mnt'),
      include: [m.device],
      extra: [`read_blockdev = ${m.device}`],
    });
    const backup = await runCli(['-c', conf, '-e', '--json']);
    expect(backup.code).toBe(0);
    const num = String(JSON.parse(backup.stdout).backup.number);

    const image = path.join(root, 'mounted.img');
    fs.writeFileSync(image, '');
    fs.truncateSync(image, 16 * MiB);
    execFileSync('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', image]);
    const device = execFileSync('losetup', ['--find', '--show', image], { encoding: 'utf8' }).trim();
    devices.push(device);
    const mnt = path.join(root, 'mountpoint');
    fs.mkdirSync(mnt);
    execFileSync('mount', ['-t', 'ext4', device, mnt]);
    mounts.push(mnt);
    fs.writeFileSync(path.join(mnt, 'marker'), 'still here\n');
    execFileSync('sync');

    const onto = path.join(root, 'onto-mounted');
    nodeFor(path.join(onto, m.device), device);
    const r = await runCli(['-c', conf, '-i', num, '--to', onto, '--onto-devices']);
    expect(r.code).toBe(5);
    expect(r.stdout + r.stderr).toContain(`${path.join(onto, m.device)}: the block device there is mounted or in use (EBUSY): not written over`);
    expect(
      fs
        .readFileSync(device)
        .subarray(0, 4 * MiB)
        .equals(content.subarray(0, 4 * MiB)),
    ).toBe(false);
    expect(fs.readFileSync(path.join(mnt, 'marker'), 'utf8')).toBe('still here\n');
  }, 120_000);

  test('read_all_blockdevs reads every block device met; read_blockdev naming a symbolic link follows it to its device (as Burp does for /dev/VG/LV)', async () => {
    const content = diskContent('bd-c');
    const c = loop('c', content);
    const data = path.join(root, 'data');
    nodeFor(path.join(data, 'disk'), c.device);
    fs.symlinkSync(c.device, path.join(data, 'vol'));
    fs.writeFileSync(path.join(data, 'plain'), 'a file\n');

    const all = writeNodeConf(path.join(root, 'all'), server, { cname: 'all', cert: pki.client('all'), include: [data], extra: ['read_all_blockdevs = 1'] });
    const b1 = await runCli(['-c', all, '-e', '--json']);
    expect(b1.stderr).toBe('');
    expect(b1.code).toBe(0);
    const s1 = (await runCli(['-c', all, '-s', String(JSON.parse(b1.stdout).backup.number)])).stdout;
    expect(s1).toMatch(/^b.* 16777216 .*\/data\/disk \(content\)$/m);
    expect(s1).toMatch(/^l.*\/data\/vol -> /m); // a link read_blockdev does not name stays a link

    const link = writeNodeConf(path.join(root, 'link'), server, {
      cname: 'link',
      cert: pki.client('link'),
      include: [data],
      extra: [`read_blockdev = ${path.join(data, 'vol')}`],
    });
    const b2 = await runCli(['-c', link, '-e', '--json']);
    expect(b2.stderr).toBe('');
    expect(b2.code).toBe(0);
    const num = String(JSON.parse(b2.stdout).backup.number);
    const s2 = (await runCli(['-c', link, '-s', num])).stdout;
    expect(s2).toMatch(/^b.* 16777216 .*\/data\/vol \(content\)$/m);
    expect(s2).toMatch(/^b.* 0 .*\/data\/disk$/m); // a device node read_blockdev does not name: the node only
    const to = path.join(root, 'link-to');
    expect((await runCli(['-c', link, '-i', num, '--to', to])).code).toBe(0);
    expect(fs.readFileSync(path.join(to, data, 'vol')).equals(content)).toBe(true);
    expect(fs.lstatSync(path.join(to, data, 'disk')).isBlockDevice()).toBe(true);

    // A named link that leads to no block device: a warning names it, and it stays a link.
    fs.symlinkSync(path.join(data, 'plain'), path.join(data, 'notdev'));
    fs.appendFileSync(link, `read_blockdev = ${path.join(data, 'notdev')}\n`);
    const b3 = await runCli(['-c', link, '-e', '--json']);
    expect(b3.code).toBe(5);
    expect(b3.stdout + b3.stderr).toContain(
      `block device ${path.join(data, 'notdev')} cannot be read: ENOTBLK (the link leads to ${path.join(data, 'plain')}, which is not a block device)`,
    );
    const s3 = (await runCli(['-c', link, '-s', String(JSON.parse(b3.stdout).backup.number)])).stdout;
    expect(s3).toMatch(/^l.*\/data\/notdev -> /m);
  }, 180_000);
  test('--onto-devices never writes over a device a loop device is backed by (the loop driver claims nothing, O_EXCL succeeds): it is skipped, saying which loop, and the file system on the loop stays whole', async () => {
    const content = diskContent('bd-s');
    const s = loop('s', content);
    const conf = writeNodeConf(path.join(root, 'stack'), server, {
      cname: 'stack',
      cert: pki.client('stack'),
      include: [s.device],
      extra: [`read_blockdev = ${s.device}`],
    });
    const backup = await runCli(['-c', conf, '-e', '--json']);
    expect(backup.code).toBe(0);
    const num = String(JSON.parse(backup.stdout).backup.number);

    // A file system on a loop device stacked on the loop device restored onto, mounted.
    const under = loop('under', Buffer.alloc(content.length));
    const stacked = execFileSync('losetup', ['--find', '--show', under.device], { encoding: 'utf8' }).trim();
    devices.unshift(stacked); // detached before what it is stacked on
    execFileSync('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', stacked]);
    const mnt = path.join(root, 'stacked-mnt');
    fs.mkdirSync(mnt);
    execFileSync('mount', ['-t', 'ext4', stacked, mnt]);
    mounts.push(mnt);
    fs.writeFileSync(path.join(mnt, 'marker'), 'still here\n');
    execFileSync('sync');

    // Through a node for it where the entry is restored (under --to).
    const onto = path.join(root, 'onto-stacked');
    nodeFor(path.join(onto, s.device), under.device);
    const r = await runCli(['-c', conf, '-i', num, '--to', onto, '--onto-devices']);
    expect(r.code).toBe(5);
    expect(r.stdout + r.stderr).toContain(
      `${path.join(onto, s.device)}: the block device there is in use: the loop device ${stacked} is backed by it: detach it first`,
    );
    // Not written (the mounted file system may write its own blocks meanwhile: the content's first bytes are what cannot be there).
    expect(
      fs
        .readFileSync(under.device)
        .subarray(0, 4 * MiB)
        .equals(content.subarray(0, 4 * MiB)),
    ).toBe(false);
    expect(fs.readFileSync(path.join(mnt, 'marker'), 'utf8')).toBe('still here\n');

    // A loop device set up over a node of another name for that device: recognised by its device number, not by the path's spelling.
    const other = path.join(root, 'another-node');
    nodeFor(other, under.device);
    const second = execFileSync('losetup', ['--find', '--show', '--read-only', other], { encoding: 'utf8' }).trim();
    devices.unshift(second);
    expect(fs.readFileSync(`/sys/block/${path.basename(second)}/loop/backing_file`, 'utf8').trim()).toBe(other);
    execFileSync('umount', [mnt]);
    mounts.splice(mounts.indexOf(mnt), 1);
    execFileSync('losetup', ['-d', stacked]);
    const unmounted = fs.readFileSync(under.device); // the unmount wrote its superblock
    const r2 = await runCli(['-c', conf, '-i', num, '--to', onto, '--onto-devices']);
    expect(r2.code).toBe(5);
    expect(r2.stdout + r2.stderr).toContain(`the loop device ${second} is backed by it`);
    expect(fs.readFileSync(under.device).equals(unmounted)).toBe(true);
    // The node it was set up over deleted and made again (as udev does): its backing file reads "… (deleted)", and is still this device.
    fs.unlinkSync(other);
    nodeFor(other, under.device);
    expect(fs.readFileSync(`/sys/block/${path.basename(second)}/loop/backing_file`, 'utf8').trim()).toBe(`${other} (deleted)`);
    const r3 = await runCli(['-c', conf, '-i', num, '--to', onto, '--onto-devices']);
    expect(r3.code).toBe(5);
    expect(r3.stdout + r3.stderr).toContain(`the loop device ${second} is backed by it`);
    expect(fs.readFileSync(under.device).equals(unmounted)).toBe(true);
    // The file system the restore did not write over is whole.
    execFileSync('fsck.ext4', ['-n', '-f', under.device]);
  }, 180_000);

  test('--onto-devices onto a device that refuses writes (read-only loop): a warning naming it, nothing more written to it, and the restore goes on with the next entries', async () => {
    const content = diskContent('bd-r');
    const c = loop('r', content);
    const data = path.join(root, 'ro-data');
    nodeFor(path.join(data, 'disk1'), c.device);
    nodeFor(path.join(data, 'disk2'), c.device);
    fs.writeFileSync(path.join(data, 'plain'), 'after the devices\n');
    const conf = writeNodeConf(path.join(root, 'ro'), server, { cname: 'ro', cert: pki.client('ro'), include: [data], extra: ['read_all_blockdevs = 1'] });
    const backup = await runCli(['-c', conf, '-e', '--json']);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const num = String(JSON.parse(backup.stdout).backup.number);

    const zeros = Buffer.alloc(content.length);
    const roImage = path.join(root, 'ro-target.img');
    fs.writeFileSync(roImage, zeros);
    const ro = execFileSync('losetup', ['--find', '--show', '--read-only', roImage], { encoding: 'utf8' }).trim();
    devices.push(ro);
    const rw = loop('rw-target', zeros);
    const onto = path.join(root, 'onto-ro');
    nodeFor(path.join(onto, data, 'disk1'), ro);
    nodeFor(path.join(onto, data, 'disk2'), rw.device);
    // The device the only entry restored: the rest of its content is still consumed, the restore ends in step.
    const only = await runCli(['-c', conf, '-i', num, '--to', onto, '--onto-devices', '--prefix', path.join(data, 'disk1')]);
    expect(only.stdout + only.stderr).not.toContain('where restoreEnd was expected');
    expect(only.code).toBe(5);
    expect(only.stdout + only.stderr).toContain(`${path.join(onto, data, 'disk1')}: cannot write the block device (EPERM): `);
    expect(fs.readFileSync(roImage).equals(zeros)).toBe(true);

    // Among other entries: those after it are restored.
    const r = await runCli(['-c', conf, '-i', num, '--to', onto, '--onto-devices']);
    expect(r.stdout + r.stderr).not.toContain('where restoreEnd was expected');
    expect(r.code).toBe(5);
    expect(r.stdout + r.stderr).toContain(`${path.join(onto, data, 'disk1')}: cannot write the block device (EPERM): `);
    expect(r.stdout + r.stderr).toContain('nothing more written to it');
    expect(fs.readFileSync(roImage).equals(zeros)).toBe(true);
    // The entries after it: the next device written whole, the file restored.
    expect(fs.readFileSync(rw.device).equals(content)).toBe(true);
    expect(fs.readFileSync(path.join(onto, data, 'plain'), 'utf8')).toBe('after the devices\n');
  }, 180_000);
});
