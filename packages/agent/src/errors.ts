/** Exit codes of the cpsbackup CLI (documented in --help and docs). */
export const ExitCode = {
  OK: 0,
  FAILED: 1,
  CONFIG: 2,
  AUTH: 3,
  UNREACHABLE: 4,
  WARNINGS: 5,
  NOT_FOUND: 6,
  BUSY: 7,
  POLICY: 8,
  /** The backup was stored, but it is partial (an include could not be read): not a good backup. */
  PARTIAL: 9,
  /** Interrupted by SIGINT (Ctrl-C) or SIGTERM: 128 + the signal's number, as a shell reports a process it ended. */
  INTERRUPTED: 130,
  /** Its stdout closed (EPIPE: the reader of a pipe went away): 128 + SIGPIPE, as a shell reports a program SIGPIPE ended. */
  STDOUT_CLOSED: 141,
  TERMINATED: 143,
} as const;
/** One of the ExitCode values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the agent reports: a stable code, a message for the operator, and the exit code it maps to. */
export class AgentError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode = ExitCode.FAILED,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

/** The server's error codes mapped to exit codes. */
export function exitCodeForServerError(code: string): ExitCode {
  if (code.startsWith('AUTH_') || code === 'VERSION') return ExitCode.AUTH;
  // 6 means "that backup cannot be used": absent, or failed / still being made.
  if (code === 'NOT_FOUND' || code === 'BAD_STATE') return ExitCode.NOT_FOUND;
  if (code === 'BUSY' || code === 'BACKUP_RUNNING' || code === 'SHUTTING_DOWN') return ExitCode.BUSY;
  // The server's policy said no: its limits, its permissions, or its server_script_pre.
  if (code === 'QUOTA' || code === 'PERMISSION' || code === 'SCRIPT_REFUSED') return ExitCode.POLICY;
  if (code === 'KEY_IN_USE') return ExitCode.CONFIG; // what the node holds as its key: as when the node itself refuses
  return ExitCode.FAILED;
}
