import { PidLockFile } from '@cpsbackup/durable';
import { AgentError, ExitCode } from '../errors';

/**
 * Runs `fn` holding the node's backup lock (lock_file), so the daemon and a
 * manual `cpsbackup -e` never back up at the same time.
 */
export async function withRunLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  let got: ReturnType<typeof PidLockFile.tryAcquire>;
  try {
    got = PidLockFile.tryAcquire(lockFile);
  } catch (err) {
    throw new AgentError('CONFIG', `cannot create lock_file ${lockFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, ExitCode.CONFIG);
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
