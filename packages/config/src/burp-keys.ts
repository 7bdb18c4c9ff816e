/**
 * Burp settings cpsbackup does not implement. An operator's Burp or
 * Canopsis file names them; a key that only tunes what Burp did differently
 * (logging, forking, TLS details, extra selection that would only back up
 * more) is accepted with a warning that says what cpsbackup does instead. A
 * key whose silent absence would leave data out of a backup, unprotected,
 * or a restore incomplete is refused: the file must say what it means.
 * A key that is neither cpsbackup's nor Burp's stays an "unknown key" error.
 */
import { DEFAULT_ZSTD_LEVEL, ZSTD_LEVEL_RANGE } from './zstd-level';

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

/** Burp's compression = 0 (off), as cpsbackup gets it. */
const COMPRESSION_OFF = "Burp's compression = 0 (off): exclude_comp in node.conf, naming the extensions of files compressed already";
/** zstd's levels, as the zstd_level key takes them. */
const ZSTD_LEVELS = `${ZSTD_LEVEL_RANGE}, ${DEFAULT_ZSTD_LEVEL} by default`;

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
  network_timeout: { note: 'network_timeout in node.conf, idle_timeout in server.conf' },
  cname_lowercase: { note: 'client names are compared as written: set cname in node.conf to the name of its client file' },
  cname_fqdn: { note: 'client names are compared as written: set cname in node.conf to the name of its client file' },
  client_lockdir: { note: 'cpsbackupd locks each client while it is being served' },
  monitor_browse_cache: { note: 'not applicable' },
  user: { note: 'set User= in the systemd unit' },
  group: { note: 'set Group= in the systemd unit' },
  umask: { note: 'cpsbackupd makes everything it writes private to its user (umask 077) whatever umask it starts with; the agent restores modes as backed up' },
};

/** Burp server keys (burp-server.conf and clientconfdir files). */
export const BURP_SERVER_KEYS: Record<string, BurpKey> = {
  ...COMMON,
  compression: {
    note: `the node compresses its chunks: set zstd_level in the node's node.conf, ${ZSTD_LEVELS}; server.conf's zstd_level is only for what the server compresses itself, listings. ${COMPRESSION_OFF}`,
  },
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
  client_can_force_backup: { note: 'a node may always back up (cpsbackup -e as well as its daemon); the server cannot tell them apart' },
  client_can_monitor: { note: 'nodes have no monitor; the status port is read-only, on status_address (network_allow_status, status_token)' },
  timer_script: { note: 'the agent schedules itself: backup_interval and backup_window in node.conf' },
  timer_arg: { note: 'the agent schedules itself: backup_interval and backup_window in node.conf' },
  ca_conf: { note: 'ca_key is the CA key cpsbackupd signs with' },
  ca_name: { note: 'ca_key is the CA key cpsbackupd signs with' },
  ca_server_name: { note: 'the server certificate is ssl_cert' },
  super_client: { note: 'name the client in restore_client of each client file it may restore' },
  rblk_memory_max: { note: 'not applicable' },
  sparse_size_max: { note: 'not applicable' },
  monitor_logfile: { note: 'not applicable' },
  // The rest of burp(8)'s server keys (checked against the man page one by one).
  librsync_max_size: { note: 'deduplication by content-defined chunks replaces rsync deltas' },
  readall: { note: 'cpsbackupd reads only its own files' },
  max_resume_attempts: { note: 'an interrupted backup is marked error and its chunks are reused by the next one' },
  client_can_diff: { note: 'cpsbackup has no diff action' },
  restore_client: { note: 'name the restoring client in restore_client of each client file it may restore' },
  force_update_encryption: { note: 'an encrypted node seals every chunk with its current key (see cpsbackup --change-key)' },
  ssl_cert_password: { note: 'keep the private key unencrypted and readable only by its owner (mode 600)', refuse: true },
  ssl_verify_peer_early: { note: "the client's certificate is always checked in the TLS handshake, before any request" },
  max_parallel_backups: { note: 'max_children bounds the agents served at once, backups included' },
  timer_repeat_interval: { note: 'the agent schedules itself: backup_interval and backup_window in node.conf' },
  notify_failure_on_backup_with_failovers_left: { note: 'a node has one server' },
  notify_failure_on_backup_working_dir_deletion: { note: 'an interrupted backup is recorded as failed, and notify_failure_script runs for it' },
  dedup_group: {
    note: "set dedup_group in each client file that should share chunks (sharing lets a group's clients learn which chunks the others hold); each client is its own group otherwise",
  },
  autoupgrade_dir: { note: 'upgrade the agents with the package manager' },
  ca_crl_check: {
    note: "cpsbackupd does not read Burp's CRL: revoke each certificate it lists with cpsbackupd --revoke-cert FILE (or --revoke NAME), then remove the line",
    refuse: true,
  },
  ca_crl: {
    note: "cpsbackupd does not read Burp's CRL: revoke each certificate it lists with cpsbackupd --revoke-cert FILE (or --revoke NAME), then remove the line",
    refuse: true,
  },
  passwd: { note: 'nodes authenticate by certificate; password is the one-time enrolment password' },
  // Burp lets a client file override what the node backs up; cpsbackupd cannot: ignoring an include there would leave it out.
  include: { note: "the node decides what it backs up: put the include in the node's node.conf", refuse: true },
  include_glob: { note: "the node decides what it backs up: put the include_glob in the node's node.conf", refuse: true },
  exclude: { note: "the node decides what it backs up: put it in the node's node.conf" },
  exclude_regex: { note: "the node decides what it backs up: put it in the node's node.conf" },
};

/** Burp client keys (burp.conf on a node). */
export const BURP_NODE_KEYS: Record<string, BurpKey> = {
  ...COMMON,
  compression: { note: `set zstd_level in this node.conf: the level its chunks are compressed with, ${ZSTD_LEVELS}. ${COMPRESSION_OFF}` },
  status_port: { note: "the status port is the server's" },
  server_can_restore: { note: 'the server never starts a restore: restores are started on the node (cpsbackup -i)' },
  server_can_override_includes: { note: 'the server never changes what a node backs up: includes are set in node.conf only' },
  atime: {
    note: "the agent always reads with O_NOATIME, as Burp's default atime = 0 does: a backup leaves access times as they were (atime = 1, updating them, is not offered)",
  },
  split_vss: { note: 'not applicable' },
  strip_vss: { note: 'not applicable' },
  vss_drives: { note: 'not applicable' },
  autoupgrade_dir: { note: 'upgrade the agent with the package manager' },
  autoupgrade_os: { note: 'upgrade the agent with the package manager' },
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
  // The rest of burp(8)'s client keys (checked against the man page one by one).
  server_failover: { note: 'a node has one server: when it cannot be reached the backup fails (exit 4) and the daemon retries' },
  failover_on_backup_error: { note: 'a node has one server: when it cannot be reached the backup fails (exit 4) and the daemon retries' },
  readall: { note: 'the agent does not drop privileges: run it as root, or give it CAP_DAC_READ_SEARCH (AmbientCapabilities= in its unit)' },
  ssl_cert_password: { note: 'keep the private key unencrypted and readable only by its owner (mode 600)', refuse: true },
  randomise: { note: 'random_delay is the same wait (random_delay = 1200 for randomise = 1200)' },
  monitor_exe: { note: "cpsbackup status reads the server's status port" },
  include_logic: { note: 'not implemented by Burp either' },
  exclude_logic: { note: 'not implemented: use exclude_regex (a path), or the other exclude keys' },
};
