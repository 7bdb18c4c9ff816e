/**
 * What claims a block device without O_EXCL seeing it, on real loop
 * devices: swap (which O_EXCL sees too: this checks the /proc/swaps rule
 * on its own) and a loop device backed by it. Needs root and losetup.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loopDevicesUnavailable } from '@cpsbackup/testkit/e2e';
import { blockDeviceUse } from './device-use';

const unavailable = loopDevicesUnavailable();
const maybe = unavailable ? describe.skip : describe;
if (unavailable) console.warn(`device-use tests skipped: ${unavailable}`);

maybe('blockDeviceUse', () => {
  let dir: string;
  const devices: string[] = [];
  let swapOn: string | undefined;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsbackup-device-use-'));
  });

  afterAll(() => {
    if (swapOn) execFileSync('swapoff', [swapOn]);
    for (const d of devices) {
      try {
        execFileSync('losetup', ['-d', d]);
      } catch {
        // already detached
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function loop(backing: string, ...flags: string[]): string {
    const device = execFileSync('losetup', ['--find', '--show', ...flags, backing], { encoding: 'utf8' }).trim();
    devices.unshift(device); // detached before what it is backed by
    return device;
  }

  test('a device nothing uses: none; swap on it and a loop device backed by it: each named with what to do', () => {
    const image = path.join(dir, 'disk.img');
    fs.writeFileSync(image, '');
    fs.truncateSync(image, 16 * 1024 * 1024);
    const device = loop(image);
    const rdev = fs.statSync(device, { bigint: true }).rdev;
    expect(blockDeviceUse(rdev)).toBeUndefined();

    execFileSync('mkswap', [device], { stdio: 'ignore' });
    execFileSync('swapon', [device]);
    swapOn = device;
    expect(blockDeviceUse(rdev)).toBe(`it is in use as swap: swapoff ${device} first`);
    execFileSync('swapoff', [device]);
    swapOn = undefined;

    const stacked = loop(device, '--read-only');
    expect(blockDeviceUse(rdev)).toBe(`the loop device ${stacked} is backed by it: detach it first (umount what is on it, then losetup -d ${stacked})`);
    // The loop device itself is used by nothing.
    expect(blockDeviceUse(fs.statSync(stacked, { bigint: true }).rdev)).toBeUndefined();
  });
});
