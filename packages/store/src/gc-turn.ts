import { StoreError } from './errors';

/**
 * GC runs alone: while it runs no backup may write (a writer's calls fail
 * with STORE_BUSY), which is what keeps GC and ingest from racing; the
 * server starts it only when no backup runs, and holds new ones until it
 * ends (done).
 */
export class GcTurn {
  private current: Promise<unknown> | undefined;

  constructor(private readonly dir: string) {}

  /** Whether GC runs now. */
  get running(): boolean {
    return this.current !== undefined;
  }

  /** Refuses a write while GC runs (the server never lets one happen: it holds backups until GC ends). */
  assertNotRunning(): void {
    if (this.current) throw new StoreError('STORE_BUSY', `garbage collection is running on ${this.dir}; try again when it ends`);
  }

  /** Runs `gc` as the one GC of this store; refused while another runs. */
  async run<T>(gc: () => Promise<T>): Promise<T> {
    if (this.current) throw new StoreError('STORE_BUSY', `garbage collection is already running on ${this.dir}`);
    const run = gc();
    this.current = run;
    try {
      return await run;
    } finally {
      this.current = undefined;
    }
  }

  /** Settles once no GC runs (at once if none does). */
  async done(): Promise<void> {
    while (this.current) await this.current.catch(() => undefined);
  }
}
