import { type ClientConfig, type NetworkRule, type ServerConfig } from '@cpsbackup/config';
import { type NotifyScripts } from './notify';
import { type ServerScripts, serverScriptsFor } from './server-scripts';
import { WireError } from './wire-errors';

/** What a client may do and keep: server.conf defaults with the client file's overrides. */
export interface ClientPolicy {
  keep: number[];
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
  /** 0: no limit. */
  quotaBackups: number;
  /** 0: no limit. */
  quotaBytes: number;
  /** Burp's hard_quota / soft_quota: the size of a backup's files (0: no limit). */
  hardQuota: number;
  softQuota: number;
  /** Burp's fail_on_warning: a backup with a warning is not kept. */
  failOnWarning: boolean;
  canDelete: boolean;
  canRestore: boolean;
  canList: boolean;
  canVerify: boolean;
  /** Burp's network_allow: where this client may connect from (empty: anywhere). */
  networkAllow: readonly NetworkRule[];
  /** Seconds after which a client without a new successful backup is overdue. */
  expectedInterval: number;
  /** notify_success_script / notify_failure_script and their arguments. */
  notify: NotifyScripts;
  /** server_script_pre / server_script_post around each request. */
  scripts: ServerScripts;
}

export function policyFor(server: ServerConfig, client: ClientConfig): ClientPolicy {
  return {
    keep: client.keep.length ? client.keep : server.keep,
    keepDaily: client.keep_daily ?? server.keep_daily,
    keepWeekly: client.keep_weekly ?? server.keep_weekly,
    keepMonthly: client.keep_monthly ?? server.keep_monthly,
    quotaBackups: client.quota_backups ?? server.quota_backups,
    quotaBytes: client.quota_bytes ?? server.quota_bytes,
    hardQuota: client.hard_quota ?? server.hard_quota,
    softQuota: client.soft_quota ?? server.soft_quota,
    failOnWarning: client.fail_on_warning ?? server.fail_on_warning,
    canDelete: client.client_can_delete ?? server.client_can_delete,
    canRestore: client.client_can_restore ?? server.client_can_restore,
    canList: client.client_can_list ?? server.client_can_list,
    canVerify: client.client_can_verify ?? server.client_can_verify,
    networkAllow: client.network_allow.length ? client.network_allow : server.network_allow,
    expectedInterval: client.expected_interval ?? server.expected_interval,
    notify: {
      successScript: client.notify_success_script ?? server.notify_success_script,
      successArgs: client.notify_success_arg.length ? client.notify_success_arg : server.notify_success_arg,
      failureScript: client.notify_failure_script ?? server.notify_failure_script,
      failureArgs: client.notify_failure_arg.length ? client.notify_failure_arg : server.notify_failure_arg,
      successWarningsOnly: client.notify_success_warnings_only ?? server.notify_success_warnings_only,
      successChangesOnly: client.notify_success_changes_only ?? server.notify_success_changes_only,
    },
    scripts: serverScriptsFor(server, client),
  };
}

/** Refuses what the client's permissions (client_can_*) forbid. */
export function requirePermission(ctx: { client: { name: string }; policy: ClientPolicy }, what: 'list' | 'restore' | 'delete' | 'verify'): void {
  const allowed = { list: ctx.policy.canList, restore: ctx.policy.canRestore, delete: ctx.policy.canDelete, verify: ctx.policy.canVerify }[what];
  if (!allowed) {
    throw new WireError('PERMISSION', `client ${ctx.client.name} may not ${what} backups (client_can_${what} = 0 on the server)`);
  }
}

/** Burp's enabled: a client whose file (or server.conf) says enabled = 0 is refused whatever it asks. */
export function clientEnabled(server: ServerConfig, client: ClientConfig): boolean {
  return client.enabled ?? server.enabled;
}

/** Burp's label: the client file's labels replace server.conf's. */
export function labelsOf(server: ServerConfig, client: ClientConfig): string[] {
  return client.label.length ? client.label : server.label;
}
