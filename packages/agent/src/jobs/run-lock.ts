import * as fs from 'node:fs';
import * as path from 'node:path';
import { PidLockFile } from '@cpsbackup/durable';
import { AgentError, ExitCode } from '../errors';

/**
 * Runs `fn` holding the node's backup lock (lock_file), so the daemon and a
 * manual `cpsbackup -e` never back up at the same time.
 */
export async function withRunLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  let got: ReturnType<typeof PidLockFile.tryAcquire>;
  try {
    makeLockDirectory(lockFile);
    got = PidLockFile.tryAcquire(lockFile);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    const hint =
      code === 'EROFS'
        ? ' (read-only here: under the systemd units only /run/cpsbackup, the dump directory and /tmp are writable; put lock_file in /run/cpsbackup, or add its directory to ReadWritePaths= with systemctl edit)'
        : '';
    throw new AgentError('CONFIG', `cannot create lock_file ${lockFile}: ${code}${hint}`, ExitCode.CONFIG);
  }
  if (!(got instanceof PidLockFile)) {
    throw new AgentError('BUSY', `another backup is already running on this node (process ${got.pid}, lock ${lockFile})`, ExitCode.BUSY);
  }
  try {
    return await fn();
  } finally {
    got.release();
  }
}

/**
 * Makes the lock's directory when it is missing (the default,
 * /run/cpsbackup, is gone after a reboot until a unit or a backup makes
 * it): that directory only, not its parents, which a typo would make.
 */
function makeLockDirectory(lockFile: string): void {
  try {
    fs.mkdirSync(path.dirname(lockFile), { mode: 0o755 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}
