import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type StorageConfig } from '@cpsbackup/config';
import { mknod, renameNoReplace } from '@cpsbackup/syscalls';

/** One database dump: how to make it and how to load it back. */
export interface DumpJob {
  name: string;
  /** Shell command template; {fifo} is where it must write. */
  dump: string;
  /** Shell command template; {file} is the restored dump. */
  restore?: string;
  /** Values for the other placeholders ({uri}, {database}, {collection}, {name}). */
  vars: Record<string, string>;
}

/** A finished command that failed. */
export interface JobFailure {
  name: string;
  message: string;
}

/** Quotes a value for /bin/sh so placeholders never inject shell syntax. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Fills {placeholders} with shell-quoted values. */
function fillTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, k: string) => (k in vars ? shellQuote(vars[k]!) : whole));
}

/** The jobs storage.conf describes: one per MongoDB collection, then the generic ones. */
export function jobsOf(storage: StorageConfig): DumpJob[] {
  const jobs: DumpJob[] = storage.collection.map((collection) => ({
    name: `mongodb-${collection}`,
    dump: storage.mongodump,
    restore: storage.mongorestore,
    vars: { uri: storage.mongodb_uri, database: storage.mongodb_database, collection, name: `mongodb-${collection}` },
  }));
  for (const d of storage.dump) {
    jobs.push({ name: d.name, dump: d.command, restore: storage.restore.find((r) => r.name === d.name)?.command, vars: { name: d.name } });
  }
  return jobs;
}

/** Where job `name` writes (and where its restored dump lands), under the dump directory. */
export function dumpPathOf(dir: string, name: string): string {
  return path.join(dir, `${name}.dump`);
}

interface Running {
  job: DumpJob;
  fifo: string;
  /** The FIFO as made (device and inode): only that is ever removed. */
  made: { dev: bigint; ino: bigint };
  child: ChildProcess;
  stderr: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** What lies at `file` and is not a FIFO, in words ("a regular file of 12 bytes"). */
function describeEntry(st: fs.BigIntStats): string {
  if (st.isFile()) return `a regular file of ${st.size} bytes`;
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'something that is not a FIFO';
}

/**
 * Moves what lies at `file` to `FILE.kept-<UTC time>` beside it (another
 * suffix if that exists: never replacing anything); returns where it went.
 */
function moveAside(file: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  for (let n = 1; ; n++) {
    const aside = `${file}.kept-${stamp}${n > 1 ? `-${n}` : ''}`;
    try {
      renameNoReplace(file, aside);
      return aside;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EINVAL' || code === 'ENOSYS') {
        // A filesystem without RENAME_NOREPLACE: look first (the dump directory is root's, 0700).
        if (fs.lstatSync(aside, { throwIfNoEntry: false })) continue;
        fs.renameSync(file, aside);
        return aside;
      }
      if (code !== 'EEXIST') throw err;
    }
  }
}

/**
 * The dump commands of one export, each writing into its own FIFO while the
 * agent reads it: the dump never lands on the node's disk. A command that
 * exits without opening its FIFO releases the reader (see `exited`).
 *
 * A FIFO left where a job writes (by an interrupted backup) is replaced.
 * Anything else there is not ours: a dump a restore kept (its load failed,
 * or it was not asked for), the only copy of that data on this node. It is
 * moved aside, never deleted, and `warnings` says where (the backup
 * carries them).
 */
export class RunningDumps {
  private constructor(
    readonly dir: string,
    private readonly running: Running[],
    /** What was found where a FIFO goes and moved aside, for the backup's warnings. */
    readonly warnings: string[],
  ) {}

