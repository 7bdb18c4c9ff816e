/**
 * "Something changed, look again": tasks that wait on a condition (room in
 * a queue, a step done) call `wait()` in a loop around their check, and
 * whoever changes the state calls `wake()`, which releases every waiter.
 */
export class WakeSignal {
  private waiters: Array<() => void> = [];

  /** Resolves at the next `wake()`. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
