import { type StorageBackend } from './backend';
import { type PackLife } from './durability-queue';
import { StoreError } from './errors';

/**
 * Sealed packs on their way to where the backend publishes them (an
 * object store uploads them; a directory has nothing to do): those in
 * flight, and those whose publishing failed (tried again before the next
 * commit). The durability queue and GC tell it of packs sealed and
 * discarded; a commit waits for publishAll.
 */
export class PackPublisher implements PackLife {
  private readonly publishing = new Map<string, Promise<void>>();
  private readonly unpublished = new Set<string>();
  /** Packs discarded while their publishing may still run: its failure is no failure. */
  private readonly given = new Set<string>();

  constructor(private readonly backend: Pick<StorageBackend, 'publishPack'>) {}

  /** A pack was sealed (its bytes synced): the backend publishes it (uploads it) from now on. */
  sealed(name: string): void {
    this.unpublished.delete(name);
    const p = this.backend.publishPack(name).then(
      () => {
        this.publishing.delete(name);
      },
      (err: unknown) => {
        this.publishing.delete(name);
        if (this.given.delete(name)) return;
        this.unpublished.add(name);
        throw err;
      },
    );
    p.catch(() => undefined); // reported by whoever waits for it (publishAll)
    this.publishing.set(name, p);
  }

  /** A pack given up before anything named its chunks (discarded): nothing to publish. */
  discarded(name: string): void {
    this.unpublished.delete(name);
    if (this.publishing.has(name)) this.given.add(name);
  }

  /**
   * Settles once every sealed pack is published: those in flight, and those
   * whose publishing failed before (tried again now). Rejects with the
   * first failure, naming the pack.
   */
  async publishAll(): Promise<void> {
    for (const name of [...this.unpublished]) this.sealed(name);
    const results = await Promise.allSettled([...this.publishing.values()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      const cause = failed.reason as Error;
      // How long the storage was retried (s3-retry.ts) goes on to what the node is told.
      throw new StoreError('STORE_REMOTE', `storage did not take a pack (${cause.message})`, cause instanceof StoreError ? cause.context : {});
    }
  }
}
