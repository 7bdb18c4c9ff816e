import { endRunningScripts } from '@cpsbackup/hooks';
import { exitWhenWritten } from '@cpsbackup/log/exit';
import { Interruption, interruptionOf, type InterruptSignal } from '../interruption';

/**
 * SIGINT (Ctrl-C), SIGTERM and a closed stdout (EPIPE) during -e or -i: the first aborts the
 * returned signal with an Interruption, so the run stops at its next step
 * and says what became of its work (a backup is abandoned on the server, a
 * restore keeps the files it completed), and ends the job's running
 * scripts and dump commands; a second one ends the process at once, with
 * the same exit code. `dispose` gives the signals back.
 */
export function interruptOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((name: InterruptSignal) => {
    const handler = () => {
      const i = new Interruption(name);
      if (controller.signal.aborted) {
        process.stderr.write(`\ncpsbackup: ${name} again: stopped at once, without waiting for the work to wind down\n`);
        exitWhenWritten(i.exitCode);
        return;
      }
      process.stderr.write(`\ncpsbackup: ${name}: stopping (${name} again to stop at once)\n`);
      controller.abort(i);
      // The job's scripts and dump commands run in process groups of their own (the terminal's Ctrl-C does not reach them): ended too.
      endRunningScripts();
    };
    process.on(name, handler);
    return { name, handler };
  });
  // The reader of stdout gone (`| head -1`): what SIGPIPE is to a C program, an interruption (node ignores SIGPIPE and gets EPIPE).
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' || controller.signal.aborted) return;
    process.stderr.write(`\ncpsbackup: stdout closed (EPIPE): stopping\n`);
    controller.abort(new Interruption('EPIPE'));
    endRunningScripts();
  };
  ignoreClosedStdout();
  process.stdout.on('error', onStdoutError);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const { name, handler } of handlers) process.off(name, handler);
      process.stdout.off('error', onStdoutError);
    },
  };
}

let ignoring = false;

/** From the first run on, a stdout closed (EPIPE) is no crash: what is written after (the summary, the error) is lost, the exit code says what happened. */
function ignoreClosedStdout(): void {
  if (ignoring) return;
  ignoring = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err; // as it was without this listener
  });
}

/**
 * A run's failure once it was interrupted: the interruption, saying what
 * became of the run (a script or a dump command the signal ended fails the
 * job its own way first: that is said after it).
 */
export function asInterruption(err: unknown, signal: AbortSignal, what: string): unknown {
  const i = interruptionOf(signal);
  if (!i || err instanceof Interruption) return err;
  return i.with(`${what} (${err instanceof Error ? err.message : String(err)})`);
}
