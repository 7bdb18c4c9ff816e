/**
 * Burp settings cpsbackup does not implement. An operator's Burp or
 * Canopsis file names them; a key that only tunes what Burp did differently
 * (logging, forking, TLS details, extra selection that would only back up
 * more) is accepted with a warning that says what cpsbackup does instead. A
 * key whose silent absence would leave data out of a backup, unprotected,
 * or a restore incomplete is refused: the file must say what it means.
 * A key that is neither cpsbackup's nor Burp's stays an "unknown key" error.
 */

/** What cpsbackup makes of one Burp key. */
export interface BurpKey {
  /** What cpsbackup does instead, or how to get the same effect. */
  readonly note: string;
  /** Ignoring it would lose or expose data: refuse the file. */
  readonly refuse?: boolean;
}

const logging: BurpKey = { note: 'cpsbackupd logs JSON lines to standard output (journald under systemd)' };
const tls: BurpKey = { note: 'TLS 1.3 only, with Node.js defaults' };
/** A server key in a node's file: Burp's client ignores it too. */
const serverScript: BurpKey = { note: "server scripts run on the server: set them in server.conf or the server's clients/<cname>" };

/** Burp keys shared by server and client files. */
const COMMON: Record<string, BurpKey> = {
  mode: { note: 'cpsbackupd is the server and cpsbackup the client' },
  pidfile: { note: 'cpsbackupd locks its storage directory; the agent uses lock_file' },
  lockfile: { note: 'cpsbackupd locks its storage directory; the agent uses lock_file' },
  syslog: logging,
  stdout: logging,
  progress_counter: { note: 'the CLI shows progress on a terminal and stays quiet otherwise' },
  ssl_key_password: { note: 'keep the private key unencrypted and readable only by its owner (mode 600)', refuse: true },
  ssl_ciphers: tls,
  ssl_compression: tls,
  ssl_dhfile: tls,
  ca_burp_ca: { note: 'certificates are signed by cpsbackupd (ca_key) when a node enrols with cpsbackup --enrol' },
  ca_csr_dir: { note: 'certificates are signed by cpsbackupd (ca_key) when a node enrols with cpsbackup --enrol' },
  protocol: { note: 'cpsbackup has one protocol' },
  compression: { note: 'chunks are zstd-compressed (zstd_level)' },
  network_timeout: { note: 'network_timeout in node.conf, idle_timeout in server.conf' },
  cname_lowercase: { note: 'client names are compared as written' },
  cname_fqdn: { note: 'client names are compared as written' },
  client_lockdir: { note: 'cpsbackupd locks each client while it is being served' },
  monitor_browse_cache: { note: 'not applicable' },
  user: { note: 'set User= in the systemd unit' },
  group: { note: 'set Group= in the systemd unit' },
  umask: { note: 'cpsbackupd makes everything it writes private to its user (umask 077) whatever umask it starts with; the agent restores modes as backed up' },
};

/** Burp server keys (burp-server.conf and clientconfdir files). */
export const BURP_SERVER_KEYS: Record<string, BurpKey> = {
  ...COMMON,
  fork: { note: 'run cpsbackupd in the foreground under systemd' },
  daemon: { note: 'run cpsbackupd in the foreground under systemd' },
  listen: { note: 'address and port' },
  listen_status: { note: 'status_address and status_port' },
  max_status_children: { note: 'the status port answers HTTP' },
  hardlinked_archive: { note: 'every backup is virtually full through deduplicated chunks' },
  librsync: { note: 'deduplication by content-defined chunks replaces rsync deltas' },
  working_dir_recovery_method: { note: 'an interrupted backup is marked error and its chunks are reused by the next one' },
  directory_tree: { note: 'the store is packs and a catalog' },
  max_hardlinks: { note: 'the store is packs and a catalog' },
  max_storage_subdirs: { note: 'the store is packs and a catalog' },
  timestamp_format: { note: '-l prints YYYY-MM-DD HH:MM:SS' },
  version_warn: { note: 'agents of another protocol version are refused with an error naming both versions' },
  path_length_warn: { note: 'not applicable' },
  password_check: { note: 'nodes authenticate by certificate; password is the one-time enrolment password' },
  manual_delete: { note: 'GC deletes unreferenced chunks' },
  client_can_force_backup: { note: 'a client may always back up' },
  client_can_verify: { note: 'a client may verify its own backups when it may list them' },
  client_can_monitor: { note: 'the status port is read-only and local' },
  hard_quota: { note: 'quota_bytes is the equivalent' },
  soft_quota: { note: 'quota_bytes (a hard limit)' },
  timer_script: { note: 'the agent schedules itself: backup_interval and backup_window in node.conf' },
  timer_arg: { note: 'the agent schedules itself: backup_interval and backup_window in node.conf' },
  notify_success_warnings_only: { note: 'notify_success_script runs after every successful backup' },
  notify_success_changes_only: { note: 'notify_success_script runs after every successful backup' },
  ca_conf: { note: 'ca_key is the CA key cpsbackupd signs with' },
  ca_name: { note: 'ca_key is the CA key cpsbackupd signs with' },
  ca_server_name: { note: 'the server certificate is ssl_cert' },
  super_client: { note: 'name the client in restore_client of each client file it may restore' },
  label: { note: 'backups carry a name and description (cpsbackup -e --name)' },
  rblk_memory_max: { note: 'not applicable' },
  sparse_size_max: { note: 'not applicable' },
  monitor_logfile: { note: 'not applicable' },
};

/** Burp client keys (burp.conf on a node). */
export const BURP_NODE_KEYS: Record<string, BurpKey> = {
  ...COMMON,
  status_port: { note: "the status port is the server's" },
  server_can_restore: { note: 'restores are started from the node (cpsbackup -i)' },
  server_can_override_includes: { note: 'includes are set in node.conf only' },
  atime: { note: 'not applicable' },
  scan_problem_raises_error: { note: 'an unreadable include makes the backup partial and the exit code 1' },
  split_vss: { note: 'not applicable' },
  strip_vss: { note: 'not applicable' },
  vss_drives: { note: 'not applicable' },
  autoupgrade_dir: { note: 'upgrade the agent with the package manager' },
  autoupgrade_os: { note: 'upgrade the agent with the package manager' },
  restoreprefix: { note: 'cpsbackup -i N --to DIR' },
  regex: { note: 'cpsbackup -i N --regex' },
  glob_after_script_pre: {
    note: 'backup_script_pre runs before the walk starts: the walk, include_glob too, sees what it made (as glob_after_script_pre = 1)',
  },
  server_script_pre: serverScript,
  server_script_post: serverScript,
  port_backup: { note: 'one port (port) for every action' },
  port_restore: { note: 'one port (port) for every action' },
  port_verify: { note: 'one port (port) for every action' },
  port_list: { note: 'one port (port) for every action' },
  port_delete: { note: 'one port (port) for every action' },
  enabled: { note: 'not applicable' },
};
