import { bytesText } from '@cpsbackup/config';
import cliProgress from 'cli-progress';

/**
 * Where a backup or a restore stands, as a display is told now and then.
 * `totalBytes` is what the whole comes to when that is known (a restore of
 * a whole backup) or guessed (`estimated`: a backup after another, from
 * the parent's size); absent, nothing says how far along it is.
 */
export interface ProgressSample {
  bytesDone: number;
  filesDone: number;
  totalBytes?: number;
  totalFiles?: number;
  estimated?: boolean;
  /** Bytes sent to the server (a backup), shown beside. */
  bytesSent?: number;
}

/** What -e and -i tell of their progress: a terminal line, a JSON stream, or nothing. */
export interface ProgressDisplay {
  /** Whether it shows anything of update(): if not, the run is not asked for samples at all (each one cost an object per file or chunk). */
  readonly shows: boolean;
  update(s: ProgressSample): void;
  /** A line for its user now (the server waits on its storage), said whatever the display. */
  notice(line: string): void;
  stop(): void;
}

/** The rate and time left `elapsed` seconds give (time left only with a total, and never past it). */
function pace(s: ProgressSample, elapsedSeconds: number): { elapsed: number; rate: number; remaining: number | undefined; fraction: number | undefined } {
  const elapsed = Math.max(0.001, elapsedSeconds);
  const rate = s.bytesDone / elapsed;
  const total = s.totalBytes;
  // A guess the backup has outgrown (the node holds more than at its last backup) says nothing any more.
  if (!total || s.bytesDone > total) return { elapsed, rate, remaining: undefined, fraction: undefined };
  return { elapsed, rate, remaining: rate > 0 ? (total - s.bytesDone) / rate : undefined, fraction: s.bytesDone / total };
}

function durationText(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const BAR_WIDTH = 24;

/** The line a terminal shows: a bar, percentage and ETA only where a total is known ("~" where it is a guess). */
export function progressLine(s: ProgressSample, elapsedSeconds: number, verb: string): string {
  const { rate, remaining, fraction } = pace(s, elapsedSeconds);
  const about = s.estimated ? '~' : '';
  // Entries (directories and links too), as the backup's own count is.
  const files = s.totalFiles !== undefined && !s.estimated ? `${s.filesDone} of ${s.totalFiles} entries` : `${s.filesDone} entries`;
  const sent = s.bytesSent !== undefined ? ` | sent ${bytesText(s.bytesSent)}` : '';
  const tail = `${files}${sent} | ${bytesText(Math.round(rate))}/s`;
  if (fraction === undefined) return ` ${bytesText(s.bytesDone)} ${verb} | ${tail}`;
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = '\u2588'.repeat(filled) + '\u2591'.repeat(BAR_WIDTH - filled);
  const eta = remaining !== undefined ? ` | ETA ${about}${durationText(remaining)}` : '';
  return ` ${bar} ${about}${Math.floor(fraction * 100)}% | ${bytesText(s.bytesDone)} of ${about}${bytesText(s.totalBytes!)} ${verb} | ${tail}${eta}`;
}

/**
 * Shows the samples it is offered at most once every `ms`, the first at
 * once; a sample held back is shown when its turn comes, so the last one
 * before a pause (a FIFO's writer gone quiet) is never lost.
 */
class Pacer {
  private last = 0;
  private timer: NodeJS.Timeout | undefined;
  private pending: ProgressSample | undefined;

  constructor(
    private readonly ms: number,
    private readonly show: (s: ProgressSample) => void,
  ) {}

  offer(s: ProgressSample): void {
    this.pending = s;
    const wait = this.last + this.ms - Date.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait).unref();
  }

  private flush(): void {
    this.stop();
    if (!this.pending) return;
    this.last = Date.now();
    const s = this.pending;
    this.pending = undefined;
    this.show(s);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * A progress line on stderr, redrawn in place: for a terminal only, so
 * scheduled runs (cron, pipes) stay quiet.
 */
class TerminalProgress implements ProgressDisplay {
  readonly shows = true;
  private readonly bar: cliProgress.SingleBar;
  private readonly start = Date.now();
  private line = '';
  private readonly pacer = new Pacer(200, (s) => this.draw(s));

  constructor(private readonly verb: string) {
    this.bar = new cliProgress.SingleBar({
      stream: process.stderr,
      format: () => this.line,
      hideCursor: true,
      clearOnComplete: true,
    });
  }

  update(s: ProgressSample): void {
    this.pacer.offer(s);
  }

  private draw(s: ProgressSample): void {
    this.line = progressLine(s, (Date.now() - this.start) / 1000, this.verb);
    if (!this.bar.isActive) this.bar.start(1, 0);
    this.bar.update(0);
  }

  /** Over the line, which is drawn again below it. */
  notice(line: string): void {
    if (this.bar.isActive) process.stderr.write('\r\x1b[K');
    process.stderr.write(`${line}\n`);
    if (this.bar.isActive) this.bar.render();
  }

  stop(): void {
    this.pacer.stop();
    this.bar.stop();
  }
}

/** At most one status line a second (the first at once). */
const JSON_STATUS_MS = 1000;

/**
 * restic's --json stream: a {"message_type":"status"} object per line on
 * stdout, at most one a second; the command's own summary (or error)
 * follows as the last line.
 */
class JsonProgress implements ProgressDisplay {
  readonly shows = true;
  private readonly start = Date.now();
  private readonly pacer = new Pacer(JSON_STATUS_MS, (s) =>
    process.stdout.write(JSON.stringify(statusObject(this.action, s, (Date.now() - this.start) / 1000)) + '\n'),
  );

  constructor(private readonly action: 'backup' | 'restore') {}

  update(s: ProgressSample): void {
    this.pacer.offer(s);
  }

  notice(line: string): void {
    process.stderr.write(`${line}\n`);
  }

  stop(): void {
    this.pacer.stop();
  }
}

/** One status object of the JSON stream (fields where known only). */
export function statusObject(action: 'backup' | 'restore', s: ProgressSample, elapsedSeconds: number): Record<string, unknown> {
  const { elapsed, remaining, fraction } = pace(s, elapsedSeconds);
  return {
    message_type: 'status',
    action,
    seconds_elapsed: Math.round(elapsed),
    ...(remaining !== undefined ? { seconds_remaining: Math.round(remaining) } : {}),
    ...(fraction !== undefined ? { percent_done: fraction } : {}),
    ...(s.totalBytes ? { total_bytes: s.totalBytes, ...(s.estimated ? { total_estimated: true } : {}) } : {}),
    ...(s.totalFiles !== undefined && !s.estimated ? { total_files: s.totalFiles } : {}),
    bytes_done: s.bytesDone,
    files_done: s.filesDone,
    ...(s.bytesSent !== undefined ? { bytes_sent: s.bytesSent } : {}),
  };
}

/** Nothing shown (no terminal, no --json-progress); notices still go to stderr. */
class NoProgress implements ProgressDisplay {
  readonly shows = false;
  update(): void {}
  notice(line: string): void {
    process.stderr.write(`${line}\n`);
  }
  stop(): void {}
}

/** The display of a run: the JSON stream when asked for, a terminal line on a terminal stderr (not with --json), else none. */
export function progressDisplay(action: 'backup' | 'restore', opts: { json: boolean; jsonProgress: boolean }): ProgressDisplay {
  if (opts.jsonProgress) return new JsonProgress(action);
  if (!opts.json && process.stderr.isTTY) return new TerminalProgress(action === 'backup' ? 'read' : 'restored');
  return new NoProgress();
}
