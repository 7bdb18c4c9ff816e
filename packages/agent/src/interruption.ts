import { AgentError, ExitCode } from './errors';

/**
 * What interrupts a backup or a restore run from the CLI, and the exit code each ends it with (128 + the signal's
 * number, as a shell reports): SIGINT, SIGTERM, or its stdout closed (EPIPE), which node gets where a C program
 * would get SIGPIPE.
 */
const EXIT_OF = { SIGINT: ExitCode.INTERRUPTED, SIGTERM: ExitCode.TERMINATED, EPIPE: ExitCode.STDOUT_CLOSED } as const;
export type InterruptSignal = keyof typeof EXIT_OF;

/** How an interruption's cause is said. */
function said(signal: InterruptSignal): string {
  return signal === 'EPIPE' ? 'stdout closed (EPIPE)' : signal;
}

/**
 * A run stopped by its user (Ctrl-C) or by a signal to stop: an AgentError
 * whose message says what became of the work (`outcome`), set where that is
 * known (the backup or restore that was stopped).
 */
export class Interruption extends AgentError {
  constructor(
    readonly signal: InterruptSignal,
    outcome = 'stopped',
  ) {
    super('INTERRUPTED', `interrupted (${said(signal)}): ${outcome}`, EXIT_OF[signal]);
  }

  /** What the server records as the reason of a backup abandoned this way. */
  get reason(): string {
    return `interrupted by the client (${said(this.signal)})`;
  }

  /** The same interruption, saying what became of the work. */
  with(outcome: string): Interruption {
    return new Interruption(this.signal, outcome);
  }
}

/** The Interruption `signal` was aborted with, if it was. */
export function interruptionOf(signal: AbortSignal | undefined): Interruption | undefined {
  return signal?.aborted && signal.reason instanceof Interruption ? signal.reason : undefined;
}

/** Throws the interruption at once if there was one (checked between steps of the work). */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  const i = interruptionOf(signal);
  if (i) throw i;
}
