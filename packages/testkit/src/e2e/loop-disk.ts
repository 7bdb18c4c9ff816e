/**
 * A real filesystem on a loop device, and copies of its image taken the way
 * a power cut would leave it: what reached the device is in the copy, what
 * sat in the page cache unsynced is not. Needs root (CI runs as root).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Why loop devices cannot be used here, or undefined when they can. */
export function loopDevicesUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root (loop devices and mount need it)';
  for (const tool of ['losetup', 'mkfs.ext4', 'mount', 'umount']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  if (!fs.existsSync('/dev/loop-control')) return '/dev/loop-control is missing (no loop device support)';
  return undefined;
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A mounted image: `mountPoint` is the filesystem, `image` the file behind the loop device. */
export class LoopDisk {
  private device = '';

  private constructor(
    readonly image: string,
    readonly mountPoint: string,
    /** The loop device reads and writes its image with O_DIRECT, past the page cache of the filesystem holding it. */
    private readonly directIo = false,
  ) {}

  /**
   * A fresh ext4 filesystem of `sizeMiB` on a new loop device, mounted at
   * `mountPoint`. With `directIo`, what is not in this filesystem's own
   * page cache comes from the disk under the image: after remount() its
   * reads are cold reads.
   */
  static create(image: string, mountPoint: string, sizeMiB: number, opts: { directIo?: boolean } = {}): LoopDisk {
    fs.rmSync(image, { force: true });
    fs.writeFileSync(image, '');
    fs.truncateSync(image, sizeMiB * 1024 * 1024);
    run('mkfs.ext4', ['-q', '-F', image]);
    const disk = new LoopDisk(image, mountPoint, opts.directIo);
    disk.attach();
    return disk;
  }

  /**
   * Unmounts and mounts again: the filesystem's cached pages, inodes and
   * directory entries are gone (where /proc/sys/vm/drop_caches is refused,
   * as in containers, this is how a cache is dropped). Fails if a process
   * holds a file open on it.
   */
  remount(): void {
    run('umount', [this.mountPoint]);
    run('mount', ['-t', 'ext4', this.device, this.mountPoint]);
  }

  /** Mounts an existing image (a copy): ext4 replays its journal as after a reboot. */
  static mountImage(image: string, mountPoint: string): LoopDisk {
    const disk = new LoopDisk(image, mountPoint);
    disk.attach();
    return disk;
  }

  private attach(): void {
    this.device = run('losetup', ['--find', '--show', ...(this.directIo ? ['--direct-io=on'] : []), this.image]);
    fs.mkdirSync(this.mountPoint, { recursive: true });
    run('mount', ['-t', 'ext4', this.device, this.mountPoint]);
  }

  /**
   * Copies the image as a power cut at this instant would leave the disk.
   * The writing process is stopped first (SIGSTOP, and every thread seen
   * stopped, so no write or fsync of its own is half issued), the image is
   * copied, and the process continues. Nothing is synced: bytes the process
   * did not make durable are, as in a power cut, only there if the kernel
   * happened to write them back already.
   */
  powerCutCopy(pid: number, copy: string, then: 'continue' | 'die' = 'continue'): void {
    process.kill(pid, 'SIGSTOP');
    try {
      waitAllThreadsStopped(pid);
      run('cp', ['--sparse=always', this.image, copy]);
    } finally {
      // 'die': the process never runs past the cut (what it shares beyond this disk, an object store, stays as the cut left it).
      process.kill(pid, then === 'die' ? 'SIGKILL' : 'SIGCONT');
    }
  }

  /** Unmounts and detaches; safe to call twice. */
  detach(): void {
    if (!this.device) return;
    try {
      run('umount', [this.mountPoint]);
    } catch {
      run('umount', ['-l', this.mountPoint]);
    }
    try {
      run('losetup', ['-d', this.device]);
    } catch {
      // already gone
    }
    this.device = '';
  }
}

/** Waits until every thread of `pid` is stopped (state T or t): none is inside a system call any more. */
function waitAllThreadsStopped(pid: number): void {
  // A net only (this loop is synchronous: the test's timeout cannot end it); a thread in a slow disk write stops late.
  const deadline = Date.now() + 300_000;
  for (;;) {
    const tasks = fs.readdirSync(`/proc/${pid}/task`);
    const running = tasks.filter((t) => {
      try {
        const stat = fs.readFileSync(path.join(`/proc/${pid}/task`, t, 'stat'), 'utf8');
        const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        return state !== 'T' && state !== 't';
      } catch {
        return false; // the thread ended
      }
    });
    if (running.length === 0) return;
    if (Date.now() > deadline) throw new Error(`process ${pid} did not stop within 300 s`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
}
