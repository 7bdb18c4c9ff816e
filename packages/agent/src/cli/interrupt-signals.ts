import { exitWhenWritten } from '@cpsbackup/log/exit';
import { Interruption, type InterruptSignal } from '../interruption';

/**
 * SIGINT (Ctrl-C) and SIGTERM during -e or -i: the first aborts the
 * returned signal with an Interruption, so the run stops at its next step
 * and says what became of its work (a backup is abandoned on the server, a
 * restore keeps the files it completed); a second one ends the process at
 * once, with the same exit code. `dispose` gives the signals back.
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
    };
    process.on(name, handler);
    return { name, handler };
  });
  return {
    signal: controller.signal,
    dispose: () => {
      for (const { name, handler } of handlers) process.off(name, handler);
    },
  };
}
