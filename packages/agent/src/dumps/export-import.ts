import { loadStorageConfig, type NodeConfig, type StorageConfig, storageConfigPathFor } from '@cpsbackup/config';
import { type BackupOptions, type BackupResult, runBackup } from '../backup/backup';
import { type DumpJob, jobsOf, RunningDumps, runRestoreJobs } from './dump-jobs';
import { AgentError, ExitCode } from '../errors';
import { type RestoreOptions, type RestoreResult, runRestore } from '../restore/restore';
import { pathUnder } from '../restore/safe-path';

/** The dump jobs of this node, if it has a storage.conf. */
export function loadDumpJobs(config: NodeConfig): { storage: StorageConfig; jobs: DumpJob[] } | undefined {
  const file = storageConfigPathFor(config.configFile, config.storage_conf);
  if (!file) return undefined;
  const storage = loadStorageConfig(file);
  const jobs = jobsOf(storage);
  return jobs.length ? { storage, jobs } : undefined;
}

/**
 * `cpsbackup -e`: starts the dump jobs, each writing into its FIFO, backs up
 * the node with the FIFOs, then checks every dump's exit status before the
 * commit. A failed dump aborts the backup on the server with the reason
 * (status error): it is never offered as the latest good backup.
 */
export async function runExport(config: NodeConfig, opts: BackupOptions = {}): Promise<BackupResult & { dumps: string[] }> {
  const dumpSetup = loadDumpJobs(config);
  if (!dumpSetup) return { ...(await runBackup(config, opts)), dumps: [] };
  const { storage, jobs } = dumpSetup;
  const dumps = RunningDumps.start(jobs, storage.dump_directory);
  try {
    const result = await runBackup(config, {
      ...opts,
      extraIncludes: [storage.dump_directory],
      extraFifos: dumps.fifos,
      fifoWriterExit: (p) => dumps.exited(p),
      beforeCommit: async () => {
        const failures = await dumps.finish(storage.dump_timeout * 1000);
        if (failures.length) throw new AgentError('DUMP_FAILED', failures.map((f) => f.message).join('; '), ExitCode.FAILED);
      },
    });
    return { ...result, dumps: jobs.map((j) => j.name) };
  } finally {
    dumps.cleanup();
  }
}

/**
 * `cpsbackup -i`: restores; the dumps come back as regular files, each is
 * loaded by its restore command (mongorestore, pg_restore, ...) and then
 * deleted, also when loading failed. `loadDumps: false` keeps the files.
 */
export async function runImport(
  config: NodeConfig,
  opts: RestoreOptions & { loadDumps?: boolean },
): Promise<RestoreResult & { loaded: string[]; loadFailures: string[] }> {
  const dumpSetup = loadDumpJobs(config);
  const fifoAsFileUnder = dumpSetup ? [dumpSetup.storage.dump_directory] : [];
  const result = await runRestore(config, { ...opts, fifoAsFileUnder });
  if (!dumpSetup || opts.loadDumps === false) return { ...result, loaded: [], loadFailures: [] };
  // The dump directory as restored under the target.
  const restoredDir = pathUnder(opts.target, Buffer.from(dumpSetup.storage.dump_directory)).toString();
  const { loaded, failures } = await runRestoreJobs(dumpSetup.jobs, restoredDir);
  return { ...result, loaded, loadFailures: failures.map((f) => f.message) };
}
