import * as path from 'node:path';
import { defaultLockFile } from './lock-file';
import { BURP_NODE_KEYS, BURP_SERVER_KEYS } from './burp-keys';
import { ConfigError } from './errors';
import { fsTypesKey } from './fs-types';
import { ioPriorityKey } from './io-priority';
import { NODE_KEYS_IN_CLIENT_FILE, nodeKeyInClientFile } from './misplaced-keys';
import { loadConfig } from './parse';
import { type ConfigOf, key } from './spec';
import { zstdLevelKey } from './zstd-level';

/** `conf/server.conf`: the cpsbackupd daemon. */
export const serverSchema = {
  address: key.string('0.0.0.0', 'address cpsbackupd listens on for agents'),
  port: key.int(4200, 0, 65535, 'TLS port for agents (0: any free port, for tests)'),
  status_address: key.string('127.0.0.1', 'address of the read-only status port (loopback unless you mean it)'),
  status_port: key.int(4201, 0, 65535, 'status port (0: disabled)'),
  status_token: key.string(
    '',
    'if set, /, /status and /metrics answer only requests with "Authorization: Bearer <token>"; / and /status also a browser signed in by Basic auth (any user, the token as password) or the sign-in form\'s cookie (/health stays open)',
  ),
  status_redact: key.bool(false, 'leave failure reasons (which name files and paths) out of /, /status and /metrics'),
  max_status_children: key.int(16, 1, 10000, 'status port connections served at once (fewer if the descriptor limit leaves less); more are answered 503'),
  max_status_children_per_address: key.int(4, 1, 10000, 'status port connections one address may hold at once; more are answered 503'),
  status_timeout: key.int(10, 1, 600, 'seconds a status connection may last, its request and answer together; a slower one is cut'),
  directory: key.path('/var/lib/cpsbackup', 'storage directory: the catalog, and the packs unless storage = s3'),
  storage: key.oneOf(['local', 's3'] as const, 'local', 'where packs and backup records live: local (in directory) or s3 (an S3-compatible object store)'),
  s3_endpoint: key.string('', 'S3 endpoint URL, e.g. https://s3.eu-west-3.amazonaws.com or http://10.0.0.5:9000 (empty: AWS, by s3_region)'),
  s3_bucket: key.string('', 'bucket holding the packs and backup records (storage = s3)'),
  s3_region: key.string('us-east-1', 'region of the bucket'),
  s3_prefix: key.string('', 'key prefix in the bucket, e.g. cpsbackup/server1/ (one per cpsbackupd instance sharing a bucket)'),
  s3_path_style: key.bool(true, 'path-style URLs (http://endpoint/bucket/key), as most S3-compatible servers want; 0 for virtual-hosted style'),
  s3_credentials_file: key.optionalPath(
    'file holding access_key_id = … and secret_access_key = … (mode 0600; read at start and on SIGHUP); unset: the AWS SDK finds them (environment, ~/.aws, instance role)',
  ),
  storage_lease: key.int(
    60,
    3,
    3600,
    'seconds: how long this server holds its storage without renewing the lease (it renews it every third of that); another server may take the storage only once the lease is this old',
  ),
  s3_retry_time: key.duration(
    300,
    'how long a request to the object store is tried again (backoff up to 30 s between attempts) before what needs it fails: a gateway restart, a short network loss, a full cluster (e.g. 5m; 10s to 24h); a backup waiting on it meanwhile is told so',
  ),
  s3_cache_size: key.size(
    1024 ** 3,
    'local disk kept in directory for recently written data packs (e.g. 2G); reads of other data packs go to the bucket (tree packs, the file lists, are kept in directory apart from it)',
  ),
  clientconfdir: key.optionalPath('directory of per-client files (default: clients/ beside server.conf)'),
  ssl_cert_ca: key.optionalPath('CA certificate that signs client certificates (default: ssl/ssl_cert_ca.pem beside server.conf)'),
  ssl_cert: key.optionalPath("the server's certificate (default: ssl/ssl_cert-server.pem beside server.conf)"),
  ssl_key: key.optionalPath("the server's private key (default: ssl/ssl_cert-server.key beside server.conf)"),
  records_key: key.optionalPath(
    'the key that signs the backup records (64 hex digits; mode 0600, or 0640 with group cpsbackup); never in directory or the bucket (default: records.key beside server.conf)',
  ),
  ca_key: key.optionalPath('the CA private key, to sign the certificates of enrolling nodes (unset: enrolment disabled)'),
  keep: key.ints(1, 100000, 'backups to keep per client; repeat for multi-level retention (keep = 7, keep = 4: the last 7, then 4 spaced 7 apart)'),
  keep_daily: key.int(0, 0, 100000, 'also keep the newest backup of each of the last N days'),
  keep_weekly: key.int(0, 0, 100000, 'also keep the newest backup of each of the last N weeks'),
  keep_monthly: key.int(0, 0, 100000, 'also keep the newest backup of each of the last N months'),
  quota_backups: key.int(0, 0, 100000, 'most available backups a client may hold (0: no limit)'),
  quota_bytes: key.size(0, 'most stored bytes a client may reference, e.g. 50G (0: no limit)'),
  client_can_delete: key.bool(true, 'clients may delete their own backups'),
  client_can_restore: key.bool(true, 'clients may restore their own backups'),
  client_can_list: key.bool(true, 'clients may list and show their own backups'),
  expected_interval: key.duration(86400, 'a client whose last successful backup is older than this is reported overdue (e.g. 26h)'),
  gc_grace: key.int(86400, 0, 365 * 86400, 'seconds unreferenced chunks are kept so an interrupted backup can resume without resending them'),
  max_children: key.int(5, 1, 1000, 'authenticated agents served at once; more are told the server is busy'),
  max_sessions_per_client: key.int(4, 1, 1000, 'connections one client may hold at once (its daemon, a backup, a list...)'),
  max_unauthenticated: key.int(
    16,
    1,
    1000,
    'connections without a valid client certificate (enrolment) served at once; they never take an agent slot, and when all are in use a newcomer from an address holding fewer than the busiest address takes the place of its oldest',
  ),
  max_unauthenticated_per_address: key.int(2, 1, 1000, 'connections without a valid client certificate from one address (IPv6: one /64) at once'),
  unauthenticated_timeout: key.int(
    15,
    1,
    600,
    "seconds a connection without a valid client certificate has, from its TCP connection, to finish TLS, send its request and take the answer (an enrolment's wait for earlier failures is added); then it is cut with an error",
  ),
  enrol_delay_max: key.int(
    30,
    0,
    600,
    'the longest an enrolment waits before its password is checked: the wait doubles with each recent failure from its address or for its name, from 0.25 s, up to this; failures are forgotten 15 minutes after the last',
  ),
  max_list_children: key.int(
    5,
    0,
    1000,
    'sessions beyond max_children, one per client, that may list and show while every agent slot is taken (a backup, restore or verify in one needs an agent slot)',
  ),
  max_connections_per_address: key.int(
    32,
    1,
    100000,
    'connections from one address (IPv6: one /64) that have not authenticated yet (in their TLS handshake, or before their first message)',
  ),
  max_pending_connections: key.int(
    128,
    1,
    100000,
    "connections from all addresses that have not authenticated yet, at most (fewer if the agent port's share of the open-file limit leaves less); when all are taken, a newcomer from an address holding fewer than the busiest address takes the place of that address's oldest connection still in its TLS handshake",
  ),
  handshake_timeout: key.int(5, 1, 600, 'seconds a new connection gets to complete its TLS handshake (auth_timeout, if shorter, applies)'),
  auth_timeout: key.int(10, 1, 600, 'seconds a new connection gets to complete TLS and send its first message'),
  zstd_level: zstdLevelKey(
    "zstd level for what the server compresses itself (listings); the node's chunks take node.conf's zstd_level. -7 to -1 (zstd's fast levels) or 1 to 19 (19 is very slow: about 3 MiB/s per core); 0 is refused (see PERFORMANCE.md, \"Compression\")",
  ),
  check_threads: key.int(-1, -1, 64, 'threads that decode and hash the chunks agents send (0: on the main thread; -1: one per core beyond two, at most 4)'),
  idle_timeout: key.int(120, 5, 86400, 'seconds of silence after which a connection is dropped and its lock released'),
  stall_timeout: key.int(
    600,
    5,
    86400,
    'seconds a connection may leave what the server sends it unread (its socket buffer full), or hold a read of a backup open asking for nothing, before it is dropped, whatever it sends meanwhile (keep-alives too)',
  ),
  stall_share_timeout: key.int(
    15,
    1,
    86400,
    'seconds a session may read nothing of what the server sends it (no byte taken while more waits) before its agent slot may go to another node waiting for one, even mid-request',
  ),
  session_idle_timeout: key.int(
    60,
    5,
    86400,
    'seconds an agent session may go without a backup, restore or verify (lists, shows and keep-alives do not count) before it is closed and its slot freed',
  ),
  ratelimit: key.optionalDecimal(
    0,
    100000,
    'the most the server sends on each connection (a restore), in Mbit/s as Burp counts them (2^20 bits: 8 = 1 MiB/s; fractions allowed); absent: as fast as the network takes it',
  ),
  shutdown_grace: key.int(30, 0, 3600, 'seconds running backups get to finish on SIGTERM before they are aborted'),
  log_level: key.oneOf(['trace', 'debug', 'info', 'warn', 'error'] as const, 'info', 'log verbosity'),
  notify_success_script: key.optionalPath('run after each successful backup with: client, backup number, status, reason, then notify_success_arg (as Burp)'),
  notify_success_arg: key.strings('an extra argument for notify_success_script (repeatable)'),
  notify_failure_script: key.optionalPath(
    'run after each failed or partial backup with: client, backup number, status, reason, then notify_failure_arg (as Burp)',
  ),
  notify_failure_arg: key.strings('an extra argument for notify_failure_script (repeatable)'),
  notify_success_warnings_only: key.bool(
    false,
    'run notify_success_script only for a backup with warnings (with notify_success_changes_only: either will do; as Burp)',
  ),
  notify_success_changes_only: key.bool(false, 'run notify_success_script only for a backup that stored new or changed files (as Burp)'),
  enabled: key.bool(true, '0: every client is refused (backup, restore, list...) unless its file says enabled = 1 (as Burp)'),
  network_allow: key.networks(
    'an address or network (e.g. 10.0.0.0/8, ::1) agents may connect from; repeatable; none: any (a client file may set its own, as Burp)',
  ),
  network_allow_status: key.networks('an address or network the status port answers (repeatable; none: any); others are closed at once'),
  client_can_verify: key.bool(true, 'clients may verify their own backups (cpsbackup --verify)'),
  label: key.strings('a label shown with each client on the status port (/status JSON: labels), e.g. label = site: paris (repeatable; as Burp)'),
  hard_quota: key.size(0, 'a backup whose files total more than this (their size on the node, e.g. 100GB) is refused and not kept (0: no limit; as Burp)'),
  soft_quota: key.size(0, 'a backup whose files total more than this is kept with a warning (0: none; as Burp)'),
  fail_on_warning: key.bool(false, '1: a backup with a warning fails and is not kept, its warnings in the reason (as Burp)'),
  // Burp's server scripts, run around each request of a node (see OPERATIONS.md, "Scripts"); a client file may override each.
  server_script_pre: key.optionalPath(
    'run before each backup, restore, list, verify or delete a node asks for, with: pre, the action, the client, 0, 0, then server_script_pre_arg (as Burp); non-zero refuses the request',
  ),
  server_script_pre_arg: key.strings('an extra argument for server_script_pre (repeatable)'),
  server_script_pre_notify: key.bool(false, 'run notify_failure_script when server_script_pre fails, with its output as the reason'),
  server_script_post: key.optionalPath(
    'run after each such request, with: post, the action, the client, 0 (it succeeded) or 1 (it failed), 0, then server_script_post_arg (as Burp)',
  ),
  server_script_post_arg: key.strings('an extra argument for server_script_post (repeatable)'),
  server_script_post_notify: key.bool(false, 'run notify_failure_script when server_script_post fails, with its output as the reason'),
  server_script_post_run_on_fail: key.bool(false, 'run server_script_post after a request that failed too (by default only after one that succeeded)'),
  server_script: key.optionalPath('run as both server_script_pre and server_script_post (overrides them)'),
  server_script_arg: key.strings('replaces server_script_pre_arg and server_script_post_arg (repeatable)'),
  server_script_notify: key.bool(false, 'sets server_script_pre_notify and server_script_post_notify'),
  server_script_timeout: key.timeout(300, 'a server script still running after this long is killed with what it started, and counts as failed (e.g. 5m)'),
};
/** The certificate keys, always set once loaded (to their defaults when the file is silent). */
interface SslPaths {
  ssl_cert_ca: string;
  ssl_cert: string;
  ssl_key: string;
}
/** A parsed server.conf. */
export type ServerConfig = Omit<ConfigOf<typeof serverSchema>, keyof SslPaths | 'records_key'> &
  SslPaths & {
    clientconfdir: string;
    records_key: string;
    configFile: string;
    /** Burp keys the file carries that were ignored, one line each (cpsbackupd logs them). */
    warnings: string[];
  };

