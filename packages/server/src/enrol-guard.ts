import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WireError } from './wire-errors';

/** Failed attempts for one client after which its enrolment is locked until its password changes. */
export const MAX_FAILURES_PER_CLIENT = 10;
/** Failed attempts from one address, within ADDRESS_WINDOW_MS, after which it is refused for the rest of the window. */
export const MAX_FAILURES_PER_ADDRESS = 20;
const ADDRESS_WINDOW_MS = 15 * 60_000;

/** A password as the lock file keeps it: a digest, never the password. */
function digestOf(password: string): string {
  return createHash('sha256').update(`cpsbackup-enrol-lock\0${password}`).digest('hex');
}

/**
 * Keeps enrolment passwords from being guessed. Every failure is answered
 * late (by the caller, see FAILURE_DELAY_MS) and counted per client and
 * per address. Past MAX_FAILURES_PER_CLIENT a client's enrolment is locked,
 * even for the right password, until the operator sets a new one in its
 * client file: the lock lives in `<lockDir>/<name>.locked` (so a restart does
 * not lift it) and names the password it locked by digest. An address past
 * MAX_FAILURES_PER_ADDRESS is refused for the rest of a 15-minute window.
 */
export class EnrolGuard {
  private readonly clientFailures = new Map<string, number>();
  private readonly addressFailures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly lockDir: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Refuses (WireError) any attempt from an address that failed too often lately. */
  checkAddress(address: string): void {
    const a = this.addressFailures.get(address);
    if (a && this.now() - a.since < ADDRESS_WINDOW_MS && a.count >= MAX_FAILURES_PER_ADDRESS) {
      throw new WireError('AUTH_ENROL', `too many failed enrolments from ${address}; try again later`, true);
    }
  }

  /**
   * Refuses (WireError) an attempt for a locked client. `name` must be a
   * known client's (it names a file); `password` is its client file's.
   */
  checkClient(name: string, password: string): void {
    const lock = this.lockFile(name);
    let locked: string | undefined;
    try {
      locked = fs.readFileSync(lock, 'utf8').trim();
    } catch {
      return;
    }
    if (locked === digestOf(password)) {
      throw new WireError(
        'AUTH_ENROL',
        `enrolment of ${JSON.stringify(name)} is locked after ${MAX_FAILURES_PER_CLIENT} failed attempts: the server's operator must set a new password for it`,
        true,
      );
    }
    // The operator set a new password since: the lock is lifted.
    fs.rmSync(lock, { force: true });
    this.clientFailures.delete(name);
  }

  /** A wrong password for a known client (`password` is the client file's, not the guess). */
  failed(name: string | undefined, address: string, password: string | undefined): void {
    const now = this.now();
    const a = this.addressFailures.get(address);
    if (!a || now - a.since >= ADDRESS_WINDOW_MS) this.addressFailures.set(address, { count: 1, since: now });
    else a.count++;
    if (this.addressFailures.size > 10_000) this.forgetOldAddresses(now);
    if (name === undefined || password === undefined) return;
    const n = (this.clientFailures.get(name) ?? 0) + 1;
    this.clientFailures.set(name, n);
    if (n >= MAX_FAILURES_PER_CLIENT) {
      fs.mkdirSync(this.lockDir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(this.lockFile(name), digestOf(password) + '\n', { mode: 0o600 });
    }
  }

  succeeded(name: string): void {
    this.clientFailures.delete(name);
  }

  private lockFile(name: string): string {
    return path.join(this.lockDir, `${name}.locked`);
  }

  private forgetOldAddresses(now: number): void {
    for (const [address, a] of this.addressFailures) if (now - a.since >= ADDRESS_WINDOW_MS) this.addressFailures.delete(address);
  }
}

/** How long a failed enrolment waits before it is answered: guesses cost time, not only attempts. */
export const FAILURE_DELAY_MS = 1000;
