/** Time as the limiter sees it: milliseconds, and a wait of some (injected by tests). */
export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock: a monotonic time (a wall clock set back must not stall or free the sender). */
const REAL_CLOCK: LimiterClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * The most a limited connection writes to its socket at once: a TLS record's
 * worth, so a frame of a megabyte trickles out at the limit instead of
 * leaving in one burst after a long silence (the peer hears bytes all along,
 * and a keep-alive never waits behind more than this).
 */
export const SEND_SLICE_BYTES = 16 * 1024;

/**
 * A token bucket over bytes sent: `rate` bytes a second, with at most
 * `burst` bytes sent ahead of that rate after a pause (the bucket starts
 * full). Over any interval of T seconds, what `take` lets through is at most
 * burst + rate × T (plus the last take, which waits for its tokens after
 * taking them). Takes must not overlap: the caller sends one frame at a time.
 */
export class SendLimiter {
  readonly burst: number;
  private tokens: number;
  private last: number;

  constructor(
    /** Bytes a second; above 0. */
    readonly rate: number,
    private readonly clock: LimiterClock = REAL_CLOCK,
  ) {
    if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`a send rate must be a positive number of bytes a second, got ${rate}`);
    // 50 ms worth of sending, and never less than one slice: bursts stay short at any rate.
    this.burst = Math.max(SEND_SLICE_BYTES, Math.ceil(rate / 20));
    this.tokens = this.burst;
    this.last = clock.now();
  }

  /**
   * Takes `bytes` (at most `burst`) before they are sent: resolves at once
   * when the bucket holds them, else once the rate has paid for them. The
   * bucket may go into debt by one take; the wait pays it off, so the next
   * take starts from what time really brought (a late timer is made up for,
   * never added up).
   */
  async take(bytes: number): Promise<void> {
    this.refill();
    this.tokens -= bytes;
    if (this.tokens >= 0) return;
    await this.clock.sleep((-this.tokens / this.rate) * 1000);
    this.refill();
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
}
