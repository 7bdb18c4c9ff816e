/**
 * Burp's server scripts: server_script_pre before each request of a node,
 * server_script_post after it, with Burp's arguments; server.conf's keys
 * overridden by the client's file.
 */
import { type ClientConfig, type ServerConfig } from '@cpsbackup/config';
import { runScript, scriptEnd, scriptOutput } from '@cpsbackup/hooks';
import { type FramedConnection } from '@cpsbackup/protocol';
import type { Logger } from 'pino';
import { notifyBackupEnd, type NotifyScripts } from './notify';
import { WireError } from './wire-errors';

/** One client's server scripts: server.conf's, with its client file's overrides. */
export interface ServerScripts {
  pre?: string;
  preArgs: string[];
  preNotify: boolean;
  post?: string;
  postArgs: string[];
  postNotify: boolean;
  postRunOnFail: boolean;
  timeoutMs: number;
}

/** What one file says, server_script and server_script_arg applied (as Burp applies them to each file it reads). */
function ownScripts(f: {
  server_script?: string;
  server_script_arg: string[];
  server_script_pre?: string;
  server_script_pre_arg: string[];
  server_script_post?: string;
  server_script_post_arg: string[];
  server_script_notify?: boolean;
  server_script_pre_notify?: boolean;
  server_script_post_notify?: boolean;
}) {
  return {
    pre: f.server_script ?? f.server_script_pre,
    post: f.server_script ?? f.server_script_post,
    preArgs: f.server_script_arg.length ? f.server_script_arg : f.server_script_pre_arg,
    postArgs: f.server_script_arg.length ? f.server_script_arg : f.server_script_post_arg,
    // server_script_notify = 1 turns both on; 0 leaves them as they are (Burp).
    preNotify: f.server_script_notify ? true : f.server_script_pre_notify,
    postNotify: f.server_script_notify ? true : f.server_script_post_notify,
  };
}

export function serverScriptsFor(server: ServerConfig, client: ClientConfig): ServerScripts {
  const s = ownScripts(server);
  const c = ownScripts(client);
  return {
    pre: c.pre ?? s.pre,
    // A client file's arguments replace server.conf's (Burp's strlist replace).
    preArgs: c.preArgs.length ? c.preArgs : s.preArgs,
    preNotify: c.preNotify ?? s.preNotify ?? false,
    post: c.post ?? s.post,
    postArgs: c.postArgs.length ? c.postArgs : s.postArgs,
    postNotify: c.postNotify ?? s.postNotify ?? false,
    postRunOnFail: client.server_script_post_run_on_fail ?? server.server_script_post_run_on_fail,
    timeoutMs: (client.server_script_timeout ?? server.server_script_timeout) * 1000,
  };
}

/** What a session gives the scripts: who the node is, where to log, whom to notify, the connection kept alive meanwhile. */
export interface ScriptedRequest {
  client: string;
  scripts: ServerScripts;
  notify: NotifyScripts;
  log: Logger;
  conn: FramedConnection;
}

/** While a script runs the node hears from us every 2 s, so its network_timeout does not run out. */
const KEEPALIVE_MS = 2000;

/** Runs one script with the node kept alive; undefined when it succeeded, else how it failed (for the node) and its output (for the log). */
async function runServerScript(
  req: ScriptedRequest,
  phase: 'pre' | 'post',
  file: string,
  action: string,
  failed: boolean,
): Promise<{ end: string; output: string } | undefined> {
  const { scripts } = req;
  const args = [phase, BURP_COMMANDS[action] ?? action, req.client, failed ? '1' : '0', '0', ...(phase === 'pre' ? scripts.preArgs : scripts.postArgs)];
  const env = { CPSBACKUP_CLIENT: req.client, CPSBACKUP_ACTION: action, CPSBACKUP_PHASE: phase, CPSBACKUP_STATUS: failed ? '1' : '0' };
  let sending = false;
  const alive = setInterval(() => {
    if (sending) return;
    sending = true;
    req.conn
      .send({ keepAlive: {} })
      .catch(() => undefined) // a node gone is the request's business, not the script's
      .finally(() => (sending = false));
  }, KEEPALIVE_MS);
  alive.unref();
  try {
    const r = await runScript({ file, args, env, timeoutMs: scripts.timeoutMs });
    if (r.ok) {
      req.log.info({ script: file, phase, action, output: r.output.trim() || undefined }, 'server script ran');
      return undefined;
    }
    const end = scriptEnd(r, 'server_script_timeout', scripts.timeoutMs);
    const output = scriptOutput(r);
    req.log.warn(
      {
        script: file,
        phase,
        action,
        exitCode: r.exitCode,
        signal: r.signal,
        err: `server_script_${phase} ${file} ${end}`,
        output: r.output.trim() || undefined,
      },
      'server script failed',
    );
    const notify = phase === 'pre' ? scripts.preNotify : scripts.postNotify;
    if (notify) {
      // notify_failure_script, as for a failed backup: no backup number (0), the script's end and output as the reason.
      void notifyBackupEnd(
        req.notify,
        { client: req.client, number: 0, status: 'error', reason: `server_script_${phase} ${file} ${end} (${action}); ${output}` },
        req.log,
      );
    }
    return { end, output };
  } finally {
    clearInterval(alive);
  }
}

/**
 * The action as a server script's second argument: the command word Burp's
 * server passes there (its client's request), so an operator's script that
 * matches `backupphase1*` or `Delete*` keeps working. CPSBACKUP_ACTION and
 * the messages keep the plain word.
 */
const BURP_COMMANDS: Record<string, string> = { backup: 'backupphase1', delete: 'Delete' };

/**
 * Runs a node's request between the client's server scripts, as Burp's
 * server child does. server_script_pre gets "pre", the action as Burp's
 * command word (backupphase1, restore, list, verify, Delete), the client, "0", "0" (Burp's timer
 * result: the agent schedules itself), then server_script_pre_arg; if it
 * fails the request is not run and the node is told why (SCRIPT_REFUSED:
 * the script's status; its output goes to the log and, with
 * server_script_pre_notify, to notify_failure_script). server_script_post
 * gets "post", the action, the client, "0" if the request succeeded or "1"
 * if it failed (an error, or `work` resolving to false: a backup its node
 * aborted, or a partial one), "0", then server_script_post_arg; after a
 * failure only with server_script_post_run_on_fail. Its failure is logged (and
 * notified): the node has had its answer already.
 */
export async function withServerScripts<T>(req: ScriptedRequest, action: string | undefined, work: () => Promise<T>): Promise<T> {
  const { scripts } = req;
  if (!action || (!scripts.pre && !scripts.post)) return work();
  if (scripts.pre) {
    const failed = await runServerScript(req, 'pre', scripts.pre, action, false);
    if (failed) {
      if (scripts.post && scripts.postRunOnFail) await runServerScript(req, 'post', scripts.post, action, true);
      throw new WireError(
        'SCRIPT_REFUSED',
        `the server refused this ${action}: its server_script_pre ${failed.end}; the server's log has the script's output, ask its operator`,
      );
    }
  }
  let result: T;
  try {
    result = await work();
  } catch (err) {
    if (scripts.post && scripts.postRunOnFail) await runServerScript(req, 'post', scripts.post, action, true);
    throw err;
  }
  const failed = result === false;
  if (scripts.post && (!failed || scripts.postRunOnFail)) await runServerScript(req, 'post', scripts.post, action, failed);
  return result;
}
