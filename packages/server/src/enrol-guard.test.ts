import { sourceOf } from './admission';
import { EnrolGuard, FAILURE_MEMORY_MS, FIRST_DELAY_MS, MAX_TRACKED } from './enrol-guard';

describe('enrolment guard: slowed, never locked, bounded memory', () => {
  let clock = 0;
  const now = () => clock;

  test('the wait doubles with failures from a source or for a name, up to the bound, and never refuses', () => {
    const guard = new EnrolGuard(2000, now);
    const waits: number[] = [];
    for (let i = 0; i < 30; i++) {
      const a = guard.begin(`10.0.0.${i}`, 'target'); // every guess from another address: the name's count still grows
      waits.push(a.delayMs);
      a.failed();
    }
    expect(waits.slice(0, 6)).toEqual([0, FIRST_DELAY_MS, 2 * FIRST_DELAY_MS, 4 * FIRST_DELAY_MS, 2000, 2000]);
    expect(Math.max(...waits)).toBe(2000);
    // The right password from a fresh address waits at most the bound.
    const right = guard.begin('10.9.9.9', 'target');
    expect(right.delayMs).toBe(2000);
    right.succeeded();
  });

  test('a name that just enrolled waits as a name that did not: a success tells nothing', () => {
    const guard = new EnrolGuard(30_000, now);
    // The same guesses at a name that will enrol and at one that never can.
    for (let i = 0; i < 4; i++) for (const name of ['enrols', 'no-such-client']) guard.begin(`10.4.${i}.1`, name).failed();
    const right = guard.begin('10.4.9.1', 'enrols');
    expect(right.delayMs).toBe(8 * FIRST_DELAY_MS);
    right.succeeded();
    // What an outsider then sees of each name, attempt by attempt, from fresh addresses.
    const probe = (name: string, net: number) =>
      Array.from({ length: 3 }, (_, i) => {
        const a = guard.begin(`10.5.${net}.${i}`, name);
        a.failed();
        return a.delayMs;
      });
    expect(probe('enrols', 1)).toEqual([8 * FIRST_DELAY_MS, 16 * FIRST_DELAY_MS, 32 * FIRST_DELAY_MS]);
    expect(probe('no-such-client', 2)).toEqual([8 * FIRST_DELAY_MS, 16 * FIRST_DELAY_MS, 32 * FIRST_DELAY_MS]);
  });

  test('known and unknown names are counted alike; a source that fails is slowed whatever names it tries', () => {
    const guard = new EnrolGuard(30_000, now);
    const seq = (name: string, source: string) =>
      Array.from({ length: 12 }, () => {
        const a = guard.begin(source, name);
        a.failed();
        return a.delayMs;
      });
    // The guard never learns which names exist: the same history gives the same waits.
    expect(seq('a-known-client', '10.1.0.1')).toEqual(seq('no-such-client', '10.1.0.2'));
    for (let i = 0; i < 5; i++) guard.begin('10.1.0.3', `name-${i}`).failed();
    expect(guard.begin('10.1.0.3', 'fresh-name').delayMs).toBe(16 * FIRST_DELAY_MS);
  });

  test('attempts under way count: a burst is spread out', () => {
    const guard = new EnrolGuard(30_000, now);
    const burst = Array.from({ length: 4 }, () => guard.begin('10.2.0.1', 'target'));
    expect(burst.map((a) => a.delayMs)).toEqual([0, FIRST_DELAY_MS, 2 * FIRST_DELAY_MS, 4 * FIRST_DELAY_MS]);
    burst.forEach((a) => a.succeeded());
  });

  test('memory is bounded: capped tables, failures forgotten after a quiet spell', () => {
    const guard = new EnrolGuard(30_000, now);
    for (let i = 0; i < 3 * MAX_TRACKED; i++) guard.begin(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, `name-${i}`).failed();
    expect(guard.tracked.sources).toBeLessThanOrEqual(MAX_TRACKED);
    expect(guard.tracked.names).toBeLessThanOrEqual(MAX_TRACKED);
    for (let i = 0; i < 10; i++) guard.begin('10.3.0.1', 'target').failed();
    const probe = guard.begin('10.3.0.2', 'target');
    expect(probe.delayMs).toBe(30_000);
    probe.failed();
    clock += FAILURE_MEMORY_MS;
    expect(guard.begin('10.3.0.1', 'target').delayMs).toBe(0);
    expect(guard.tracked).toEqual({ sources: 1, names: 1 }); // only the attempt under way
  });
});

describe('the source an address counts as', () => {
  test('IPv4 itself (also IPv4-mapped); IPv6 by its /64', () => {
    expect(sourceOf('127.0.0.2')).toBe('127.0.0.2');
    expect(sourceOf('::ffff:127.0.0.2')).toBe('127.0.0.2');
    expect(sourceOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:0db8:0001:0002:ffff:ffff:ffff:fffe')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:db8::5')).toBe('2001:db8:0:0::/64');
    expect(sourceOf('::1')).toBe('0:0:0:0::/64');
  });
});
