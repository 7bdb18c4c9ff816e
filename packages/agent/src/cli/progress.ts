import { bytesText } from '@cpsbackup/config';
import cliProgress from 'cli-progress';
import { type BackupCounters } from '../backup/counters';

/**
 * A progress bar on stderr when it is a terminal; nothing at all otherwise
 * (cron, pipes), so scheduled runs stay quiet.
 */
export class BackupProgress {
  private bar: cliProgress.SingleBar | undefined;
  private readonly start = Date.now();

  constructor(enabled: boolean = !!process.stderr.isTTY) {
    if (!enabled) return;
    this.bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: ' {bar} {percentage}% | {entries} entries | read {read} | sent {sent} | {rate}/s | ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  /** `expectedBytes`: the previous backup's size, the best guess of this one's (0: unknown). */
  update(c: BackupCounters, expectedBytes: number): void {
    if (!this.bar) return;
    const done = c.bytesRead + c.bytesUnchanged;
    const total = Math.max(expectedBytes, done, 1);
    const payload = {
      entries: c.entries,
      read: bytesText(c.bytesRead),
      sent: bytesText(c.chunkBytesSent),
      rate: bytesText(Math.round(c.bytesRead / Math.max(0.001, (Date.now() - this.start) / 1000))),
    };
    if (!this.bar.isActive) this.bar.start(total, done, payload);
    this.bar.setTotal(total);
    this.bar.update(done, payload);
  }

  /** A line on stderr, terminal or not (the server waits on its storage): over the bar, which is drawn again below it. */
  notice(line: string): void {
    if (this.bar?.isActive) process.stderr.write('\r\x1b[K');
    process.stderr.write(`${line}\n`);
    if (this.bar?.isActive) this.bar.render();
  }

  stop(): void {
    this.bar?.stop();
  }
}
