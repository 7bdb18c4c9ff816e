import { type OutOfSpace } from './durability-queue';
import { StoreError } from './errors';
import { SpaceReserve } from './space-reserve';

/**
 * The store is short of space: its running space reserve is spent (a write
 * failed for lack of space, or the store opened on a full disk) and there
 * is not room to make it again. It then lists, restores, deletes and
 * collects garbage, but takes no new backup (beginBackup: STORE_FULL).
 */
export interface LowSpace {
  /** Since when (ms since the epoch). */
  since: number;
  /** Free bytes on the store directory's filesystem when last looked. */
  freeBytes: number;
  /** Free bytes the store needs to take backups again (its reserve, and as much again). */
  neededBytes: number;
  /** The store directory (whose disk is full). */
  dir: string;
}

/**
 * The room a store keeps on its disk (see space-reserve.ts): the running
 * reserve and the start's, whether the store is short of space (LowSpace),
 * and whether a write met a full disk since the last GC (which then
 * reclaims failed backups' chunks at once). What the durability queue, the
 * storage lease, recovery and GC call on a full disk.
 */
export class StoreSpace implements OutOfSpace {
  /** Set when a write failed for lack of space: the next GC reclaims failed backups' chunks at once. */
  pressure = false;
  /** Set while the store is short of space (see LowSpace). */
  private low: LowSpace | undefined;
  /** Told when the store becomes short of space (a LowSpace) or has room again (undefined). */
  onChange: ((low: LowSpace | undefined) => void) | undefined;
  /** The start's reserve: given up only by an open on a full disk. */
  private readonly openReserve: SpaceReserve;
  private closed = false;

  constructor(
    private readonly dir: string,
    /** The running reserve. */
    private readonly reserve: SpaceReserve,
  ) {
    this.openReserve = new SpaceReserve(dir, 'reserve-open');
  }

  /**
   * Whether the store is short of space (see LowSpace): makes its reserves
   * again where there is room for them (the start's first), and says when
   * that changes (onChange). Cheap when they are in place.
   */
  check(): LowSpace | undefined {
    if (this.closed) return this.low;
    this.openReserve.ensure();
    const was = this.low;
    if (this.reserve.ensure()) this.low = undefined;
    else {
      const freeBytes = this.reserve.freeBytes();
      this.low = { since: was?.since ?? Date.now(), freeBytes, neededBytes: 2 * this.reserve.size(), dir: this.dir };
    }
    if ((was === undefined) !== (this.low === undefined)) this.onChange?.(this.low);
    return this.low;
  }

  /** Short of space (LowSpace), or undefined; as last found (check looks again). */
  get lowSpace(): LowSpace | undefined {
    return this.low;
  }

  /** Refuses a new backup while the store is short of space, saying what is wrong and what to do. */
  assertRoom(): void {
    const low = this.check();
    if (!low) return;
    throw new StoreError(
      'STORE_FULL',
      `the storage is full (${low.freeBytes} bytes free in ${low.dir}, ${low.neededBytes} needed): ` +
        'the server takes no new backup until space is freed; it still lists, restores and deletes backups. ' +
        "Delete old backups (cpsbackup -d NUMBER, or cpsbackupd prune) and run cpsbackupd gc, or free space on the server's disk; " +
        'backups resume by themselves once there is room',
      { dir: low.dir, freeBytes: low.freeBytes, neededBytes: low.neededBytes },
    );
  }

  /**
   * A write met a full disk (the store's own, or something else filled it):
   * the running reserve is given up so the catalog, the lease and the
   * deletes that free room can still write, and the store says it is short
   * of space (low-space mode: log, status) until there is room again.
   * True if a reserve was given up.
   */
  noteOutOfSpace(): boolean {
    const freed = this.reserve.release();
    this.pressure = true;
    this.check();
    return freed;
  }

  /** Gives up a space reserve (the running one first) so a catalog write can go through on a full disk (recovery, GC). */
  releaseReserve(): boolean {
    return this.reserve.release() || this.openReserve.release();
  }

  /** The store is closing: its state stays as last found. */
  close(): void {
    this.closed = true;
  }

  /** After the catalog is closed: the next start on a full disk needs its reserve, so take back what closing freed (its -wal). */
  keepOpenReserve(): void {
    this.openReserve.ensure(1);
  }
}
