import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StoreError } from './errors';

/**
 * One process at a time owns a store directory. The lock file holds the
 * owner's pid and host; a lock left by a process that no longer runs (kill -9,
 * power cut) is taken over, which is what makes restart after a crash work.
 */
export class StoreLock {
  private constructor(private readonly file: string) {}

  static acquire(dir: string): StoreLock {
    const file = path.join(dir, 'lock');
    const me = `${process.pid} ${os.hostname()}\n`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, me, { flag: 'wx' });
        return new StoreLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const [pidText, host] = fs.readFileSync(file, 'utf8').trim().split(' ');
      const pid = Number(pidText);
      if (host === os.hostname() && Number.isInteger(pid) && pid > 0 && !processAlive(pid)) {
        fs.rmSync(file, { force: true });
        continue;
      }
      throw new StoreError('STORE_LOCKED', `store ${dir} is in use by process ${pidText} on ${host ?? '?'}; stop it first (or remove ${file} if that process is gone)`, {
        dir,
      });
    }
    throw new StoreError('STORE_LOCKED', `could not lock store ${dir}`, { dir });
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
