import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadStorageConfig, type NodeConfig, type StorageConfig, storageConfigPathFor } from '@cpsbackup/config';
import { type BackupOptions, type BackupResult, runBackup } from '../backup/backup';
import { type DumpJob, dumpPathOf, jobsOf, loadCommandFor, loadDump, RunningDumps } from './dump-jobs';
import { AgentError, ExitCode } from '../errors';
import { type RestoreOptions, type RestoreResult, runRestore } from '../restore/restore';
import { pathUnder, relativeOf } from '../restore/safe-path';
import type { WriteOutcome } from '../restore/tree-writer';
import { realPathOfExisting, wayProblem, wayTo } from './dump-trust';

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
 * (status error): it is never offered as the latest good backup. Whatever
 * lay where a FIFO goes and is not one (a dump a restore kept) is moved
 * aside and named in a warning (see RunningDumps).
 */
export async function runExport(config: NodeConfig, opts: BackupOptions = {}): Promise<BackupResult & { dumps: string[] }> {
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

/** What `cpsbackup -i` is asked to do besides restoring. */
export interface ImportOptions extends RestoreOptions {
  /**
   * Load the restored dumps into this node's databases. Undefined (not
   * given): only when restoring to the original paths (target "/").
   */
  loadDumps?: boolean;
}

/** One dump job's file as the restore wrote it, and what became of it. */
export interface RestoredDump {
  name: string;
  /** Where the dump is (or was, once loaded: a loaded dump is deleted). */
  file: string;
  /** loaded (then deleted); kept: not loaded, see `reason`; failed: loading was asked for and did not happen, the file is kept. */
  state: 'loaded' | 'kept' | 'failed';
  /** Why it was kept, or how loading failed. */
  reason?: string;
  /** The command that loads it by hand (a URI's password masked); undefined: storage.conf has none for this job. */
  loadCommand?: string;
}

/** A stored path as the restore places it (relative, latin1), '' for one it refuses. */
function storedKey(p: Buffer): string {
  try {
    return relativeOf(p).toString('latin1');
  } catch {
    return '';
  }
}

/** What lies at `file`: a regular file, something else, or nothing. */
function kindOf(file: string): 'file' | 'other' | undefined {
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(file, { throwIfNoEntry: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined; // a file where a directory of the path would be
    throw err;
  }
  return st && (st.isFile() ? 'file' : 'other');
}

/**
 * `cpsbackup -i`: restores; a dump comes back as a regular file named after
 * its FIFO. Restored to the original paths, each dump is loaded by its
 * restore command (mongorestore, pg_restore, ...) and then deleted. Restored
 * anywhere else, dumps are loaded only when `loadDumps` says so explicitly:
 * looking at an old backup in a directory must never roll the live
 * database back. A dump that is not loaded, or whose load failed, stays
 * where it is and is reported with the command that loads it. A dump is
 * loaded only if no one but root and the restoring user could have put
 * another file in its place (see dump-trust.ts).
 */
export async function runImport(config: NodeConfig, opts: ImportOptions): Promise<RestoreResult & { dumps: RestoredDump[] }> {
  const dumpSetup = loadDumpJobs(config);
  if (!dumpSetup) return { ...(await runRestore(config, opts)), dumps: [] };
  const { storage, jobs } = dumpSetup;
  // The dump directory as restored under the target (the target's own links resolved: the way to each dump is looked at whole).
  const restoredDir = pathUnder(realPathOfExisting(opts.target), Buffer.from(storage.dump_directory)).toString();
  const files = jobs.map((job) => dumpPathOf(restoredDir, job.name));
  // Each dump's path as stored, and what the restore did with it: a dump it did not select (--prefix, --regex) is not looked at.
  const stored = new Map(jobs.map((job, i) => [storedKey(Buffer.from(dumpPathOf(storage.dump_directory, job.name))), i]));
  const outcomes = new Map<number, WriteOutcome>();
  const onEntry = (p: Buffer, outcome: WriteOutcome) => {
    const i = p.toString('latin1').endsWith('.dump') ? stored.get(storedKey(p)) : undefined;
    if (i !== undefined) outcomes.set(i, outcome);
    opts.onEntry?.(p, outcome);
  };
  const waysBefore = files.map(wayTo);
  const result = await runRestore(config, { ...opts, fifoAsFileUnder: [storage.dump_directory], onEntry });
  const inPlace = path.resolve(opts.target) === '/';
  const load = opts.loadDumps ?? inPlace;
  const uid = process.geteuid?.() ?? 0;
  const dumps: RestoredDump[] = [];
  for (const [i, job] of jobs.entries()) {
    const file = files[i]!;
    const outcome = outcomes.get(i);
    // Not in this backup or not selected; or damaged, and then reported among the damaged files.
    if (outcome === undefined || outcome === 'damaged') continue;
    const now = kindOf(file);
    if (!now) continue; // gone since: nothing to load or keep
    const loadCommand = loadCommandFor(job, file);
    if (outcome === 'skipped') {
      const what = now === 'file' ? 'a file' : 'something that is not a regular file (a FIFO left by an interrupted backup?)';
      const why = opts.overwrite ? 'and it was not replaced (the warnings say why)' : 'and a restore keeps what exists unless --overwrite is given';
      dumps.push({
        name: job.name,
        file,
        state: load ? 'failed' : 'kept',
        reason: `the restore did not write it: ${what} was there already, ${why}`,
        loadCommand,
      });
      continue;
    }
    if (!load) {
      const reason =
        opts.loadDumps === false
          ? '--no-load-dumps'
          : `restored into ${opts.target}, not to the original paths: dumps are loaded into the databases only with --load-dumps`;
      dumps.push({ name: job.name, file, state: 'kept', reason, loadCommand });
      continue;
    }
    if (!job.restore) {
      dumps.push({ name: job.name, file, state: 'kept', reason: `${storage.configFile} has no restore command for ${job.name}` });
      continue;
    }
    const way = wayTo(file);
    const problem = wayProblem(waysBefore[i]!, way, uid);
    if (problem) {
      // No load command is offered: the file may be anyone's.
      const who = uid === 0 ? 'root' : `root and uid ${uid}`;
      dumps.push({
        name: job.name,
        file,
        state: 'failed',
        reason:
          `${problem}: someone other than ${who} could have put another file in place of the dump the restore wrote, so it is not loaded; ` +
          `restore it into a directory only ${who} can write to, and load it from there`,
      });
      continue;
    }
    // The way is root's alone now: the file checked is the file loaded, and only it is deleted once loaded.
    const failure = await loadDump({ ...job, restore: job.restore }, file, way[way.length - 1]!.st!);
    dumps.push(failure ? { name: job.name, file, state: 'failed', reason: failure.message, loadCommand } : { name: job.name, file, state: 'loaded' });
  }
  return { ...result, dumps };
}
