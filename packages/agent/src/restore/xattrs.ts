import { type Xattr } from '@cpsbackup/format';

const ACL_PREFIX = 'system.posix_acl_';
const CAPABILITY = 'security.capability';

/**
 * An entry's extended attributes in the two steps a restore sets them:
 * the POSIX ACLs before the mode (setting an ACL sets the group bits from
 * its mask, and the mode set after it is the one the backup recorded),
 * the others after it, the file capability last (a write or a chown drops
 * it; a chmod keeps it). The owner comes before both: chown clears setuid
 * bits and capabilities.
 */
export function xattrSteps(xattrs: readonly Xattr[]): { beforeMode: Xattr[]; afterMode: Xattr[] } {
  const beforeMode: Xattr[] = [];
  const afterMode: Xattr[] = [];
  let capability: Xattr | undefined;
  for (const x of xattrs) {
    const name = x.name.toString('latin1');
    if (name.startsWith(ACL_PREFIX)) beforeMode.push(x);
    else if (name === CAPABILITY) capability = x;
    else afterMode.push(x);
  }
  if (capability) afterMode.push(capability);
  return { beforeMode, afterMode };
}

/**
 * The extended attributes a restore could not set (a namespace the
 * process may not write, a filesystem that keeps none), gathered by
 * attribute and reason so that a tree of a million labelled files gives a
 * line per kind, each naming the files (the first ones, and how many).
 */
export class XattrFailures {
  private readonly byKind = new Map<string, { paths: string[]; count: number }>();

  add(path: string, attribute: string, code: string): void {
    const key = `${attribute} (${code})`;
    const kind = this.byKind.get(key) ?? { paths: [], count: 0 };
    kind.count++;
    if (kind.paths.length < FILES_NAMED) kind.paths.push(path);
    this.byKind.set(key, kind);
  }

  /** One warning per attribute and reason. */
  warnings(): string[] {
    return [...this.byKind].map(([key, { paths, count }]) => {
      const more = count > paths.length ? ` and ${count - paths.length} more` : '';
      return `extended attribute ${key} not restored on ${count} ${count === 1 ? 'entry' : 'entries'}: ${paths.join(', ')}${more}`;
    });
  }
}

/** Files named per kind of failure; the rest are counted. */
const FILES_NAMED = 20;
