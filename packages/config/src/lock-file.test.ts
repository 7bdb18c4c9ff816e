import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultLockFile, escapedPath } from './lock-file';

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
});
