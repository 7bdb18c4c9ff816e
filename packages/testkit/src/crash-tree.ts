import { SeededRandom } from './random';

/**
 * The tree a crash-test step backs up, rebuilt from its seed by the parent to
 * check restores. Files overlap between seeds (shared base data) so backups
 * dedup and GC has both live and dead chunks to sort out.
 */
export function crashTree(treeSeed: string): Map<string, Buffer> {
  const rnd = new SeededRandom(treeSeed);
  const base = new SeededRandom('crash-base');
  const tree = new Map<string, Buffer>();
  for (let i = 0; i < 6; i++) tree.set(`/base/${i}`, base.bytes(20_000 + i * 1000));
  const unique = 2 + rnd.below(6);
  for (let i = 0; i < unique; i++) tree.set(`/own/${i}`, i % 2 ? rnd.text(10_000 + rnd.below(60_000)) : rnd.bytes(5_000 + rnd.below(60_000)));
  return tree;
}
