const SLASH = 0x2f;

/** True when `path` is `prefix` or lies below it, component-wise: "/srv/a" covers "/srv/a/x", not "/srv/ab". */
export function isUnder(path: Buffer, prefix: Buffer): boolean {
  if (path.length < prefix.length || path.compare(prefix, 0, prefix.length, 0, prefix.length) !== 0) return false;
  return path.length === prefix.length || path[prefix.length] === SLASH || prefix[prefix.length - 1] === SLASH;
}