/** `clients/<name>`: one client the server accepts, with its overrides. */
export const clientSchema = {
  ssl_peer_cn: key.string('', "the CN this client's certificate must carry (default: the file's name)"),
  keep: key.ints(1, 100000, "overrides server.conf's keep for this client"),
  keep_daily: key.optionalInt(0, 100000, 'overrides server.conf'),
  keep_weekly: key.optionalInt(0, 100000, 'overrides server.conf'),
  keep_monthly: key.optionalInt(0, 100000, 'overrides server.conf'),
  quota_backups: key.optionalInt(0, 100000, 'overrides server.conf'),
  quota_bytes: key.optionalSize('overrides server.conf'),
  client_can_delete: key.optionalBool('overrides server.conf'),
  client_can_restore: key.optionalBool('overrides server.conf'),
  client_can_list: key.optionalBool('overrides server.conf'),
  dedup_group: key.string('', "clients of one group may reuse each other's stored chunks (default: the client alone)"),
  expected_interval: key.optionalDuration('overrides server.conf'),
  password: key.string('', 'one-time enrolment password: a new node holding it may have its certificate signed, once'),
  restore_client: key.strings(
    "another client that may list and restore this client's backups, e.g. a node rebuilt under a new name or an operator's node (repeatable; as Burp)",
  ),
  notify_success_script: key.optionalPath('overrides server.conf'),
  notify_success_arg: key.strings("replaces server.conf's notify_success_arg (repeatable)"),
  notify_failure_script: key.optionalPath('overrides server.conf'),
  notify_failure_arg: key.strings("replaces server.conf's notify_failure_arg (repeatable)"),
  notify_success_warnings_only: key.optionalBool('overrides server.conf'),
  notify_success_changes_only: key.optionalBool('overrides server.conf'),
  enabled: key.optionalBool('0: this client is refused whatever it asks, with "client not enabled on the server"; 1 overrides server.conf\'s enabled = 0'),
  network_allow: key.networks("replaces server.conf's network_allow for this client (repeatable)"),
  client_can_verify: key.optionalBool('overrides server.conf'),
  label: key.strings("replaces server.conf's labels for this client (repeatable)"),
  hard_quota: key.optionalSize('overrides server.conf'),
  soft_quota: key.optionalSize('overrides server.conf'),
  fail_on_warning: key.optionalBool('overrides server.conf'),
  server_script_pre: key.optionalPath('overrides server.conf'),
  server_script_pre_arg: key.strings("replaces server.conf's server_script_pre_arg (repeatable)"),
  server_script_pre_notify: key.optionalBool('overrides server.conf'),
  server_script_post: key.optionalPath('overrides server.conf'),
  server_script_post_arg: key.strings("replaces server.conf's server_script_post_arg (repeatable)"),
  server_script_post_notify: key.optionalBool('overrides server.conf'),
  server_script_post_run_on_fail: key.optionalBool('overrides server.conf'),
  server_script: key.optionalPath('run as both server_script_pre and server_script_post for this client (overrides them)'),
  server_script_arg: key.strings('replaces server_script_pre_arg and server_script_post_arg for this client (repeatable)'),
  server_script_notify: key.optionalBool('sets server_script_pre_notify and server_script_post_notify for this client'),
  server_script_timeout: key.optionalTimeout('overrides server.conf'),
};
/** A parsed client file. */
export type ClientConfig = ConfigOf<typeof clientSchema> & { name: string; configFile: string; warnings: string[] };

