import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Takes every permission of group and others off the store directory and
 * everything in it (packs hold plain file content; the catalog, records and
 * keys say what every node holds): a store made under a loose umask, by an
 * older release or copied with loose modes, becomes the server's user's
 * alone. Symbolic links are not followed. Returns what it changed, as
 * "path old -> new" (octal), for the log; a file another user owns (made
 * by root running a command on the store) cannot be changed: it is named
 * with what to do, and the start goes on.
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
      try {
        fs.chmodSync(p, tight);
        changed.push(`${p} ${mode.toString(8)} -> ${tight.toString(8)}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
        changed.push(`${p} ${mode.toString(8)} NOT changed: owned by uid ${st.uid}; chown it to the server's user, or chmod go= it`);
      }
    }
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
  return changed;
}
