process.env.TZ = 'UTC'; // calendar buckets are local time
import { backupsToKeep, keepReasons, type RetentionCandidate } from './retention';

const DAY = 86400_000;
function series(n: number, stepMs = DAY, start = Date.UTC(2026, 0, 1, 12)): RetentionCandidate[] {
  return Array.from({ length: n }, (_, i) => ({ id: 100 + i + 1, number: i + 1, time: start + i * stepMs }));
}
const numbers = (all: RetentionCandidate[], keep: Set<number>) => all.filter((b) => keep.has(b.id)).map((b) => b.number);
const none = { keepDaily: 0, keepWeekly: 0, keepMonthly: 0 };

describe('retention', () => {
  test('keep = 3 keeps the newest three', () => {
    const all = series(5);
    expect(numbers(all, backupsToKeep(all, { keep: [3], ...none }))).toEqual([3, 4, 5]);
  });

  test("Burp's multi-level keep = 7, keep = 4: the last 7, then every 7th among the last 28", () => {
    const all = series(40);
    expect(numbers(all, backupsToKeep(all, { keep: [7, 4], ...none }))).toEqual([14, 21, 28, 34, 35, 36, 37, 38, 39, 40]);
  });

  test('keep_daily keeps the newest backup of each of the last N days', () => {
    const all = series(12, 8 * 3600_000); // every 8 hours from noon
    // Days: {1,2} {3,4,5} {6,7,8} {9,10,11} {12}.
    expect(numbers(all, backupsToKeep(all, { keep: [1], ...none, keepDaily: 3 }))).toEqual([8, 11, 12]);
  });

  test('keep_weekly and keep_monthly use calendar weeks and months', () => {
    const all = series(70);
    // 2026-01-01 is a Thursday: ISO weeks end on Sundays (Jan 4, 11, ...).
    const weekly = numbers(all, backupsToKeep(all, { keep: [1], ...none, keepWeekly: 2 }));
    expect(weekly).toEqual([67, 70]);
    const monthly = numbers(all, backupsToKeep(all, { keep: [1], ...none, keepMonthly: 3 }));
    expect(monthly).toEqual([31, 59, 70]);
  });

  test('the newest backup is always kept; an empty list keeps nothing', () => {
    expect(backupsToKeep([], { keep: [3], ...none }).size).toBe(0);
    const one = series(1);
    expect(numbers(one, backupsToKeep(one, { keep: [], ...none }))).toEqual([1]);
  });

  test('each kept backup says which rules keep it (what prune --dry-run prints)', () => {
    const all = series(40);
    const reasons = keepReasons(all, { keep: [7, 4], ...none, keepDaily: 2 });
    const of = (n: number) => reasons.get(100 + n);
    expect(of(40)).toEqual(['the newest', 'keep = 7 (the last 7)', 'keep_daily = 2']);
    expect(of(35)).toEqual(['keep = 7 (the last 7)', 'keep level 2 = 4 (every 7th of the last 28)']);
    expect(of(39)).toEqual(['keep = 7 (the last 7)', 'keep_daily = 2']);
    expect(of(21)).toEqual(['keep level 2 = 4 (every 7th of the last 28)']);
    expect(of(20)).toBeUndefined();
  });
});
