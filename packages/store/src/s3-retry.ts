/**
 * How the S3 backend rides out an object store that does not answer for a
 * while: a gateway restarting, a network lost for a minute, a full cluster
 * that holds requests. The SDK's standard strategy spends its six attempts
 * in two to four seconds, so a gateway restart of three seconds failed a
 * backup. Here a request is tried again with exponential backoff (jitter,
 * capped at 30 s between attempts) for as long as the configured
 * total (server.conf's s3_retry_time) lasts, counted from the request's
 * start. Answers that will not change by waiting are not retried: 4xx
 * (403 refused, 404 missing, 400 malformed, 412/409 a failed condition),
 * except 408 and 429.
 *
 * It also says whether the store is waiting on its storage now (`waiting`):
 * since when, how many attempts the oldest waiting request made, and what
 * the storage last answered. A request counts as waiting once it failed, or
 * once it has been unanswered for `slowMs` (a cluster that holds requests
 * fails none of them until the request timeout).
 */

import { AsyncLocalStorage } from 'node:async_hooks';

/** What the SDK's retry middleware hands a strategy (a structural copy of @smithy/types' RetryErrorInfo). */
export interface RetryErrorInfo {
  error?: unknown;
  errorType: 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR';
  retryAfterHint?: Date;
}

/** The store waiting on its storage: since when, the attempts of the request waiting longest, what the storage last answered. */
export interface StorageWait {
  /** When the request waiting longest began to wait (its first failure, or its start when it is merely unanswered). */
  since: number;
  /** Attempts that request has made, the one in flight included. */
  attempts: number;
  /** What the last failed attempt of that request got (empty: none failed yet: the storage holds it unanswered). */
  lastError: string;
  /** How long a request is retried, in all (s3_retry_time). */
  retryTimeMs: number;
}

/** The retry policy's settings. */
export interface RetryPolicySettings {
  /** How long one request is tried, from its start, before it fails (s3_retry_time). */
  totalMs: number;
  /** The first wait; it doubles each attempt (jittered) up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A request unanswered this long counts as waiting on the storage. */
  slowMs?: number;
  /** At most this many attempts, the first included (tests; default: as many as totalMs allows). */
  maxAttempts?: number;
  /** For tests: the jitter's source (0 ≤ x < 1). */
  random?: () => number;
  /** The clock (ms). */
  now?: () => number;
}

/** One request: its attempts, and whether it is waiting on the storage. */
class RetryToken {
  attempts = 0;
  delayMs = 0;
  /** When the first attempt failed (undefined: none failed). */
  failedAt: number | undefined;
  /** What its last failed attempt got. */
  lastError = '';
  constructor(readonly startedAt: number) {}
  getRetryCount(): number {
    return this.attempts;
  }
  getRetryDelay(): number {
    return this.delayMs;
  }
}

const DEFAULT_BASE_DELAY_MS = 200;
const DEFAULT_MAX_DELAY_MS = 30_000;
const DEFAULT_SLOW_MS = 10_000;

