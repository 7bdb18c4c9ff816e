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
