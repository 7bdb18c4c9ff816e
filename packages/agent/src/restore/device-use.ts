import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Why a block device must not be written over, beyond what O_EXCL tells
 * (Linux refuses O_EXCL, EBUSY, only where someone claimed the device
 * exclusively: a mount, device-mapper, md, swap). What claims nothing is
 * looked for here, on the device and on each of its partitions: holders
 * in /sys (dm, md, bcache stacked on it), a loop device whose backing file
 * is it (the loop driver does not claim its backing device), swap on it
 * (/proc/swaps). Undefined when none is found. A loop device whose
 * backing path was deleted since it was set up cannot be traced to its device.
 */
export function blockDeviceUse(rdev: bigint): string | undefined {
  const self = sysDir(rdev);
  if (self === undefined) return 'its entry in /sys/dev/block cannot be read, so whether it is in use cannot be checked';
  const parts = [{ name: path.basename(self), dir: self, rdev }, ...partitionsOf(self)];
  const ours = new Map(parts.map((p) => [p.rdev, p.name]));
  const whose = (name: string) => (name === parts[0].name ? '' : ` (its partition ${name})`);

  for (const p of parts) {
    let holders: string[] = [];
    try {
      holders = fs.readdirSync(path.join(p.dir, 'holders'));
    } catch {
      // no holders directory: nothing stacked on it
    }
    if (holders.length > 0) {
      return `${holders.map((h) => `/dev/${h}`).join(', ')} ${holders.length === 1 ? 'is' : 'are'} stacked on it${whose(p.name)} (device-mapper, md or bcache): remove ${holders.length === 1 ? 'it' : 'them'} first (dmsetup remove, mdadm --stop)`;
    }
  }

  for (const loop of loopDevices()) {
    let backing: string;
    try {
      backing = fs.readFileSync(path.join('/sys/block', loop, 'loop/backing_file'), 'utf8').replace(/\n$/, '');
    } catch {
      continue; // a loop device with nothing attached
    }
    const named = backing.endsWith(' (deleted)') ? backing.slice(0, -' (deleted)'.length) : backing;
    // By the device the path names, not by its spelling: /dev/disk/by-id/…, a node of one's own, a link all lead to one.
    // One whose backing file was deleted (the path leads nowhere, or to what took its name since) cannot be traced: /sys gives no more.
    const st = statRdev(named) ?? statRdev(backing);
    const hit = st ? ours.get(st) : undefined;
    if (hit !== undefined)
      return `the loop device /dev/${loop} is backed by it${whose(hit)}: detach it first (umount what is on it, then losetup -d /dev/${loop})`;
  }

  let swaps = '';
  try {
    swaps = fs.readFileSync('/proc/swaps', 'utf8');
  } catch {
    // no /proc/swaps: no swap
  }
  for (const line of swaps.split('\n').slice(1)) {
    const field = line.split(/\s+/)[0];
    if (!field) continue;
    // /proc/swaps writes a space, tab, newline or backslash in a name as \ and three octal digits.
    const name = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    const st = statRdev(name);
    const hit = st ? ours.get(st) : undefined;
    if (hit !== undefined) return `it is in use as swap${whose(hit)}: swapoff ${name} first`;
  }
  return undefined;
}

/** glibc's major and minor of a dev_t. */
function majorMinor(rdev: bigint): string {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/** The device's directory in /sys (the link /sys/dev/block/MAJ:MIN resolved), or undefined. */
function sysDir(rdev: bigint): string | undefined {
  try {
    return fs.realpathSync(`/sys/dev/block/${majorMinor(rdev)}`);
  } catch {
    return undefined;
  }
}

/** The partitions of a whole disk: its subdirectories holding a `partition` file. */
function partitionsOf(dir: string): { name: string; dir: string; rdev: bigint }[] {
  const found: { name: string; dir: string; rdev: bigint }[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return found;
  }
  for (const name of names) {
    const sub = path.join(dir, name);
    if (!fs.existsSync(path.join(sub, 'partition'))) continue;
    try {
      const [major, minor] = fs.readFileSync(path.join(sub, 'dev'), 'utf8').trim().split(':').map(BigInt);
      // glibc's makedev().
      const rdev = ((major & 0xfffn) << 8n) | ((major & ~0xfffn) << 32n) | (minor & 0xffn) | ((minor & ~0xffn) << 12n);
      found.push({ name, dir: sub, rdev });
    } catch {
      // a partition removed meanwhile
    }
  }
  return found;
}

function loopDevices(): string[] {
  try {
    return fs.readdirSync('/sys/block').filter((n) => /^loop\d+$/.test(n));
  } catch {
    return [];
  }
}

/** The device number a path names if it is a block device, null if it is something else, undefined if it cannot be stat'ed. */
function statRdev(p: string): bigint | null | undefined {
  try {
    const st = fs.statSync(p, { bigint: true });
    return st.isBlockDevice() ? st.rdev : null;
  } catch {
    return undefined;
  }
}
