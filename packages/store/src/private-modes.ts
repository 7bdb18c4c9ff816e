import * as fs from 'node:fs';
import * as path from 'node:path';
import { StoreError } from './errors';

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
  walkEntries(dir, (p, st) => {
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
  });
  return changed;
}

/**
 * Calls `each` with `root` and every entry below it (lstat: symbolic links
 * are neither followed nor descended into), a directory before what it
 * holds; an entry gone meanwhile is skipped.
 */
function walkEntries(root: string, each: (p: string, st: fs.Stats) => void): void {
  const visit = (p: string) => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // gone meanwhile
      throw err;
    }
    each(p, st);
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(root);
}

/** The login of user `uid` (from /etc/passwd), if it has one. */
function login(uid: number): string | undefined {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length > 2 && f[2] !== '' && Number(f[2]) === uid) return f[0];
    }
  } catch {
    // no passwd file (a minimal container): the number alone
  }
  return undefined;
}

/** "name (uid N)", or "uid N". */
function userName(uid: number): string {
  const name = login(uid);
  return name ? `${name} (uid ${uid})` : `uid ${uid}`;
}

/**
 * Refuses a store another local user controls: before the server writes
 * anything in it, the directory and every entry in it (symbolic links not
 * followed) must be owned by the server's effective user, and no directory
 * on the way to it may let another user rename it away and put their own in
 * its place (owned by someone other than root or the server's user, or
 * writable by others, or by a group other than the server's, without the
 * sticky bit). makePrivate only changes modes: the owner of a pre-made
 * `store/` keeps every right over it, whatever its mode.
 */
export function checkOwnership(dir: string): void {
  const euid = process.geteuid?.();
  if (euid === undefined) return; // not a POSIX system: no owners to check
  const egid = process.getegid!();
  const me = userName(euid);
  const real = fs.realpathSync(dir);
  const foreign: Array<{ path: string; uid: number }> = [];
  walkEntries(real, (p, st) => {
    if (st.uid !== euid) foreign.push({ path: p, uid: st.uid });
  });
  if (foreign.length) {
    const first = foreign[0]!;
    const more = foreign.length > 1 ? ` (and ${foreign.length - 1} more entr${foreign.length > 2 ? 'ies' : 'y'} not owned by ${me})` : '';
    // Root running a command on the store of a daemon that runs as its own user (systemd's User=): the
    // command must run as that user; giving the store to root would stop the daemon.
    const daemonsOwn =
      euid === 0 && first.path === real
        ? `If ${userName(first.uid)} is the user the daemon runs as (the systemd unit's User=), run this command as that user ` +
          `(sudo -u ${login(first.uid) ?? `'#${first.uid}'`} cpsbackupd ...) and leave the store as it is. Otherwise: `
        : '';
    throw new StoreError(
      'STORE_NOT_OURS',
      `the store ${dir}: ${first.path} is owned by ${userName(first.uid)}, not by ${me}, the user cpsbackupd runs as${more}. ${daemonsOwn}` +
        `its owner can change or remove backups in it whatever its mode. Check what it holds, then give it to cpsbackupd's user ` +
        `(chown -R ${login(euid) ?? euid}: ${real}); or set directory to a path only cpsbackupd's user can create`,
      { directory: dir, path: first.path, uid: first.uid, count: foreign.length },
    );
  }
  for (let p = path.dirname(real); ; p = path.dirname(p)) {
    const st = fs.statSync(p); // real path: no link on the way
    const mode = st.mode & 0o7777;
    const sticky = (mode & 0o1000) !== 0;
    let why: string | undefined;
    if (st.uid !== euid && st.uid !== 0) why = `is owned by ${userName(st.uid)}`;
    else if (mode & 0o002 && !sticky) why = `is writable by every user (mode ${mode.toString(8).padStart(4, '0')}) without the sticky bit`;
    else if (mode & 0o020 && !sticky && st.gid !== egid)
      why = `is writable by its group ${st.gid} (mode ${mode.toString(8).padStart(4, '0')}) without the sticky bit`;
    if (why)
      throw new StoreError(
        'STORE_NOT_OURS',
        `the store ${dir}: ${p}, on the way to it, ${why}: another user can rename the store away and put their own in its place. ` +
          `Make it owned by root${euid === 0 ? '' : ` or ${me}`} and not writable by others (chmod go-w ${p}), or set directory to a path under one that is`,
        { directory: dir, path: p, uid: st.uid },
      );
    if (p === path.dirname(p)) break;
  }
}
