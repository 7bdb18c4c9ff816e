import fc from 'fast-check';
import { retryDelayMs } from './retry-delay';

describe('retryDelayMs', () => {
  const bounds = fc.record({
    attempt: fc.integer({ min: 0, max: 2000 }),
    minMs: fc.integer({ min: 1, max: 86_400_000 }),
    maxMs: fc.integer({ min: 1, max: 86_400_000 }),
    random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  });

  test('between half the exponential step and the step, never above retry_max', () => {
    fc.assert(
      fc.property(bounds, ({ attempt, minMs, maxMs, random }) => {
        const step = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 60));
        const delay = retryDelayMs(attempt, minMs, maxMs, () => random);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(step / 2));
        expect(delay).toBeLessThanOrEqual(Math.ceil(step));
        expect(delay).toBeLessThanOrEqual(maxMs);
        expect(Number.isFinite(delay)).toBe(true);
      }),
    );
  });

  test('the random half spreads a fleet: the lowest and highest draws are half a step apart', () => {
    fc.assert(
      fc.property(bounds, ({ attempt, minMs, maxMs }) => {
        const step = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 60));
        const spread = retryDelayMs(attempt, minMs, maxMs, () => 0.999999) - retryDelayMs(attempt, minMs, maxMs, () => 0);
        // Two roundings to whole milliseconds apart.
        expect(Math.abs(spread - step / 2)).toBeLessThanOrEqual(1 + step * 1e-6);
      }),
    );
  });

  test('the lower bound grows with each attempt until retry_max', () => {
    fc.assert(
      fc.property(bounds, ({ attempt, minMs, maxMs }) => {
        expect(retryDelayMs(attempt + 1, minMs, maxMs, () => 0)).toBeGreaterThanOrEqual(retryDelayMs(attempt, minMs, maxMs, () => 0));
      }),
    );
  });

  test('a thousand nodes retrying at the same moment do not all wait the same', () => {
    const delays = new Set(Array.from({ length: 1000 }, () => retryDelayMs(3, 60_000, 3_600_000)));
    expect(delays.size).toBeGreaterThan(900);
  });
});
