/**
 * The restore job (`cpsbackup -i`): restore_script_pre, a restore, then
 * the dumps it brought back loaded into their databases, or reported with
 * the command that loads them, then restore_script_post.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadStorageConfig, type NodeConfig, storageConfigPathFor } from '@cpsbackup/config';
import { EntryType, type FileEntry } from '@cpsbackup/format';
import { dumpPathOf, jobsOf, loadCommandFor, loadDump } from '../dumps/dump-jobs';
import { pathSelection, type RestoreOptions, type RestoreResult, runRestore } from '../restore/restore';
import { pathUnder, relativeOf } from '../restore/safe-path';
import type { WriteOutcome } from '../restore/tree-writer';
import { realPathOfExisting, wayProblem, wayTo } from '../dumps/dump-trust';
import { withJobScripts } from './job-scripts';

/** What `cpsbackup -i` is asked to do besides restoring. */
export interface RestoreJobOptions extends RestoreOptions {
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
  /** The command that loads it by hand (a URI's password masked); undefined: storage.conf has none for this job, or `file` is not the dump. */
  loadCommand?: string;
  /**
   * The restore did not write the dump: what lies at `file` was there
   * before (a stale dump, or anyone's file) and is left as it is; the
   * backup's dump is not on the node. `overwrite`: --overwrite was given.
   */
  notWritten?: { overwrite: boolean };
}

/**
 * A dump this backup holds that no dump job of this node's storage.conf
 * loads (the job was renamed or removed, or dump_directory changed since
 * the backup): restored like any file, never loaded.
 */
export interface StrayDump {
  /** Its path in the backup: the FIFO the dump was written into. */
  stored: string;
  /** Where the restore put it. */
  file: string;
  /** kept: no load was asked for; failed: the restore loads dumps, and this one was not loaded. */
  state: 'kept' | 'failed';
  /** Why no job loads it. */
  reason: string;
  /** What lies at `file` now and what to do, in words. */
  where: string;
}

/** A dump job of storage.conf whose dump the backup does not hold (where the restore selected its path). */
export interface MissingDump {
  name: string;
  /** The path its dump would have in the backup. */
  stored: string;
}

/** What `cpsbackup -i` did with the dumps besides restoring. */
export interface RestoreJobResult extends RestoreResult {
  dumps: RestoredDump[];
  strayDumps: StrayDump[];
  missingDumps: MissingDump[];
  /** Whether this restore loads dumps (in place, or --load-dumps). */
  loadsDumps: boolean;
  /** restore_script_post failed after a restore that succeeded: the command fails with this. */
  postScriptFailure?: string;
}

/**
 * The restore job with its scripts (see withJobScripts): restore_script_pre
 * before anything is asked of the server, restore_script_post once the
 * dumps are loaded or reported. A restore that found damaged files or did
 * not load a dump it had to has failed, for the post script.
 */
