import { parseDuration } from '@cpsbackup/config';
import fc from 'fast-check';
import { parseThresholdRange, rangeAlerts, rangeText, type ThresholdRange } from './threshold-range';

const parse = (raw: string) => parseThresholdRange(raw, Number);

describe('threshold ranges as the monitoring-plugins guidelines define them', () => {
  // The guidelines' table: each range, values that alert and values that do not.
  test.each([
    ['10', [-1, 11, 10.5], [0, 5, 10]],
    ['10:', [9, -5], [10, 11, 1e9]],
    ['~:10', [11, 1e9], [10, 0, -1e9]],
    ['10:20', [9, 21], [10, 15, 20]],
    ['@10:20', [10, 15, 20], [9, 21]],
    ['@10', [0, 10], [-1, 11]],
    ['0:', [-1], [0, 1e9]],
  ] as const)('%s alerts on %j, not on %j', (raw, alerting, quiet) => {
    const range = parse(raw);
    for (const v of alerting) expect([v, rangeAlerts(range, v)]).toEqual([v, true]);
    for (const v of quiet) expect([v, rangeAlerts(range, v)]).toEqual([v, false]);
  });

  test('endpoints are durations for check_cpsbackup: 26h, 2d, 90s, 15m, a bare number in seconds', () => {
    expect(parseThresholdRange('26h', parseDuration)).toEqual({ start: 0, end: 93600, alertInside: false });
    expect(parseThresholdRange('@90s:15m', parseDuration)).toEqual({ start: 90, end: 900, alertInside: true });
    expect(parseThresholdRange('~:2d', parseDuration)).toEqual({ start: -Infinity, end: 172800, alertInside: false });
    expect(parseThresholdRange('3600:', parseDuration)).toEqual({ start: 3600, end: Infinity, alertInside: false });
  });

  test.each([
    ['', /is empty/],
    ['@', /is empty/],
    ['20:10', /starts above its end/],
    ['ten', /is not a range \(expected a duration/],
    ['1:2:3', /is not a range/],
    ['~', /is not a range/],
  ])('%j is refused, saying what is wrong and which forms work', (raw, why) => {
    expect(() => parseThresholdRange(raw, parseDuration)).toThrow(why);
    expect(() => parseThresholdRange(raw, parseDuration)).toThrow(/give a range such as 10, 10:, ~:10, 10:20 or @10:20/);
  });

  const endpoint = fc.integer({ min: 0, max: 1e7 });
  const ranges: fc.Arbitrary<ThresholdRange> = fc
    .tuple(fc.option(endpoint), fc.option(endpoint), fc.boolean(), fc.boolean())
    .map(([a, b, tilde, alertInside]) => {
      const start = tilde ? -Infinity : (a ?? 0);
      const end = b === null ? Infinity : Math.max(b, start);
      return { start, end, alertInside };
    });

  test('property: a range alerts exactly when the value is outside [start, end] (inside for "@"), endpoints inclusive', () => {
    fc.assert(
      fc.property(ranges, fc.integer({ min: -10, max: 1e7 + 10 }), (range, value) => {
        const inside = range.start <= value && value <= range.end;
        expect(rangeAlerts(range, value)).toBe(range.alertInside ? inside : !inside);
        // A value equal to an endpoint never raises a plain range's alert.
        if (!range.alertInside) {
          if (range.start !== -Infinity) expect(rangeAlerts(range, range.start)).toBe(false);
          if (range.end !== Infinity) expect(rangeAlerts(range, range.end)).toBe(false);
        }
      }),
    );
  });

  test('property: the text for perfdata parses back to the same range', () => {
    fc.assert(
      fc.property(ranges, (range) => {
        expect(parse(rangeText(range))).toEqual(range);
      }),
    );
  });

  test('perfdata text is the short form the guidelines write', () => {
    expect(['10', '10:', '~:10', '10:20', '@10:20', '0:'].map((raw) => rangeText(parse(raw)))).toEqual(['10', '10:', '~:10', '10:20', '@10:20', '0:']);
  });
});
