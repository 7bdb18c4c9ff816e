/**
 * @cpsbackup/log/exit: how a command-line program ends without losing what
 * it printed. Kept apart from the logger so a command loads no pino.
 */

/**
 * Ends the process with `code` once everything written to stdout and
 * stderr has been taken by the kernel. On a pipe node writes
 * asynchronously: `process.exit` at once drops whatever the reader has not
 * taken yet (all but the pipe's 64 KiB behind `| less`), with the exit code
 * of a success. A reader that went away (EPIPE) is not waited for. Until
 * the output is written the process lives on, but nothing else it started
 * (a socket, a timer, a worker) can keep it alive after that.
 */
export function exitWhenWritten(code: number): void {
  const streams = [process.stdout, process.stderr];
  let pending = streams.length;
  const written = () => {
    if (--pending === 0) process.exit(code);
  };
  for (const stream of streams) {
    // An EPIPE (the reader closed its end) comes as an 'error' event too: not a crash of its own, the write's callback ends the wait.
    stream.on('error', () => undefined);
    // Queued behind every earlier write: its callback runs once they are all written (or the stream failed).
    stream.write('', written);
  }
}
