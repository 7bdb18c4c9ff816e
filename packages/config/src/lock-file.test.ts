import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultLockFile, escapedPath, lockFileName } from './lock-file';

describe('the default lock_file', () => {
  test.each(['/etc/cpsbackup/node.conf', '/srv/a b/.hidden/node-2.conf', '/tmp/é/ü.conf', '/x//y/', '/a\\b/c\nd', '/-/..conf'])(
    '%j is named as systemd-escape --path names it',
    (p) => {
      expect(escapedPath(p)).toBe(execFileSync('systemd-escape', ['--path', '--', p], { encoding: 'utf8' }).trim());
    },
  );

  test('one per node.conf, by its real path: a symlink to it shares its lock', () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lock-file-')));
    try {
      const conf = path.join(dir, 'node.conf');
      fs.writeFileSync(conf, '');
      fs.symlinkSync(conf, path.join(dir, 'link.conf'));
      expect(defaultLockFile(conf)).toBe(`/run/cpsbackup/${escapedPath(conf)}.lock`);
      expect(defaultLockFile(path.join(dir, 'link.conf'))).toBe(defaultLockFile(conf));
      expect(defaultLockFile(path.join(dir, 'other.conf'))).not.toBe(defaultLockFile(conf));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a name longer than NAME_MAX is shortened to a prefix + the SHA-256 of the real path, still one per node.conf', () => {
    const deep = `/srv/${'é'.repeat(70)}/node.conf`;
    expect(Buffer.byteLength(`${escapedPath(deep)}.lock`)).toBeGreaterThan(255);
    const name = lockFileName(deep);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(name).toMatch(/^srv-(\\xc3\\xa9)+.*-[0-9a-f]{64}\.lock$/);
    expect(lockFileName(`/srv/${'é'.repeat(70)}/node2.conf`)).not.toBe(name);
    expect(lockFileName('/etc/cpsbackup/node.conf')).toBe('etc-cpsbackup-node.conf.lock');
    const at255 = `/${'a'.repeat(250)}`;
    expect(lockFileName(at255)).toBe(`${'a'.repeat(250)}.lock`);
    expect(lockFileName(`/${'a'.repeat(251)}`)).toMatch(/^a{64}-[0-9a-f]{64}\.lock$/);
    // The 64 bytes kept end midway through an escaped byte: that escape is dropped, never left cut.
    expect(lockFileName(`/aa${'é'.repeat(100)}`)).toMatch(/^aa(\\x(c3|a9)){15}-[0-9a-f]{64}\.lock$/);
  });

  test('a node.conf in a directory with a long non-ASCII name gets a lock file that can be made', () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lock-file-')));
    try {
      const confDir = path.join(dir, 'é'.repeat(70));
      fs.mkdirSync(confDir);
      const conf = path.join(confDir, 'node.conf');
      fs.writeFileSync(conf, '');
      const lock = path.join(dir, path.basename(defaultLockFile(conf)));
      fs.writeFileSync(lock, '');
      expect(fs.existsSync(lock)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
