import { progressLine, statusObject } from './progress';

const MiB = 1024 * 1024;

describe('the progress line and JSON status', () => {
  test('a first backup (no total): bytes, files and rate, no bar, percentage or ETA', () => {
    const line = progressLine({ bytesDone: 300 * MiB, filesDone: 12, bytesSent: 100 * MiB }, 10, 'read');
    expect(line).toBe(' 300.0 MiB read | 12 entries | sent 100.0 MiB | 30.0 MiB/s');
    expect(line).not.toMatch(/%|ETA/);
  });

  test("a later backup: the parent's size as a guess, marked ~, dropped once outgrown", () => {
    const line = progressLine({ bytesDone: 25 * MiB, filesDone: 3, totalBytes: 100 * MiB, estimated: true }, 5, 'read');
    expect(line).toMatch(/ ~25% \| 25\.0 MiB of ~100\.0 MiB read \| 3 entries \| 5\.0 MiB\/s \| ETA ~15s$/);
    expect(progressLine({ bytesDone: 150 * MiB, filesDone: 3, totalBytes: 100 * MiB, estimated: true }, 5, 'read')).toBe(
      ' 150.0 MiB read | 3 entries | 30.0 MiB/s',
    );
  });

  test('a restore of a whole backup: its totals, percentage and ETA', () => {
    const line = progressLine({ bytesDone: 50 * MiB, filesDone: 40, totalBytes: 200 * MiB, totalFiles: 100 }, 10, 'restored');
    expect(line).toMatch(/ 25% \| 50\.0 MiB of 200\.0 MiB restored \| 40 of 100 entries \| 5\.0 MiB\/s \| ETA 30s$/);
  });

  test('status objects carry what is known only', () => {
    expect(statusObject('backup', { bytesDone: 10, filesDone: 1, bytesSent: 5 }, 2)).toEqual({
      message_type: 'status',
      action: 'backup',
      seconds_elapsed: 2,
      bytes_done: 10,
      files_done: 1,
      bytes_sent: 5,
    });
    expect(statusObject('restore', { bytesDone: 10, filesDone: 1, totalBytes: 40, totalFiles: 4 }, 2)).toEqual({
      message_type: 'status',
      action: 'restore',
      seconds_elapsed: 2,
      seconds_remaining: 6,
      percent_done: 0.25,
      total_bytes: 40,
      total_files: 4,
      bytes_done: 10,
      files_done: 1,
    });
  });
});
