import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StoreError } from './errors';
import { type LockHolder, PidLockFile } from '@cpsbackup/durable';
import { isOutOfSpace, SpaceReserve } from './space-reserve';

/**
 * One process at a time owns a store directory (see PidLockFile: a lock
 * left by a dead owner is taken over, which is what makes restart after a
 * crash work).
 */
export class StoreLock {
  private constructor(private readonly lock: PidLockFile) {}

  static acquire(dir: string): StoreLock {
    const file = path.join(dir, 'lock');
    let got: PidLockFile | LockHolder;
    try {
      got = PidLockFile.tryAcquire(file);
    } catch (err) {
      // A disk so full that not even the lock's few bytes fit: the start's space reserve (else the running one) is there for this.
      if (!isOutOfSpace(err) || !(new SpaceReserve(dir, 'reserve-open').release() || new SpaceReserve(dir).release())) throw err;
      got = PidLockFile.tryAcquire(file);
    }
    if (got instanceof PidLockFile) return new StoreLock(got);
    throw new StoreError(
      'STORE_LOCKED',
      `store ${dir} is in use by process ${got.pid} on ${got.host}: stop it first (systemctl stop cpsbackupd on ${got.host}); ` +
        `a lock left by a process that is gone is taken over by itself${got.host === os.hostname() ? '' : ' once its lease has expired'}`,
      { dir, pid: got.pid, host: got.host },
    );
  }

  /**
   * acquire, where the directory may be shared by hosts (NFS): a lock held
   * from another host, whose process this one cannot see, is taken over
   * once the lease that process renewed has expired (`lease`: its holder's
   * host and whether it still runs; undefined: no lease); while it runs,
   * the refusal is the lease's message.
   */
  static async acquireShared(dir: string, lease: () => Promise<{ host?: string; live: boolean; message: string } | undefined>): Promise<StoreLock> {
    try {
      return StoreLock.acquire(dir);
    } catch (err) {
      const host = err instanceof StoreError && err.code === 'STORE_LOCKED' ? err.context.host : undefined;
      if (host === undefined || host === os.hostname()) throw err;
      const state = await lease();
      if (!state || state.host !== host) throw err;
      if (state.live) throw new StoreError('STORE_LOCKED', state.message, { dir, host });
      fs.rmSync(path.join(dir, 'lock'), { force: true }); // its holder's lease expired: that process no longer counts
      return StoreLock.acquire(dir);
    }
  }

  release(): void {
    this.lock.release();
  }
}
