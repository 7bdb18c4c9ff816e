import { parseDuration } from '@cpsbackup/config';
import fc from 'fast-check';
import { conditionCounts, gradeClient, summary } from './check-grade';
import type { ClientStatus } from './status-report';
import { parseThresholdRange } from './threshold-range';

const NOW = Date.parse('2026-12-07T12:00:00.000Z');
const NONE = { warning: undefined, critical: undefined };

/** A client whose last success finished `ageMs` before NOW (null: never), every other field sound. */
function clientAged(ageMs: number | null, more: Partial<ClientStatus> = {}): ClientStatus {
  return {
    name: 'web1',
    labels: [],
    enabled: true,
    lastSuccess: ageMs === null ? null : { number: 12, finishedAt: new Date(NOW - ageMs).toISOString(), seconds: 60, files: 10, bytes: 1000, newBytes: 10 },
    lastResult: ageMs === null ? null : { number: 12, status: 'available', reason: null, at: new Date(NOW - ageMs).toISOString() },
    lastAttemptAt: ageMs === null ? null : new Date(NOW - ageMs).toISOString(),
    running: null,
    backups: ageMs === null ? 0 : 1,
    storedBytes: 1000,
    expectedIntervalSeconds: 3600,
    overdue: false,
    failuresSinceStart: 0,
    damaged: [],
    recordProblems: [],
    history: [],
    ...more,
  };
}

const ranges = (w: string, c: string) => ({ warning: parseThresholdRange(w, parseDuration), critical: parseThresholdRange(c, parseDuration) });

describe("check_cpsbackup's grade of one client", () => {
  test('by the server interval: an age of exactly expected_interval is OK, a millisecond more WARNING; exactly twice WARNING, more CRITICAL', () => {
    const state = (ageMs: number) => gradeClient(clientAged(ageMs), NONE, NOW).state;
    expect([state(3_600_000), state(3_600_001), state(7_200_000), state(7_200_001)]).toEqual([0, 1, 1, 2]);
  });

  test('by ranges: endpoints belong to the range (a plain one does not alert on them, an "@" one does)', () => {
    const state = (ageMs: number, w: string, c: string) => gradeClient(clientAged(ageMs), ranges(w, c), NOW).state;
    expect(state(26 * 3_600_000, '26h', '50h')).toBe(0);
    expect(state(26 * 3_600_000 + 1, '26h', '50h')).toBe(1);
    expect(state(3_600_000, '1h:', '~:50h')).toBe(0);
    expect(state(3_599_999, '1h:', '~:50h')).toBe(1);
    expect(state(3_600_000, '@1h:2h', '3h')).toBe(1);
    expect(state(7_200_000, '@1h:2h', '3h')).toBe(1);
    expect(state(7_200_001, '@1h:2h', '3h')).toBe(0);
  });

  test('perfdata: NAME_age in whole seconds with the thresholds in force as ranges, min 0; U when never backed up', () => {
    expect(gradeClient(clientAged(11_520_400), NONE, NOW).perf).toBe('web1_age=11520s;3600;7200;0');
    expect(gradeClient(clientAged(5_000), ranges('@1h:26h', '2d:'), NOW).perf).toBe('web1_age=5s;@3600:93600;172800:;0');
    expect(gradeClient(clientAged(null), NONE, NOW)).toEqual({
      name: 'web1',
      state: 2,
      condition: 'never',
      detail: 'web1: no successful backup',
      perf: 'web1_age=U;3600;7200;0',
    });
  });

  test('a label that needs it is quoted (a quote doubled, "=" replaced); a "|", line break or escape in text is shown escaped', () => {
    const odd = gradeClient(clientAged(1_000, { name: "o'neil web=1" }), NONE, NOW);
    expect(odd.perf).toBe("'o''neil web_1_age'=1s;3600;7200;0");
    const failed = gradeClient(
      clientAged(1_000, { lastResult: { number: 13, status: 'error', reason: 'disk | full\nsecond line', at: new Date(NOW).toISOString() } }),
      NONE,
      NOW,
    );
    expect(failed).toMatchObject({
      state: 1,
      condition: 'failed',
      detail: 'web1: last backup 0000012 finished 1s ago, last attempt failed: disk \\x7c full\\x0asecond line',
    });
    expect(gradeClient(clientAged(1_000, { name: 'a\x1b[2J' }), NONE, NOW).perf).toBe("'a\\x1b[2J_age'=1s;3600;7200;0");
  });

  test('enabled = 0 is OK "disabled" with U; a withheld reason (status_redact) is said, not "null"', () => {
    expect(gradeClient(clientAged(null, { enabled: false }), NONE, NOW)).toMatchObject({
      state: 0,
      condition: undefined,
      detail: 'web1: disabled (enabled = 0)',
      perf: 'web1_age=U;3600;7200;0',
    });
    const redacted = gradeClient(
      clientAged(1_000, { lastResult: { number: 13, status: 'partial', reason: null, at: new Date(NOW).toISOString() } }),
      NONE,
      NOW,
    );
    expect(redacted.detail).toBe('web1: last backup 0000012 finished 1s ago, last attempt partial: (reason withheld: status_redact)');
    // The first line counts disabled clients apart, never as a problem.
    const off = gradeClient(clientAged(null, { name: 'off', enabled: false }), NONE, NOW);
    const fine = gradeClient(clientAged(1_000), NONE, NOW);
    expect(summary([fine, off], false)).toBe('1 of 2 clients backed up in time; 1 disabled');
    expect(summary([off], false)).toBe('the 1 client is disabled');
    expect(summary([gradeClient(clientAged(null), NONE, NOW), off], false)).toBe('1 never of 2 clients: web1; 1 disabled');
  });

  test('the first line: counts by condition, worst clients first, three names then how many more', () => {
    const grades = [
      gradeClient(clientAged(1_000, { name: 'ok1' }), NONE, NOW),
      gradeClient(clientAged(1_000, { name: 'bad', lastResult: { number: 2, status: 'partial', reason: 'x', at: '' } }), NONE, NOW),
      gradeClient(clientAged(null, { name: 'new1' }), NONE, NOW),
      gradeClient(clientAged(9_000_000, { name: 'late' }), NONE, NOW),
      gradeClient(clientAged(null, { name: 'new2' }), NONE, NOW),
    ];
    expect(conditionCounts(grades)).toEqual([
      ['never', 2],
      ['overdue', 1],
      ['failed', 1],
      ['damaged', 0],
    ]);
    expect(summary(grades, false)).toBe('2 never, 1 overdue, 1 failed of 5 clients: new1, late, new2 and 1 more');
    expect(summary([grades[0]!, grades[0]!], false)).toBe('all 2 clients backed up in time');
    expect(summary([grades[0]!], true)).toBe('storage full, new backups refused; the 1 client backed up in time');
    expect(summary([grades[2]!], false)).toBe('1 never of 1 client: new1');
  });

  test('property: without -w/-c the state is 0, 1, 2 as the age is at most the interval, at most twice it, beyond; perfdata keeps the grammar', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 * 86400 }), fc.integer({ min: 0, max: 100 * 86400 * 1000 }), (interval, ageMs) => {
        const grade = gradeClient(clientAged(ageMs, { expectedIntervalSeconds: interval }), NONE, NOW);
        expect(grade.state).toBe(ageMs > 2 * interval * 1000 ? 2 : ageMs > interval * 1000 ? 1 : 0);
        expect(grade.perf).toMatch(/^web1_age=\d+s;\d+;\d+;0$/);
      }),
    );
  });
});
