import * as fs from 'node:fs';
import * as os from 'node:os';
import { createFileDurably } from './durable-fs';

/** Who holds a lock file. */
export interface LockHolder {
  pid: number;
  host: string;
}

/** This boot of the machine: a lock from an earlier boot is stale whatever its pid (pids are reused after a reboot). */
function bootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '-';
  }
}

/**
 * An exclusive lock as a file holding "pid host boot-id". Taking it fails
 * while a live process of this boot on this host holds it; a lock left by a
 * dead process (kill -9) or an earlier boot (power cut) is taken over. The
 * file is created complete (written and fsynced under a temporary name, then
 * linked in), so it is never empty; an empty or unreadable one can only be
 * the debris of a crash and is taken over too.
 */
export class PidLockFile {
  private constructor(readonly file: string) {}

  /** Takes the lock, or returns who holds it. */
  static tryAcquire(file: string): PidLockFile | LockHolder {
    const boot = bootId();
    const me = `${process.pid} ${os.hostname()} ${boot}\n`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        createFileDurably(file, me);
        return new PidLockFile(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue; // released meanwhile
      }
      const [pidText = '', host = '', lockBoot] = text.trim().split(' ');
      const pid = Number(pidText);
      const wellFormed = Number.isInteger(pid) && pid > 0 && host !== '';
      const stale = !wellFormed || (host === os.hostname() && ((lockBoot !== undefined && lockBoot !== boot) || !processAlive(pid)));
      if (stale) {
        fs.rmSync(file, { force: true });
        continue;
      }
      return { pid, host };
    }
    // Three rounds of "exists" then "gone": something else keeps creating and removing it.
    throw new Error(`cannot take the lock ${file}: it keeps appearing and disappearing; is another program using this directory?`);
  }

  release(): void {
    fs.rmSync(this.file, { force: true });
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
