const SLASH = 0x2f;

/** True when `path` is `prefix` or lies below it, component-wise: "/srv/a" covers "/srv/a/x", not "/srv/ab". */
export function isUnder(path: Buffer, prefix: Buffer): boolean {
  if (path.length < prefix.length || path.compare(prefix, 0, prefix.length, 0, prefix.length) !== 0) return false;
  return path.length === prefix.length || path[prefix.length] === SLASH || prefix[prefix.length - 1] === SLASH;
}

/**
 * A restore's selection by path prefixes (none: everything), for a walk of
 * a tree: `selected`, whether a path is at or below one of them; `descend`,
 * whether a directory's listing must be read (a selected path lies below
 * it, or it lies below one), undefined when every directory must be.
 */
export function prefixSelection(prefixes: readonly Buffer[]): { selected: (path: Buffer) => boolean; descend?: (dir: Buffer) => boolean } {
  if (prefixes.length === 0) return { selected: () => true };
  return {
    selected: (path) => prefixes.some((p) => isUnder(path, p)),
    descend: (dir) => prefixes.some((p) => isUnder(p, dir) || isUnder(dir, p)),
  };
}

/** An entry a restore writes: `context` when it is only a directory on the way to a selected one. */
export interface SelectedEntry<E> {
  e: E;
  context: boolean;
}

/**
 * The selected entries of a tree walk (walk order: a directory before
 * what is below it), each preceded by the directories on its way that are
 * not selected themselves, once each, marked `context`: a restore of one
 * path makes its parents as they were, not 0700. Holds at most one entry
 * per level of the path being walked.
 */
export async function* selectedWithWay<E extends { path: Buffer; type: number }>(
  entries: AsyncIterable<E>,
  selected: (path: Buffer) => boolean,
  isDirectory: (e: E) => boolean,
): AsyncGenerator<SelectedEntry<E>> {
  const way: Array<{ e: E; sent: boolean }> = [];
  for await (const e of entries) {
    while (way.length > 0 && !isBelow(e.path, way[way.length - 1]!.e.path)) way.pop();
    if (selected(e.path)) {
      for (const w of way) {
        if (w.sent) continue;
        w.sent = true;
        yield { e: w.e, context: true };
      }
      yield { e, context: false };
      if (isDirectory(e)) way.push({ e, sent: true });
    } else if (isDirectory(e)) {
      way.push({ e, sent: false });
    }
  }
}

/** Strictly below: `path` lies under `dir` and is not `dir`. */
function isBelow(path: Buffer, dir: Buffer): boolean {
  return path.length > dir.length && isUnder(path, dir);
}
