import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mkdirAt } from '@cpsbackup/syscalls';
import { AgentError, ExitCode } from '../errors';
import { restoreFailure } from './fatal-errors';

/** An error as the syscalls addon and node:fs make them. */
function errno(code: string, description: string, syscall: string, file?: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${description}, ${syscall}${file === undefined ? '' : ` '${file}'`}`), {
    code,
    syscall,
    ...(file === undefined ? {} : { path: file }),
  });
}

describe("a restore's failure as the operator reads it", () => {
  test.each([
    ['EROFS', 'read-only file system', 'its filesystem is read-only', 'remount it read-write'],
    ['ENOSPC', 'no space left on device', 'its filesystem is full', 'free space on it'],
    ['EDQUOT', 'disk quota exceeded', 'the disk quota of its owner is reached', 'raise the quota'],
    ['EIO', 'i/o error', 'its disk reports input/output errors', 'check the disk'],
    ['EMFILE', 'too many open files', 'this process may open no more files', 'ulimit -n'],
  ])('%s of the writer, at a backed-up path: named under the target, with what to do, exit 1', (code, description, what, todo) => {
    const err = restoreFailure(errno(code, description, 'mkdirat', '/etc/app'), '/srv/r');
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).exitCode).toBe(ExitCode.FAILED);
    expect((err as AgentError).message).toMatch(new RegExp(`^cannot restore into /srv/r: ${what} \\(${code}, mkdirat /srv/r/etc/app\\); .*${todo}`));
  });

  test("the writer thread's failure, which comes as its message (a write names no path)", () => {
    const err = restoreFailure(new AgentError('RESTORE', 'ENOSPC: no space left on device, write'), '/srv/r');
    expect((err as AgentError).message).toMatch(/^cannot restore into \/srv\/r: its filesystem is full \(ENOSPC, write\); free space on it/);
    const at = restoreFailure(new AgentError('RESTORE', "EIO: i/o error, openat2 '/var/lib/x'"), '/');
    expect((at as AgentError).message).toMatch(/^cannot restore into \/: its disk reports input\/output errors \(EIO, openat2 \/var\/lib\/x\)/);
  });

  test('the target that cannot be made (a file in the way)', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsbackup-fatal-'));
    try {
      fs.writeFileSync(path.join(base, 'file'), '');
      const target = path.join(base, 'file', 'sub');
      let thrown: unknown;
      try {
        fs.mkdirSync(target, { recursive: true });
      } catch (err) {
        thrown = err;
      }
      const err = restoreFailure(thrown, target) as AgentError;
      expect(err).toBeInstanceOf(AgentError);
      expect(err.message).toBe(
        `cannot restore into ${target}: not a directory (ENOTDIR, mkdir ${target}); a file is in the way: give another directory with --to`,
      );
    } finally {
      fs.rmSync(base, { recursive: true });
    }
  });

  test('anything else is left as it is: an entry-level error, the network, the server, a bug', () => {
    const skipped = errno('ENAMETOOLONG', 'name too long', 'mkdirat', '/x');
    expect(restoreFailure(skipped, '/srv/r')).toBe(skipped);
    const network = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' });
    expect(restoreFailure(network, '/srv/r')).toBe(network);
    const server = new AgentError('NOT_FOUND', 'client x has no backup 3', ExitCode.NOT_FOUND);
    expect(restoreFailure(server, '/srv/r')).toBe(server);
    const bug = new TypeError('x is undefined');
    expect(restoreFailure(bug, '/srv/r')).toBe(bug);
  });

  // Mounting needs root.
  (process.getuid?.() === 0 ? test : test.skip)('a real EROFS from the syscalls addon', () => {
    const ro = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsbackup-fatal-ro-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', ro]);
    try {
      const fd = fs.openSync(ro, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
      let thrown: unknown;
      try {
        mkdirAt(fd, Buffer.from('tmp'), 0o700, '/tmp');
      } catch (err) {
        thrown = err;
      } finally {
        fs.closeSync(fd);
      }
      expect((restoreFailure(thrown, ro) as AgentError).message).toMatch(
        new RegExp(`^cannot restore into ${ro}: its filesystem is read-only \\(EROFS, mkdirat ${ro}/tmp\\)`),
      );
    } finally {
      execFileSync('umount', [ro]);
      fs.rmdirSync(ro);
    }
  });
});