/** `conf/node.conf`: the agent on a node. */
export const nodeSchema = {
  cname: key.string('', "this node's client name on the server (default: the host name)"),
  server: key.requiredString('host name or address of cpsbackupd'),
  port: key.int(4200, 1, 65535, "cpsbackupd's port"),
  ssl_cert_ca: key.optionalPath('CA certificate that signed the server certificate (default: ssl/ssl_cert_ca.pem beside node.conf)'),
  ssl_cert: key.optionalPath("this node's certificate (default: ssl/ssl_cert-client.pem beside node.conf)"),
  ssl_key: key.optionalPath("this node's private key (default: ssl/ssl_cert-client.key beside node.conf)"),
  ssl_peer_cn: key.string('cpsbackupd', "the CN the server's certificate must carry"),
  include: key.absolutePaths('a file or directory to back up (repeatable); below an exclude, the longer path wins (OPERATIONS.md, "What a backup selects")'),
  exclude: key.absolutePaths('a path to leave out, with everything below it but a longer include (repeatable)'),
  exclude_regex: key.regexes('leave out every path this POSIX extended regular expression matches, as Burp (run by RE2, in linear time) (repeatable)'),
  // Burp's selection keys (OPERATIONS.md, "What a backup selects", for the order they apply in).
  include_glob: key.absolutePatterns('include every path this glob matches, expanded at each backup, e.g. /home/*/Documents (repeatable)'),
  include_regex: key.regexes(
    'with at least one, a path below an include is backed up only if one matches it: directories too, one that does not match is not entered (repeatable)',
  ),
  include_ext: key.extensions(
    'include_ext',
    'with at least one, only entries whose name ends in .EXT are backed up (case-insensitive; directories are entered, and kept for what they hold) (repeatable)',
  ),
  exclude_ext: key.extensions(
    'exclude_ext',
    'leave out entries whose name ends in .EXT, directories with what they hold (case-insensitive, e.g. vdi) (repeatable)',
  ),
  nobackup: key.strings('a directory holding an entry of this name is backed up empty, e.g. .nobackup (repeatable)'),
  min_file_size: key.size(0, 'leave out regular files smaller than this, e.g. 1Kb (0: no limit)'),
  max_file_size: key.size(0, 'leave out regular files larger than this, e.g. 10Mb (0: no limit)'),
  exclude_comp: key.extensions(
    'exclude_comp',
    'store the chunks of files whose name ends in .EXT uncompressed: data that is compressed already, e.g. gz (case-insensitive) (repeatable)',
  ),
  cross_filesystem: key.absolutePaths(
    'a mount point below an include whose file system the walk enters (repeatable; by default, as Burp, the walk stays on the file system of each include)',
  ),
  cross_all_filesystems: key.bool(false, 'the walk enters every file system mounted below an include'),
  exclude_fs: fsTypesKey(
    'leave out the contents of every file system of this type (tmpfs, proc, sysfs, nfs, …, or 0x… as statfs reports it), met as an include or a mount (repeatable)',
  ),
  include_fs: fsTypesKey('back up only file systems of this type (repeatable): an include or a mount of any other type is left out, as exclude_fs does'),
  acl: key.bool(true, "back up POSIX ACLs (system.posix_acl_access, system.posix_acl_default), as Burp's acl = 1 does"),
  xattr: key.bool(
    true,
    "back up the other extended attributes the agent can read (user., and as root trusted. and security.: file capabilities, SELinux labels), as Burp's xattr = 1 does",
  ),
  read_all_fifos: key.bool(false, 'back up what is written into every FIFO met, not just the FIFO itself'),
  read_fifo: key.absolutePaths('back up what is written into this FIFO (repeatable)'),
  fifo_timeout: key.int(300, 1, 86400, 'seconds to wait for a writer to open a FIFO before giving up on it'),
  read_blockdev: key.absolutePaths(
    "back up this block device's content (an LVM snapshot, a VM disk), not just the device node; a symbolic link named here is followed to its device, as Burp does (repeatable)",
  ),
  read_all_blockdevs: key.bool(false, 'back up the content of every block device met, not just the device node'),
  network_timeout: key.int(120, 5, 86400, 'seconds of server silence before the agent gives up'),
  ratelimit: key.optionalDecimal(
    0,
    100000,
    'the most the node sends to the server, in Mbit/s as Burp counts them (2^20 bits: 8 = 1 MiB/s; fractions allowed, e.g. 0.5); absent: as fast as the network takes it',
  ),
  zstd_level: zstdLevelKey(
    'zstd level for the chunks this node sends (-7 to -1: zstd\'s fast levels, less CPU for more stored bytes; 1 to 19, 19 very slow: about 3 MiB/s per core; 0 is refused; 3: measured on both benchmark datasets, see PERFORMANCE.md, "Compression"); what is stored reads back whatever the level',
  ),
  read_concurrency: key.int(
    2,
    1,
    64,
    'files read at once during a backup, each on a worker thread that also compresses (reads in flight on a cold disk; about 13 MB each; see PERFORMANCE.md)',
  ),
  encryption: key.bool(
    false,
    'encrypt file contents and file lists on this node before they leave it (needs a master key: cpsbackup --init-key makes it on a new node, or writes it back on a rebuilt one)',
  ),
  encryption_key_file: key.optionalPath("this node's master key (default: encryption.key beside node.conf)"),
  encryption_password: key.string(
    '',
    "the passphrase that wraps the master key kept on the server (turns encryption on, as Burp's key does): with it alone a rebuilt node can restore",
  ),
  encryption_padding: key.oneOf(
    ['padme', 'none'] as const,
    'padme',
    "with encryption: pad what is sealed so the server cannot tell a file's size from its stored chunk (padme: to one of 16 lengths per doubling up to 64 KiB, 32 above, at least 1 KiB; see OPERATIONS.md, Encrypted nodes), or not (none)",
  ),
  password: key.string('', "one-time enrolment password (the one in the server's clients/<cname> file), for cpsbackup --enrol"),
  storage_conf: key.optionalPath('the dump jobs file (default: storage.conf beside node.conf, if present)'),
  // Burp's backup and restore scripts (see OPERATIONS.md, "Scripts").
  backup_script_pre: key.optionalPath(
    'run before each backup (before the dump jobs start), with: pre, reserved2 to reserved5, then backup_script_pre_arg (as Burp); non-zero: no backup',
  ),
  backup_script_pre_arg: key.strings('an extra argument for backup_script_pre (repeatable)'),
  backup_script_post: key.optionalPath(
    'run after each backup, with: post, 0 (it succeeded) or 1 (it failed), reserved3 to reserved5, then backup_script_post_arg (as Burp); non-zero fails the job',
  ),
  backup_script_post_arg: key.strings('an extra argument for backup_script_post (repeatable)'),
  backup_script_post_run_on_fail: key.bool(false, 'run backup_script_post after a failed backup too (by default only after one that succeeded)'),
  backup_script: key.optionalPath('run as both backup_script_pre and backup_script_post (overrides them)'),
  backup_script_arg: key.strings('replaces backup_script_pre_arg and backup_script_post_arg (repeatable)'),
  backup_script_reserved_args: key.bool(true, 'pass the reserved arguments (pre/post, the result, reservedN) before the _arg ones; 0: only the _arg ones'),
  restore_script_pre: key.optionalPath(
    'run before each restore, with: pre, reserved2 to reserved5, then restore_script_pre_arg (as Burp); non-zero: no restore',
  ),
  restore_script_pre_arg: key.strings('an extra argument for restore_script_pre (repeatable)'),
  restore_script_post: key.optionalPath(
    'run after each restore (and its dumps loaded), with: post, 0 (it succeeded) or 1 (it failed), reserved3 to reserved5, then restore_script_post_arg (as Burp)',
  ),
  restore_script_post_arg: key.strings('an extra argument for restore_script_post (repeatable)'),
  restore_script_post_run_on_fail: key.bool(false, 'run restore_script_post after a failed restore too (by default only after one that succeeded)'),
  restore_script: key.optionalPath('run as both restore_script_pre and restore_script_post (overrides them)'),
  restore_script_arg: key.strings('replaces restore_script_pre_arg and restore_script_post_arg (repeatable)'),
  restore_script_reserved_args: key.bool(true, 'pass the reserved arguments (pre/post, the result, reservedN) before the _arg ones; 0: only the _arg ones'),
  script_timeout: key.timeout(3600, 'a backup or restore script still running after this long is killed with what it started, and counts as failed (e.g. 30m)'),
  spool_dir: key.path('', "where a backup keeps the previous backup's file list while it runs (an unlinked file; default: the system's temporary directory)"),
  lock_file: key.optionalPath(
    "held during a backup so that two never run at once (the daemon and a manual -e); its directory is made if missing. Default: one per node.conf, /run/cpsbackup/<node.conf's real path as systemd-escape --path writes it>.lock (/run/cpsbackup/etc-cpsbackup-node.conf.lock)",
  ),
  nice: key.int(
    10,
    -20,
    19,
    'the CPU niceness of a backup (-e, the daemon, cron and the timer alike), set on every thread of the agent when it starts and inherited by scripts and dump jobs (0: as a login shell; below the niceness it started with needs CAP_SYS_NICE)',
  ),
  ionice: ioPriorityKey(
    'best-effort:7',
    'the I/O priority of a backup, set as nice is: best-effort:N (0 highest to 7 lowest), idle (only when no one else uses the disk: can stall a backup for hours on a busy one), or none (as started); heeded by the BFQ I/O scheduler',
  ),
  backup_interval: key.duration(86400, 'the daemon backs up when the last successful backup is this old (e.g. 24h)'),
  backup_window: key.strings('when the daemon may start a backup, e.g. "Mon-Fri 01:00-05:00" or "* 22:00-06:00" (repeatable; none: any time)'),
  random_delay: key.duration(0, 'the daemon waits a random time up to this before each backup, so nodes do not all start at once'),
  retry_min: key.duration(60, 'first wait before retrying a failed backup (doubles each time)'),
  retry_max: key.duration(3600, 'longest wait between retries'),
  log_level: key.oneOf(['trace', 'debug', 'info', 'warn', 'error'] as const, 'info', 'daemon log verbosity'),
  restoreprefix: key.optionalPath('where -i restores when --to is not given (as Burp; --to / still means the original paths); unset: the original paths'),
  enabled: key.bool(true, '0: no backups from this node (the daemon makes none; -e says so and exits 0, as Burp); restores and lists still work'),
  scan_problem_raises_error: key.bool(false, '1: an include that cannot be read fails the backup (exit 1) instead of making it partial (as Burp)'),
};
/** A parsed node.conf. */
export type NodeConfig = Omit<ConfigOf<typeof nodeSchema>, keyof SslPaths | 'encryption_key_file' | 'lock_file'> &
  SslPaths & {
    /** lock_file, or the default of this node.conf (lock-file.ts). */
    lock_file: string;
    /** Where the master key is (encryption_key_file, or encryption.key beside node.conf). */
    encryption_key_file: string;
    configFile: string;
    /** cname was not set: the host name stands in (said in errors where it matters). */
    cnameFromHostname: boolean;
    /** Burp keys the file carries that were ignored, one line each (the CLI prints them). */
    warnings: string[];
  };

