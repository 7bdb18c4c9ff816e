import fc from 'fast-check';
import { compareWalkOrder } from './tree';
import { isUnder, selectedWithWay } from './paths';

interface Item {
  path: Buffer;
  type: number;
}
const DIR = 2;
const FILE = 1;

async function collect<T>(g: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of g) out.push(x);
  return out;
}

async function* each<T>(xs: readonly T[]): AsyncGenerator<T> {
  yield* xs;
}

/** A tree as a walk gives it: every directory on the way present, walk order. */
const tree = fc
  .uniqueArray(fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 4 }), { maxLength: 25, selector: (p) => p.join('/') })
  .map((paths) => {
    const all = new Map<string, number>();
    for (const parts of paths) {
      for (let i = 1; i < parts.length; i++) all.set('/' + parts.slice(0, i).join('/'), DIR);
      const p = '/' + parts.join('/');
      if (!all.has(p)) all.set(p, FILE);
    }
    return [...all].map(([p, type]): Item => ({ path: Buffer.from(p), type })).sort((x, y) => compareWalkOrder(x.path, y.path));
  });

describe('selectedWithWay', () => {
  test('property: the selected entries in order, each after the unselected directories on its way, each of those once', async () => {
    await fc.assert(
      fc.asyncProperty(tree, fc.func(fc.boolean()), async (items, pick) => {
        const selected = (p: Buffer) => pick(p.toString());
        const out = await collect(selectedWithWay(each(items), selected, (e) => e.type === DIR));
        // The selected ones, all of them, in walk order.
        expect(out.filter((o) => !o.context).map((o) => o.e)).toEqual(items.filter((i) => selected(i.path)));
        // Context: exactly the unselected directories above a selected entry, once each, in walk order.
        const needed = items.filter(
          (d) => d.type === DIR && !selected(d.path) && items.some((i) => selected(i.path) && i.path.length > d.path.length && isUnder(i.path, d.path)),
        );
        expect(out.filter((o) => o.context).map((o) => o.e)).toEqual(needed);
        // Every entry comes after the directories on its way.
        const seen = new Set<string>();
        for (const { e } of out) {
          const parts = e.path.toString().split('/').slice(1);
          for (let i = 1; i < parts.length; i++) expect(seen.has('/' + parts.slice(0, i).join('/'))).toBe(true);
          seen.add(e.path.toString());
        }
      }),
    );
  });

  test('nothing selected gives nothing; everything selected gives every entry and no context', async () => {
    const items: Item[] = ['/a', '/a/b', '/a/b/f', '/c'].map((p, i) => ({ path: Buffer.from(p), type: i === 2 || i === 3 ? FILE : DIR }));
    expect(
      await collect(
        selectedWithWay(
          each(items),
          () => false,
          (e) => e.type === DIR,
        ),
      ),
    ).toEqual([]);
    const all = await collect(
      selectedWithWay(
        each(items),
        () => true,
        (e) => e.type === DIR,
      ),
    );
    expect(all.map((o) => [o.e.path.toString(), o.context])).toEqual(items.map((i) => [i.path.toString(), false]));
  });
});
