import { FoldedWarnings } from './folded-warnings';

describe('folded warnings', () => {
  test('each cause is listed a few times, the rest counted in one line at the end, every warning counted', () => {
    const w = new FoldedWarnings(2);
    for (let i = 0; i < 7; i++) w.add('a', `a${i}`, (n) => `${n} more a`);
    w.add('b', 'b0', (n) => `${n} more b`);
    for (let i = 1; i < 4; i++) w.add('b', `b${i}`, (n) => `${n} more b`);
    w.finish();
    expect(w.lines).toEqual(['a0', 'a1', 'b0', 'b1', '5 more a', '2 more b']);
    expect(w.count).toBe(11);
  });

  test('a cause seen no more than the number listed has no count line', () => {
    const w = new FoldedWarnings(3);
    w.add('x', 'x0', () => 'never');
    w.finish();
    expect(w.lines).toEqual(['x0']);
  });
});