  static start(jobs: DumpJob[], dir: string): RunningDumps {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const running: Running[] = [];
    const warnings: string[] = [];
    for (const job of jobs) {
      const fifo = dumpPathOf(dir, job.name);
      const there = fs.lstatSync(fifo, { bigint: true, throwIfNoEntry: false });
      if (there?.isFIFO()) {
        fs.unlinkSync(fifo); // a FIFO holds no data
      } else if (there) {
        const aside = moveAside(fifo);
        warnings.push(
          `dump job ${job.name}: ${fifo} was ${describeEntry(there)} (a dump a restore kept, or put there by hand), not a FIFO of a backup: ` +
            `moved to ${aside} for this backup's FIFO; load it or delete it once it is not needed`,
        );
      }
      mknod(fifo, 'fifo', 0o600);
      const st = fs.lstatSync(fifo, { bigint: true });
      const child = spawn('/bin/sh', ['-c', fillTemplate(job.dump, { ...job.vars, fifo })], { stdio: ['ignore', 'ignore', 'pipe'] });
      const r: Running = {
        job,
        fifo,
        made: { dev: st.dev, ino: st.ino },
        child,
        stderr: '',
        exit: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal }))),
      };
      child.stderr!.on('data', (d: Buffer) => (r.stderr = (r.stderr + d.toString()).slice(-2000)));
      child.on('error', (err) => (r.stderr += `\n${err.message}`));
      running.push(r);
    }
    return new RunningDumps(dir, running, warnings);
  }

  /** The FIFO paths, for the walk. */
  get fifos(): string[] {
    return this.running.map((r) => r.fifo);
  }

  /** Resolves when the writer of this FIFO has exited (undefined: not one of ours). */
  exited(fifo: string): Promise<void> | undefined {
    const r = this.running.find((x) => x.fifo === fifo);
    return r ? r.exit.then(() => undefined) : undefined;
  }

  /**
   * Waits for every dump command (killing one still running after
   * `timeoutMs`) and reports those that failed.
   */
  async finish(timeoutMs: number): Promise<JobFailure[]> {
    const failures: JobFailure[] = [];
    for (const r of this.running) {
      const timer = setTimeout(() => r.child.kill('SIGKILL'), timeoutMs);
      const { code, signal } = await r.exit;
      clearTimeout(timer);
      if (code !== 0) {
        const how = signal ? `killed by ${signal}` : `exit code ${code}`;
        const tail = r.stderr.trim().split('\n').slice(-3).join(' | ');
        failures.push({ name: r.job.name, message: `dump job ${r.job.name} failed (${how})${tail ? `: ${tail}` : ''}` });
      }
    }
    return failures;
  }

  /** Removes the FIFOs (after the backup, whatever happened): each only if it is still the FIFO made for it, never what replaced it. */
  cleanup(): void {
    for (const r of this.running) {
      if (r.child.exitCode === null) r.child.kill('SIGKILL');
      const st = fs.lstatSync(r.fifo, { bigint: true, throwIfNoEntry: false });
      if (st?.isFIFO() && st.dev === r.made.dev && st.ino === r.made.ino) fs.unlinkSync(r.fifo);
    }
  }
}

/** A URI's password, as shown to the operator: `mongodb://user:***@host`. */
export function maskUriPassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:***@');
}

/**
 * The command that loads job's dump from `file`, to show the operator who
 * loads it by hand (a URI's password masked); undefined: storage.conf has
 * no restore command for the job.
 */
export function loadCommandFor(job: DumpJob, file: string): string | undefined {
  if (!job.restore) return undefined;
  const shown = Object.fromEntries(Object.entries(job.vars).map(([k, v]) => [k, maskUriPassword(v)]));
  return fillTemplate(job.restore, { ...shown, file });
}

/**
 * Loads one restored dump: runs the job's restore command on `file`, then
 * deletes the file if it is still `loaded` (device and inode: never
 * another file put at its name). A command that fails leaves the file
 * where it is (the only copy of that dump on this node), and its failure
 * is returned.
 */
export async function loadDump(job: DumpJob & { restore: string }, file: string, loaded: { dev: bigint; ino: bigint }): Promise<JobFailure | undefined> {
  const child = spawn('/bin/sh', ['-c', fillTemplate(job.restore, { ...job.vars, file })], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  child.on('error', (err) => (stderr += `\n${err.message}`));
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (c, s) => resolve({ code: c, signal: s })),
  );
  if (code === 0) {
    const st = fs.lstatSync(file, { bigint: true, throwIfNoEntry: false });
    if (st?.dev === loaded.dev && st.ino === loaded.ino) fs.unlinkSync(file);
    return undefined;
  }
  const tail = stderr.trim().split('\n').slice(-3).join(' | ');
  return {
    name: job.name,
    message: `restore of ${job.name} failed (${signal ? `killed by ${signal}` : `exit code ${code}`})${tail ? `: ${tail}` : ''}`,
  };
}
