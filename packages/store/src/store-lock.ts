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
      `store ${dir} is in use by process ${got.pid} on ${got.host}; stop it first (or remove ${file} if that process is gone)`,
      { dir },
    );
  }

  release(): void {
    this.lock.release();
  }
}
