/**
 * `cpsbackupd --revoke` run by root on the store of a daemon that runs as
 * its own user (systemd's User=): the list it writes is the daemon's, so
 * the daemon reads it and its ownership check still passes; and the list
 * is never written through a link the store's owner planted.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '@cpsbackup/testkit';
import { revokeFingerprint } from './revocation';

const NOBODY = 65534;
const FP1 = 'AA:BB:CC';
const FP2 = 'DD:EE:FF';

/** What user nobody reads of `file` (cat as nobody), or undefined if refused. */
function readAsNobody(file: string): string | undefined {
  const r = spawnSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'cat', '--', file], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
}

let root: string;
beforeAll(() => {
  if (process.geteuid?.() !== 0) throw new Error('this test needs root: it revokes as root on a store owned by user nobody');
  root = tempDir('revoke');
  fs.chmodSync(root, 0o755);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function daemonsStore(name: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { mode: 0o700 });
  fs.chownSync(dir, NOBODY, NOBODY);
  return dir;
}

test("root revoking on the daemon's store makes a list the daemon's user owns and reads; a second revocation keeps it so", () => {
  const dir = daemonsStore('store');
  revokeFingerprint(dir, FP1, 'web1');
  const file = path.join(dir, 'revoked');
  const st = fs.lstatSync(file);
  expect({ uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 }).toEqual({ uid: NOBODY, gid: NOBODY, mode: 0o600 });
  expect(readAsNobody(file)).toMatch(/^aa:bb:cc web1 /);
  revokeFingerprint(dir, FP2, 'web2');
  expect(fs.lstatSync(file).uid).toBe(NOBODY);
  expect(
    readAsNobody(file)
      ?.split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')[0]),
  ).toEqual(['aa:bb:cc', 'dd:ee:ff']);
  // Nothing else was left in the store (no temporary name, nothing of root's).
  expect(fs.readdirSync(dir)).toEqual(['revoked']);
});

test("on root's own store the list stays root's", () => {
  const dir = path.join(root, 'own');
  fs.mkdirSync(dir, { mode: 0o700 });
  revokeFingerprint(dir, FP1, 'web1');
  expect(fs.lstatSync(path.join(dir, 'revoked')).uid).toBe(0);
});

test("a list the store's owner replaced by a link is not written through it", () => {
  const dir = daemonsStore('linked');
  const target = path.join(root, 'root-file');
  fs.writeFileSync(target, 'root only\n', { mode: 0o600 });
  fs.symlinkSync(target, path.join(dir, 'revoked'));
  expect(() => revokeFingerprint(dir, FP1, 'web1')).toThrow(
    /revoked is a symbolic link, not the list of revoked certificates: nothing was revoked\..*remove the link, and revoke again/,
  );
  expect(fs.readFileSync(target, 'utf8')).toBe('root only\n');
});
