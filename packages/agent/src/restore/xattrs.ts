import { type Xattr } from '@cpsbackup/format';

const ACL_PREFIX = 'system.posix_acl_';
const CAPABILITY = 'security.capability';

/**
 * An entry's extended attributes in the steps a restore sets them, after
 * its owner (chown clears setuid bits and the capability):
 * - `others` (user., trusted., security.selinux…) first, while the inode
 *   is still writable by its owner: the kernel wants write permission on
 *   the inode to set a user. attribute, which a read-only file's final
 *   mode (or an ACL's owner entry) would take away;
 * - the POSIX ACLs (`acls`) before the mode: setting an ACL sets the group
 *   bits from its mask, and the mode set after it is the one the backup
 *   recorded;
 * - the file capability (`capability`) last, after the mode: a write or a
 *   chown drops it; a chmod keeps it.
 */
export function xattrSteps(xattrs: readonly Xattr[]): { others: Xattr[]; acls: Xattr[]; capability: Xattr[] } {
  const others: Xattr[] = [];
  const acls: Xattr[] = [];
  const capability: Xattr[] = [];
  for (const x of xattrs) {
    const name = x.name.toString('latin1');
    if (name.startsWith(ACL_PREFIX)) acls.push(x);
    else if (name === CAPABILITY) capability.push(x);
    else others.push(x);
  }
  return { others, acls, capability };
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
