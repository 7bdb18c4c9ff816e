import * as fs from 'node:fs';
import * as os from 'node:os';

/** Who holds a lock file. */
export interface LockHolder {
  pid: number;
  host: string;
}

/**
 * An exclusive lock as a file holding "pid host". Taking it fails while a
 * live process on this host holds it; a lock left by a dead process (kill -9,
 * power cut) is taken over.
 */
export class PidLockFile {
  private constructor(readonly file: string) {}

  /** Takes the lock, or returns who holds it. */
  static tryAcquire(file: string): PidLockFile | LockHolder {
    const me = `${process.pid} ${os.hostname()}\n`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.writeFileSync(file, me, { flag: 'wx', mode: 0o644 });
        return new PidLockFile(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let text = '';
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue; // released meanwhile
      }
      const [pidText, host = '?'] = text.trim().split(' ');
      const pid = Number(pidText);
      if (host === os.hostname() && Number.isInteger(pid) && pid > 0 && !processAlive(pid)) {
        fs.rmSync(file, { force: true });
        continue;
      }
      return { pid, host };
    }
    return { pid: 0, host: '?' };
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
