import * as fs from 'node:fs';

/** Maps uids and gids to names from /etc/passwd and /etc/group (read once), so restores elsewhere can map owners. */
export class OwnerNames {
  private readonly users: Map<number, string>;
  private readonly groups: Map<number, string>;

  constructor(passwd = '/etc/passwd', group = '/etc/group') {
    this.users = readIdFile(passwd);
    this.groups = readIdFile(group);
  }

  user(uid: number): string {
    return this.users.get(uid) ?? '';
  }

  group(gid: number): string {
    return this.groups.get(gid) ?? '';
  }

  /** The uid for a name on this machine, if it has one. */
  uidOf(name: string): number | undefined {
    for (const [id, n] of this.users) if (n === name) return id;
    return undefined;
  }

  gidOf(name: string): number | undefined {
    for (const [id, n] of this.groups) if (n === name) return id;
    return undefined;
  }
}

function readIdFile(file: string): Map<number, string> {
  const out = new Map<number, string>();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name && id && /^\d+$/.test(id) && !out.has(Number(id))) out.set(Number(id), name);
  }
  return out;
}
