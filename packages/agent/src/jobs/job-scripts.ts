/**
 * Burp's backup and restore scripts around a job: backup_script_pre /
 * backup_script_post, restore_script_pre / restore_script_post, with
 * Burp's arguments and semantics (its client's backup_wrapper and
 * restore_wrapper).
 */
import type { NodeConfig } from '@cpsbackup/config';
import { runScript, scriptFailure } from '@cpsbackup/hooks';
import { AgentError, ExitCode } from '../errors';

/** A job that has scripts around it. */
type ScriptedJob = 'backup' | 'restore';

/** One job's scripts as node.conf sets them (backup_script and backup_script_arg override the pre and post ones, as in Burp). */
interface JobScripts {
  pre?: string;
  preArgs: string[];
  post?: string;
  postArgs: string[];
  runOnFail: boolean;
  reserved: boolean;
}

function scriptsOf(config: NodeConfig, job: ScriptedJob): JobScripts {
  const c =
    job === 'backup'
      ? {
          both: config.backup_script,
          bothArgs: config.backup_script_arg,
          pre: config.backup_script_pre,
          preArgs: config.backup_script_pre_arg,
          post: config.backup_script_post,
          postArgs: config.backup_script_post_arg,
          runOnFail: config.backup_script_post_run_on_fail,
          reserved: config.backup_script_reserved_args,
        }
      : {
          both: config.restore_script,
          bothArgs: config.restore_script_arg,
          pre: config.restore_script_pre,
          preArgs: config.restore_script_pre_arg,
          post: config.restore_script_post,
          postArgs: config.restore_script_post_arg,
          runOnFail: config.restore_script_post_run_on_fail,
          reserved: config.restore_script_reserved_args,
        };
  return {
    pre: c.both ?? c.pre,
    preArgs: c.bothArgs.length ? c.bothArgs : c.preArgs,
    post: c.both ?? c.post,
    postArgs: c.bothArgs.length ? c.bothArgs : c.postArgs,
    runOnFail: c.runOnFail,
    reserved: c.reserved,
  };
}

/** Runs one script; undefined when it succeeded, else what went wrong (its output's end included). */
async function runJobScript(
  config: NodeConfig,
  job: ScriptedJob,
  phase: 'pre' | 'post',
  file: string,
  args: string[],
  failed?: boolean,
): Promise<string | undefined> {
  const timeoutMs = config.script_timeout * 1000;
  const env: Record<string, string> = { CPSBACKUP_CLIENT: config.cname, CPSBACKUP_ACTION: job, CPSBACKUP_PHASE: phase };
  if (failed !== undefined) env.CPSBACKUP_STATUS = failed ? '1' : '0';
  const r = await runScript({ file, args, env, timeoutMs });
  return r.ok ? undefined : scriptFailure(`${job}_script_${phase} ${file}`, r, `script_timeout in ${config.configFile}`, timeoutMs);
}

/** What a job did between its scripts, and how its post script ended when the job itself succeeded. */
export interface ScriptedOutcome<T> {
  result: T;
  /** The post script failed after the job succeeded: the job's result stands, and the command fails with this. */
  postScriptFailure?: string;
}

/** The job's failure with a failed post script said after it. */
function withPostFailure(err: unknown, post: string): unknown {
  if (err instanceof AgentError) return new AgentError(err.code, `${err.message}; and ${post}`, err.exitCode);
  if (err instanceof Error) err.message = `${err.message}; and ${post}`;
  return err;
}

/**
 * Runs `work` between the job's pre and post scripts, as Burp does. The
 * pre script gets "pre", "reserved2" to "reserved5", then its _arg values;
 * if it fails (non-zero, killed at script_timeout, not startable) the job
 * does not run: nothing is sent to the server, and the job fails with the
 * script's status and the end of its output. The post script gets "post",
 * "0" when the job succeeded or "1" when it failed (`succeeded` says, for a
 * job that returned: a partial backup has failed), "reserved3" to
 * "reserved5", then its _arg values; it runs after a failure (the pre
 * script's too) only with _run_on_fail. A post script that fails makes the
 * job fail: after a failure its message is added to the job's; after a
 * success the result stands (a backup is stored) and `postScriptFailure`
 * says why the command fails all the same.
 */
export async function withJobScripts<T>(
  config: NodeConfig,
  job: ScriptedJob,
  work: () => Promise<T>,
  succeeded: (result: T) => boolean = () => true,
): Promise<ScriptedOutcome<T>> {
  const s = scriptsOf(config, job);
  const post = async (failed: boolean): Promise<string | undefined> => {
    if (!s.post || (failed && !s.runOnFail)) return undefined;
    const args = [...(s.reserved ? ['post', failed ? '1' : '0', 'reserved3', 'reserved4', 'reserved5'] : []), ...s.postArgs];
    return runJobScript(config, job, 'post', s.post, args, failed);
  };
  if (s.pre) {
    const failure = await runJobScript(config, job, 'pre', s.pre, [
      ...(s.reserved ? ['pre', 'reserved2', 'reserved3', 'reserved4', 'reserved5'] : []),
      ...s.preArgs,
    ]);
    if (failure) {
      const err = new AgentError(
        'SCRIPT_FAILED',
        `${failure}; so the ${job} was not started (nothing was sent to the server): fix the script, or run it by hand to see why`,
        ExitCode.FAILED,
      );
      const postFailure = await post(true);
      throw postFailure ? withPostFailure(err, postFailure) : err;
    }
  }
  let result: T;
  try {
    result = await work();
  } catch (err) {
    const postFailure = await post(true);
    throw postFailure ? withPostFailure(err, postFailure) : err;
  }
  const postFailure = await post(!succeeded(result));
  return postFailure ? { result, postScriptFailure: postFailure } : { result };
}