export async function runRestoreJob(config: NodeConfig, opts: RestoreJobOptions): Promise<RestoreJobResult> {
  const { result, postScriptFailure } = await withJobScripts(
    config,
    'restore',
    () => restoreWithDumps(config, opts),
    (r) => r.damaged.length === 0 && !r.dumps.some((d) => d.state === 'failed') && !r.strayDumps.some((d) => d.state === 'failed'),
  );
  return postScriptFailure ? { ...result, postScriptFailure } : result;
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
 * Whether an entry of a backup is a dump: a FIFO named NAME.dump that only
 * its owner may use, as a dump job makes it (mode 0600); a FIFO read_fifo
 * names was made by someone else, with the mode they gave it.
 */
function isDumpEntry(e: FileEntry): boolean {
  return e.type === EntryType.Fifo && (e.mode & 0o077) === 0 && e.path.toString('latin1').endsWith('.dump') && e.path.length > '/.dump'.length;
}

/** Why `skipped` left what lies at `file` as it was. */
function notWrittenReason(kind: 'file' | 'other', overwrite: boolean): string {
  const what = kind === 'file' ? 'a file' : 'something that is not a regular file (a FIFO left by an interrupted backup?)';
  const why = overwrite ? 'and it was not replaced (the warnings say why)' : 'and a restore keeps what exists unless --overwrite is given';
  return `the restore did not write it: ${what} was there already, ${why}`;
}

/**
 * The restore job, `cpsbackup -i`: restores; a dump comes back as a regular file named after
 * its FIFO. Restored to the original paths, each dump is loaded by its
 * restore command (mongorestore, pg_restore, ...) and then deleted. Restored
 * anywhere else, dumps are loaded only when `loadDumps` says so explicitly:
 * looking at an old backup in a directory must never roll the live
 * database back. A dump that is not loaded, or whose load failed, stays
 * where it is and is reported with the command that loads it. A dump is
 * loaded only if no one but root and the restoring user could have put
 * another file in its place (see dump-trust.ts).
 *
 * The backup's dumps (its FIFOs named NAME.dump) and this node's dump jobs
 * need not match: storage.conf may have changed since the backup. Each
 * dump no job loads is reported (`strayDumps`), and each job whose dump
 * the restore selected but the backup does not hold (`missingDumps`).
 * Where loading applies (in place on a node with a storage.conf, or
 * --load-dumps), a dump no job loads is a failure: the restore did not do
 * what was asked of it.
 */
async function restoreWithDumps(config: NodeConfig, opts: RestoreJobOptions): Promise<RestoreJobResult> {
  const confFile = storageConfigPathFor(config.configFile, config.storage_conf);
  const storage = confFile ? loadStorageConfig(confFile) : undefined;
  const jobs = storage ? jobsOf(storage) : [];
  const inPlace = path.resolve(opts.target) === '/';
  const load = opts.loadDumps ?? inPlace;
  // The target with its own links resolved: the way to each dump is looked at whole.
  const realTarget = realPathOfExisting(opts.target);
  // The dump directory as restored under the target.
  const restoredDir = storage ? pathUnder(realTarget, Buffer.from(storage.dump_directory)).toString() : '';
  const files = jobs.map((job) => dumpPathOf(restoredDir, job.name));
  // Each dump's path as stored, and what the restore did with it: a dump it did not select (--prefix, --regex) is not looked at.
  const stored = new Map(jobs.map((job, i) => [storedKey(Buffer.from(dumpPathOf(storage!.dump_directory, job.name))), i]));
  const outcomes = new Map<number, WriteOutcome>();
  const strays: Array<{ stored: Buffer; outcome: WriteOutcome; content: boolean }> = [];
  const onEntry = (p: Buffer, outcome: WriteOutcome, e: FileEntry) => {
    const i = p.toString('latin1').endsWith('.dump') ? stored.get(storedKey(p)) : undefined;
    if (i !== undefined) outcomes.set(i, outcome);
    else if (isDumpEntry(e)) strays.push({ stored: Buffer.from(p), outcome, content: e.chunks.length > 0 });
    opts.onEntry?.(p, outcome, e);
  };
  const waysBefore = files.map(wayTo);
  const result = await runRestore(config, { ...opts, fifoAsFileUnder: storage ? [storage.dump_directory] : [], onEntry });
  const uid = process.geteuid?.() ?? 0;
  const dumps: RestoredDump[] = [];
  const missingDumps: MissingDump[] = [];
  // What the restore selected (the restore took the same --regex, so it compiles).
  const { selected } = jobs.length ? await pathSelection(opts.prefixes ?? [], opts.regex) : { selected: () => false };
  for (const [i, job] of jobs.entries()) {
    const file = files[i]!;
    const outcome = outcomes.get(i);
    if (outcome === undefined) {
      const at = dumpPathOf(storage!.dump_directory, job.name);
      if (selected(Buffer.from(at))) missingDumps.push({ name: job.name, stored: at });
      continue;
    }
    // Damaged: reported among the damaged files.
    if (outcome === 'damaged') continue;
    const now = kindOf(file);
    if (!now) continue; // gone since: nothing to load or keep
    if (outcome === 'skipped') {
      // What is there is not this backup's dump: no command that would load it is offered.
      dumps.push({
        name: job.name,
        file,
        state: load ? 'failed' : 'kept',
        reason: notWrittenReason(now, !!opts.overwrite),
        notWritten: { overwrite: !!opts.overwrite },
      });
      continue;
    }
    const loadCommand = loadCommandFor(job, file);
    if (!load) {
      const reason =
        opts.loadDumps === false
          ? '--no-load-dumps'
          : `restored into ${opts.target}, not to the original paths: dumps are loaded into the databases only with --load-dumps`;
      dumps.push({ name: job.name, file, state: 'kept', reason, loadCommand });
      continue;
    }
    if (!job.restore) {
      dumps.push({ name: job.name, file, state: 'kept', reason: `${storage!.configFile} has no restore command for ${job.name}` });
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
  const strayDumps = strays
    .filter((s) => s.outcome !== 'damaged')
    .map((s): StrayDump => {
      const storedPath = s.stored.toString();
      const file = pathUnder(realTarget, s.stored).toString();
      const dir = path.dirname(storedPath);
      const name = path.basename(storedPath).slice(0, -'.dump'.length);
      const reason = !storage
        ? 'this node has no storage.conf: it has no dump jobs'
        : storedKey(Buffer.from(dir)) !== storedKey(Buffer.from(storage.dump_directory))
          ? `${storage.configFile} has dump_directory ${storage.dump_directory}, not ${dir}`
          : `${storage.configFile} has no dump job ${name}`;
      const now = kindOf(file);
      const where =
        s.outcome === 'skipped'
          ? `${notWrittenReason(now ?? 'other', !!opts.overwrite)}: ${file} is not this backup's dump and is left as it is; ` +
            `to get the backup's dump, restore it ${opts.overwrite ? '' : 'again with --overwrite, or '}with --to DIR`
          : now === 'file'
            ? `the dump is in ${file}; load it with the restore command its database needs`
            : !now
              ? `${file} is gone since the restore`
              : s.content && opts.fifoAsFifo
                ? `${file} is a FIFO without the dump's content (--fifo-as-fifo): restore it again without --fifo-as-fifo to get the dump as a file`
                : `${file} is a FIFO: the backup holds no content for it`;
      // A node without storage.conf loads nothing unless --load-dumps asks it to: there, a dump of the backup is only told of.
      const expected = storage ? load : opts.loadDumps === true;
      return { stored: storedPath, file, state: expected ? 'failed' : 'kept', reason, where };
    });
  return { ...result, dumps, strayDumps, missingDumps, loadsDumps: load };
}
