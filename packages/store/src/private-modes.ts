import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Takes every permission of group and others off the store directory and
 * everything in it (packs hold plain file content; the catalog, records and
 * keys say what every node holds): a store made under a loose umask, by an
 * older release or copied with loose modes, becomes the server's user's
 * alone. Symbolic links are not followed. Returns what it changed, as
 * "path old -> new" (octal), for the log.
 */
export function makePrivate(dir: string): string[] {
  const changed: string[] = [];
  const visit = (p: string) => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // gone meanwhile
      throw err;
    }
    if (st.isSymbolicLink()) return;
    const mode = st.mode & 0o7777;
    if (mode & 0o077) {
      const tight = mode & 0o7700;
      fs.chmodSync(p, tight);
      changed.push(`${p} ${mode.toString(8)} -> ${tight.toString(8)}`);
    }
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
  return changed;
}
