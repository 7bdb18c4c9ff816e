/**
 * The backup job, what `cpsbackup -e` and the daemon run: under the node's
 * run lock, backup_script_pre, the dump jobs started into their FIFOs, the
 * node backed up with them, their exit statuses checked before the commit,
 * then backup_script_post.
 */
import { loadStorageConfig, type NodeConfig, type StorageConfig, storageConfigPathFor } from '@cpsbackup/config';
import { type BackupOptions, type BackupResult, runBackup } from '../backup/backup';
import { type DumpJob, jobsOf, RunningDumps } from '../dumps/dump-jobs';
import { AgentError, ExitCode } from '../errors';
import { withJobScripts } from './job-scripts';
import { applyBackupPriority } from './priority';
import { withRunLock } from './run-lock';

/**
 * What a backup job did: the backup's result, the dump jobs whose dumps it
 * holds, and why backup_script_post failed after the backup was stored.
 */
export type BackupJobResult = BackupResult & { dumps: string[]; postScriptFailure?: string };

/** The dump jobs of this node, if it has a storage.conf. */
export function loadDumpJobs(config: NodeConfig): { storage: StorageConfig; jobs: DumpJob[] } | undefined {
  const file = storageConfigPathFor(config.configFile, config.storage_conf);
  if (!file) return undefined;
  const storage = loadStorageConfig(file);
  const jobs = jobsOf(storage);
  return jobs.length ? { storage, jobs } : undefined;
}

/**
 * Backs this node up at node.conf's nice and ionice, one backup at a time (the run lock: the daemon and a
 * manual `cpsbackup -e` never back up together). Starts the dump jobs,
 * each writing into its FIFO, backs up the node with the FIFOs, then
 * checks every dump's exit status before the commit. A failed dump aborts
 * the backup on the server with the reason (status error): it is never
 * offered as the latest good backup. Whatever lay where a FIFO goes and is
 * not one (a dump a restore kept) is moved aside and named in a warning
 * (see RunningDumps). backup_script_pre runs first, before any dump job
 * starts and before the server is contacted, and backup_script_post last
 * (see withJobScripts): both under the run lock, so two backups never
 * quiesce or resume a database over each other. A partial backup has
 * failed, for the post script.
 */
export async function runBackupJob(config: NodeConfig, opts: BackupOptions = {}): Promise<BackupJobResult> {
  return withRunLock(config.lock_file, async () => {
    // Before the scripts and dump jobs start: they inherit it.
    applyBackupPriority(config, (line) => opts.onNotice?.(line));
    const { result, postScriptFailure } = await withJobScripts(
      config,
      'backup',
      () => backupWithDumps(config, opts),
      (r) => !r.summary.partial,
    );
    return postScriptFailure ? { ...result, postScriptFailure } : result;
  });
}

async function backupWithDumps(config: NodeConfig, opts: BackupOptions): Promise<BackupJobResult> {
  const dumpSetup = loadDumpJobs(config);
  if (!dumpSetup) return { ...(await runBackup(config, opts)), dumps: [] };
  const { storage, jobs } = dumpSetup;
  const dumps = RunningDumps.start(jobs, storage.dump_directory);
  try {
    const result = await runBackup(config, {
      ...opts,
      warnings: [...(opts.warnings ?? []), ...dumps.warnings],
      extraIncludes: [storage.dump_directory],
      extraFifos: dumps.fifos,
      fifoWriterExit: (p) => dumps.exited(p),
      beforeCommit: async () => {
        const failures = await dumps.finish(storage.dump_timeout * 1000);
        if (failures.length) throw new AgentError('DUMP_FAILED', failures.map((f) => f.message).join('; '), ExitCode.FAILED);
      },
    });
    return { ...result, dumps: jobs.map((j) => j.name) };
  } catch (err) {
    // A file moved aside is said even when the backup that would have carried the warning failed.
    if (err instanceof AgentError && dumps.warnings.length) throw new AgentError(err.code, `${err.message}; and ${dumps.warnings.join('; ')}`, err.exitCode);
    throw err;
  } finally {
    dumps.cleanup();
  }
}