/**
 * Burp's certificate file names, in an ssl/ directory beside the config
 * file as the Canopsis cpsbackup page keeps them, for keys the file leaves
 * unset.
 */
function sslPaths(configFile: string, role: 'server' | 'client', given: Partial<Record<keyof SslPaths, string | undefined>>): SslPaths {
  const ssl = path.join(path.dirname(configFile), 'ssl');
  return {
    ssl_cert_ca: given.ssl_cert_ca ?? path.join(ssl, 'ssl_cert_ca.pem'),
    ssl_cert: given.ssl_cert ?? path.join(ssl, `ssl_cert-${role}.pem`),
    ssl_key: given.ssl_key ?? path.join(ssl, `ssl_cert-${role}.key`),
  };
}

/** Loads server.conf; relative paths are relative to the file. */
/** The shortest status_token said nothing about: 16 random characters are beyond guessing over a network. */
const STATUS_TOKEN_MIN = 16;

export function loadServerConfig(file: string): ServerConfig {
  const abs = path.resolve(file);
  const warnings: string[] = [];
  const c = loadConfig(abs, serverSchema, { burp: BURP_SERVER_KEYS, warnings });
  if (c.storage === 's3' && !c.s3_bucket) throw new ConfigError(abs, undefined, 's3_bucket', 'storage = s3 needs s3_bucket');
  if (c.s3_retry_time < 10 || c.s3_retry_time > 86400) {
    throw new ConfigError(
      abs,
      undefined,
      's3_retry_time',
      `s3_retry_time = ${c.s3_retry_time} s is out of range: between 10s and 24h (a gateway restart takes seconds, a full cluster minutes; 5m is the default)`,
    );
  }
  // Anyone who reaches the status port may try tokens: a short one is guessed.
  if (c.status_token && c.status_token.length < STATUS_TOKEN_MIN) {
    warnings.push(
      `${abs}: status_token is ${c.status_token.length} characters: anyone who can reach the status port can guess a short one; use at least ${STATUS_TOKEN_MIN} random characters (openssl rand -hex 16)`,
    );
  }
  return {
    ...c,
    ...sslPaths(abs, 'server', c),
    warnings,
    keep: c.keep.length ? c.keep : [5],
    clientconfdir: c.clientconfdir ?? path.join(path.dirname(abs), 'clients'),
    records_key: c.records_key ?? path.join(path.dirname(abs), 'records.key'),
    configFile: abs,
  };
}

