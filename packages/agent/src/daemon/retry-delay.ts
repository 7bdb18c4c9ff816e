/**
 * The daemon's wait before retrying a failed backup: exponential (retry_min
 * doubling to retry_max) with "equal jitter": half of each step fixed, half
 * random. Without the random half, a fleet that lost its server at the same
 * moment would retry in step, all at once, at every attempt; with it the
 * retries spread over half the step, and no wait is shorter than half of it.
 */
export function retryDelayMs(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxMs, minMs * 2 ** Math.min(Math.max(attempt, 0), 60));
  return Math.round(step / 2 + random() * (step / 2));
}
