/** How long a failure is remembered: a source or name is forgotten this long after its last failed attempt. */
export const FAILURE_MEMORY_MS = 15 * 60_000;
/** Sources and names remembered at most (each table): past it, the longest-quiet are forgotten first. */
export const MAX_TRACKED = 10_000;
/** The wait after one failure; each further failure doubles it, up to enrol_delay_max. */
export const FIRST_DELAY_MS = 250;
/** How long a wrong password waits before it is answered: a connection's guess holds its slot that long. */
export const FAILURE_DELAY_MS = 1000;

/** Failures seen from one source, or for one client name, and attempts under way. */
interface Tally {
  failures: number;
  inFlight: number;
  lastFailureAt: number;
}

/** One enrolment attempt as the guard sees it. */
export interface Attempt {
  /** How long the attempt waits before its password is checked (0: at once). */
  readonly delayMs: number;
  /** The password was wrong, or the name unknown: both are counted alike. */
  failed(): void;
  /** The password was right. */
  succeeded(): void;
  /** The peer went before its password was checked: nothing learnt, nothing counted. */
  abandoned(): void;
}

/**
 * Slows down enrolment password guessing without ever refusing the right
 * password. Each attempt waits, before its password is checked, for a
 * time that doubles with the failures lately seen from its source address
 * or for its client name, whichever is more (attempts under way count too,
 * so a burst is spread out), and never longer than `maxDelayMs`: an
 * outsider's failures can delay a node's right password by at most that
 * much, and never refuse it. Unknown names are counted exactly as known
 * ones, so waits and answers say nothing of which names exist. Memory is
 * bounded: each table keeps at most MAX_TRACKED entries, and an entry is
 * forgotten FAILURE_MEMORY_MS after its last failure.
 */
export class EnrolGuard {
  private readonly bySource = new Map<string, Tally>();
  private readonly byName = new Map<string, Tally>();

  constructor(
    private readonly maxDelayMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Sources and names remembered now (for tests and the status of the guard's memory). */
  get tracked(): { sources: number; names: number } {
    return { sources: this.bySource.size, names: this.byName.size };
  }

  /** Failed attempts lately seen from `source` (forgotten FAILURE_MEMORY_MS after the last). */
  failuresFrom(source: string): number {
    this.forget(this.now());
    return this.bySource.get(source)?.failures ?? 0;
  }

  /** An attempt from `source` (see sourceOf) for `name`, known or not. */
  begin(source: string, name: string): Attempt {
    const now = this.now();
    this.forget(now);
    const s = this.tally(this.bySource, source);
    const n = this.tally(this.byName, name);
    const pressure = Math.max(s.failures + s.inFlight, n.failures + n.inFlight);
    s.inFlight++;
    n.inFlight++;
    const delayMs = pressure === 0 ? 0 : Math.min(this.maxDelayMs, FIRST_DELAY_MS * 2 ** Math.min(pressure - 1, 30));
    let done = false;
    const finish = (failed: boolean): void => {
      if (done) return;
      done = true;
      s.inFlight--;
      n.inFlight--;
      if (failed) {
        const at = this.now();
        this.noteFailure(this.bySource, source, s, at);
        this.noteFailure(this.byName, name, n, at);
      } else {
        // A success changes no record: a name's failures are forgotten on the
        // same clock whether it enrolled or not, so the waits of later
        // attempts do not tell an outsider that a name just enrolled.
        this.dropIfIdle(this.bySource, source, s);
        this.dropIfIdle(this.byName, name, n);
      }
    };
    return { delayMs, failed: () => finish(true), succeeded: () => finish(false), abandoned: () => finish(false) };
  }

  private tally(table: Map<string, Tally>, key: string): Tally {
    let t = table.get(key);
    if (!t) {
      t = { failures: 0, inFlight: 0, lastFailureAt: 0 };
      table.set(key, t);
      this.cap(table);
    }
    return t;
  }

  /** Counts a failure and moves the entry to the end: a table's order is its entries' last failures. */
  private noteFailure(table: Map<string, Tally>, key: string, t: Tally, at: number): void {
    t.failures++;
    t.lastFailureAt = at;
    table.delete(key);
    table.set(key, t);
    this.cap(table);
  }

  private dropIfIdle(table: Map<string, Tally>, key: string, t: Tally): void {
    if (t.inFlight === 0 && t.failures === 0 && table.get(key) === t) table.delete(key);
  }

  /** Forgets entries whose last failure is older than FAILURE_MEMORY_MS (oldest first, so it stops at the first recent one). */
  private forget(now: number): void {
    for (const table of [this.bySource, this.byName]) {
      for (const [key, t] of table) {
        if (t.failures > 0 && now - t.lastFailureAt < FAILURE_MEMORY_MS) break;
        if (t.inFlight === 0) table.delete(key);
        else t.failures = 0;
      }
    }
  }

  /** Keeps a table within MAX_TRACKED: the longest-quiet entries go first (an attempt under way keeps its own tally object). */
  private cap(table: Map<string, Tally>): void {
    for (const key of table.keys()) {
      if (table.size <= MAX_TRACKED) return;
      table.delete(key);
    }
  }
}