/** Client names double as file names: keep them plain. */
export const CLIENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Loads `clients/<name>` from the client directory. */
export function loadClientConfig(clientconfdir: string, name: string): ClientConfig {
  if (!CLIENT_NAME_PATTERN.test(name)) throw new ConfigError(clientconfdir, undefined, undefined, `invalid client name ${JSON.stringify(name)}`);
  const file = path.join(clientconfdir, name);
  const warnings: string[] = [];
  const c = loadConfig(file, clientSchema, {
    burp: BURP_SERVER_KEYS,
    elsewhere: NODE_KEYS_IN_CLIENT_FILE,
    refusedElsewhere: { keys: nodeSchema, problem: nodeKeyInClientFile },
    warnings,
  });
  return { ...c, warnings, ssl_peer_cn: c.ssl_peer_cn || name, dedup_group: c.dedup_group || name, name, configFile: file };
}

/** What Burp refused too, or what would back up nothing: said before any backup runs. */
function checkSelection(file: string, c: ConfigOf<typeof nodeSchema>): void {
  const fail = (k: string, why: string) => {
    throw new ConfigError(file, undefined, k, why);
  };
  for (const n of c.nobackup) if (n.includes('/')) fail('nobackup', `nobackup takes a file name, e.g. .nobackup, not a path: got ${JSON.stringify(n)}`);
  if (c.include_regex.length > 0 && c.include.length === 0 && c.include_glob.length === 0) {
    fail('include_regex', 'include_regex selects below an include: add at least one include or include_glob');
  }
  if (c.min_file_size > 0 && c.max_file_size > 0 && c.min_file_size > c.max_file_size) {
    fail('min_file_size', `min_file_size (${c.min_file_size} bytes) is above max_file_size (${c.max_file_size} bytes): no file would be backed up`);
  }
  const trim = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);
  const included = new Set(c.include.map(trim));
  for (const x of c.exclude) if (included.has(trim(x))) fail('exclude', `${x} is both included and excluded: remove one of the two lines`);
}

/** Loads node.conf. */
export function loadNodeConfig(file: string, hostname: string): NodeConfig {
  const abs = path.resolve(file);
  const warnings: string[] = [];
  const c = loadConfig(abs, nodeSchema, { burp: BURP_NODE_KEYS, warnings });
  checkSelection(abs, c);
  const cname = c.cname || hostname;
  if (!CLIENT_NAME_PATTERN.test(cname)) {
    const why = c.cname ? '' : ' (cname is not set, so the host name is used: set cname = <the name of your client file on the server>)';
    throw new ConfigError(abs, undefined, 'cname', `invalid client name ${JSON.stringify(cname)}${why}`);
  }
  return {
    ...c,
    ...sslPaths(abs, 'client', c),
    encryption: c.encryption || c.encryption_password !== '',
    encryption_key_file: c.encryption_key_file ?? path.join(path.dirname(abs), 'encryption.key'),
    lock_file: c.lock_file ?? defaultLockFile(abs),
    cname,
    cnameFromHostname: !c.cname,
    configFile: abs,
    warnings,
  };
}
