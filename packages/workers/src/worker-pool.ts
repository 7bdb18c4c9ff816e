import { type ResourceLimits, Worker } from 'node:worker_threads';

interface Waiting<D> {
  resolve: (done: D) => void;
  reject: (err: Error) => void;
  slot: number;
  load: number;
}

/**
 * Worker threads running one script, jobs answered as promises. Each job
 * carries a load (bytes, usually) and goes to the worker with the least
 * load outstanding. Workers start with the first job, so a run that never
 * needs them never pays for their isolates. A worker that fails fails the
 * pool: every job waiting, and every later one, is rejected with the error
 * `failure` makes.
 */
export class WorkerPool<Job extends { job: number }, Done extends { job: number }> {
  private readonly workers: Array<{ worker: Worker; load: number }> = [];
  private readonly waiting = new Map<number, Waiting<Done>>();
  private nextJob = 1;
  private failedWith: Error | undefined;

  constructor(
    private readonly script: string,
    private readonly threads: number,
    /** The error for a worker that failed or a pool closed, from what happened. */
    private readonly failure: (what: string) => Error,
    /** Each worker's heap limits (a small young generation keeps a worker's resident memory small). */
    private readonly resourceLimits?: ResourceLimits,
  ) {}

  /** A worker failed or the pool was closed: every job is refused from now on. */
  get failed(): boolean {
    return this.failedWith !== undefined;
  }

  /** Load of the jobs submitted and not yet answered, over all workers. */
  get load(): number {
    let n = 0;
    for (const w of this.workers) n += w.load;
    return n;
  }

  /** Posts a job (its buffers in `transfer` move to the worker) and resolves with the worker's answer. */
  run(work: Omit<Job, 'job'>, load: number, transfer: ArrayBuffer[] = []): Promise<Done> {
    if (this.failedWith) return Promise.reject(this.failedWith);
    if (this.workers.length === 0) this.start();
    const slot = this.leastLoaded();
    const job = this.nextJob++;
    return new Promise((resolve, reject) => {
      this.waiting.set(job, { resolve, reject, slot, load });
      this.workers[slot]!.load += load;
      this.workers[slot]!.worker.postMessage({ ...work, job }, transfer);
    });
  }

  /** Stops the workers (jobs still running are rejected). */
  async close(): Promise<void> {
    this.fail(this.failure('the pool was closed'));
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private start(): void {
    for (let i = 0; i < this.threads; i++) {
      const worker = new Worker(this.script, { resourceLimits: this.resourceLimits });
      worker.on('message', (m: Done) => this.onDone(m));
      worker.on('error', (err) => this.fail(this.failure(`a worker failed: ${err.message}`)));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(this.failure(`a worker exited with code ${code}`));
      });
      this.workers.push({ worker, load: 0 });
    }
  }

  private leastLoaded(): number {
    let best = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.workers[i]!.load < this.workers[best]!.load) best = i;
    return best;
  }

  private onDone(m: Done): void {
    const w = this.waiting.get(m.job);
    if (!w) return;
    this.waiting.delete(m.job);
    this.workers[w.slot]!.load -= w.load;
    w.resolve(m);
  }

  private fail(err: Error): void {
    if (this.failedWith) return;
    this.failedWith = err;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}