/** The S3 client's retry strategy (the SDK's RetryStrategyV2), bounded by a total time rather than a count. */
export class StorageRetryPolicy {
  /** Requests under way (see track). */
  private readonly active = new Set<RetryToken>();
  private stopped = false;
  private readonly base: number;
  private readonly cap: number;
  private readonly slow: number;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly settings: RetryPolicySettings) {
    if (!(settings.totalMs >= 0)) throw new RangeError(`a retry time of ${settings.totalMs} ms`);
    this.base = settings.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.cap = settings.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.slow = settings.slowMs ?? DEFAULT_SLOW_MS;
    this.random = settings.random ?? Math.random;
    this.now = settings.now ?? Date.now;
  }

  get totalMs(): number {
    return this.settings.totalMs;
  }

  /** The request being made, from its start to its end whatever ends it (an answer, a failure, an abort). */
  private readonly current = new AsyncLocalStorage<RetryToken>();

  /**
   * Runs one request (its attempts, their waits) as a request the policy
   * watches: the S3 client calls it from a middleware outside its retries,
   * so the request counts as waiting until it ends, however it ends (an
   * upload's other parts aborted, a lease request cut short).
   */
  async track<T>(request: () => Promise<T>): Promise<T> {
    const t = new RetryToken(this.now());
    this.active.add(t);
    try {
      return await this.current.run(t, request);
    } finally {
      this.active.delete(t);
    }
  }

  acquireInitialRetryToken(_scope: string): Promise<RetryToken> {
    // The request track() runs (a fresh token where there is none: the policy used on its own).
    const t = this.current.getStore() ?? new RetryToken(this.now());
    t.attempts = 0;
    return Promise.resolve(t);
  }

  refreshRetryTokenForRetry(token: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const t = token;
    const now = this.now();
    t.failedAt ??= now;
    t.lastError = errorText(info.error);
    const elapsed = now - t.startedAt;
    const outOfAttempts = t.attempts + 1 >= (this.settings.maxAttempts ?? Infinity);
    if (!retryable(info) || elapsed >= this.settings.totalMs || outOfAttempts || this.stopped) {
      return Promise.reject(info.error instanceof Error ? info.error : new Error(t.lastError));
    }
    t.attempts++;
    // Jittered (half to all of the step): requests that failed together do not come back together.
    const ceiling = Math.min(this.cap, this.base * 2 ** Math.min(t.attempts - 1, 30));
    let delay = Math.floor(ceiling * (0.5 + this.random() / 2));
    const hinted = info.retryAfterHint ? info.retryAfterHint.getTime() - now : 0;
    if (hinted > delay) delay = Math.min(hinted, this.cap);
    // The last attempt is made at the deadline, not skipped because a whole wait would pass it.
    t.delayMs = Math.max(0, Math.min(delay, this.settings.totalMs - elapsed));
    return Promise.resolve(t);
  }

  /**
   * Whether a request failed with `err` because the storage did not answer
   * within the retry time (tried again and again), rather than because it
   * refused (a 403) or ran out of maxAttempts. Told from the error the SDK
   * throws (its $metadata counts the attempts): that is the object callers
   * see, not always the one handed to the strategy.
   */
  exhausted(err: unknown): boolean {
    const attempts = (err as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts ?? 0;
    if (attempts < 2 || attempts >= (this.settings.maxAttempts ?? Infinity)) return false;
    const code = httpStatus(err);
    if (code === 501) return false;
    if (code !== undefined && code >= 400 && code < 500) return code === 408 || code === 429;
    return !isAbort(err);
  }

  /** No more retries (the backend closes): a request that fails now fails for good. */
  stop(): void {
    this.stopped = true;
  }

  recordSuccess(_token: RetryToken): void {
    // The request's end is track()'s to see.
  }

  /** Whether a request waits on the storage now (see the file's comment); undefined: none does. */
  waiting(): StorageWait | undefined {
    const now = this.now();
    let oldest: { since: number; attempts: number; lastError: string } | undefined;
    for (const t of this.active) {
      const since = t.failedAt ?? (now - t.startedAt >= this.slow ? t.startedAt : undefined);
      if (since === undefined) continue;
      if (!oldest || since < oldest.since) oldest = { since, attempts: t.attempts + 1, lastError: t.lastError };
    }
    if (!oldest) return undefined;
    return { ...oldest, retryTimeMs: this.settings.totalMs };
  }
}

/** Whether waiting may change the answer: network failures, timeouts, 5xx, throttling, 408; not other 4xx. */
function retryable(info: RetryErrorInfo): boolean {
  const code = httpStatus(info.error);
  if (code === 501) return false; // not implemented by this store (ListMultipartUploads on s3rver): waiting will not change it
  if (code !== undefined && code >= 400 && code < 500) return code === 408 || code === 429 || info.errorType === 'THROTTLING';
  if (info.errorType !== 'CLIENT_ERROR') return true;
  // No HTTP answer at all: a connection refused, reset or cut (whatever the SDK calls it), the storage may come back.
  return code === undefined && !isAbort(info.error);
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function isAbort(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === 'AbortError';
}

/** A failed attempt in a few words: the HTTP status and code, or the network error. */
function errorText(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (!e) return 'no answer';
  const code = httpStatus(e);
  const name = e.name && e.name !== 'Error' ? e.name : e.code;
  const text = [code ? `HTTP ${code}` : undefined, name, e.message && e.message !== name ? e.message : undefined].filter(Boolean).join(': ');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text || 'no answer';
}
