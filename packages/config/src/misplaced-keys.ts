/**
 * cpsbackup keys written in a file that does not read them. A key that tunes
 * how the node works, not what it protects, is ignored with a warning naming
 * the file that reads it, and the file is served as it would be without it.
 * Any other node.conf key in a client file (what is backed up, encryption,
 * where restores go, the node's identity) is refused, saying where it goes:
 * ignoring it could leave the operator believing the node does what it does
 * not. A key of no file stays an "unknown key" error.
 */

const NODE_READS = "the node reads it: set it in that node's node.conf, and remove this line";
const NODE_SCHEDULES =
  "the node's daemon schedules its backups: set it in that node's node.conf, and remove this line; expected_interval (server.conf or this file) says when the server reports the node overdue";

/** node.conf keys met in a server's client file that only tune the node: ignored, with where they go. */
export const NODE_KEYS_IN_CLIENT_FILE: Record<string, string> = {
  zstd_level:
    "the node compresses its chunks: set zstd_level in that node's node.conf, and remove this line; server.conf's zstd_level is only for what the server compresses itself, listings",
  read_concurrency: "the node reads its files: set read_concurrency in that node's node.conf, and remove this line",
  ratelimit:
    "the node limits what it sends: set ratelimit in that node's node.conf, and remove this line; server.conf's ratelimit limits what the server sends",
  nice: "the node sets its backups' CPU priority: set nice in that node's node.conf, and remove this line",
  ionice: "the node sets its backups' I/O priority: set ionice in that node's node.conf, and remove this line",
  spool_dir: NODE_READS,
  network_timeout: NODE_READS,
  fifo_timeout: NODE_READS,
  script_timeout: NODE_READS,
  lock_file: NODE_READS,
  log_level: NODE_READS,
  backup_interval: NODE_SCHEDULES,
  backup_window: NODE_SCHEDULES,
  random_delay: NODE_SCHEDULES,
  retry_min: NODE_SCHEDULES,
  retry_max: NODE_SCHEDULES,
};

/** What a client file is told of any other node.conf key it carries (refused). */
export function nodeKeyInClientFile(key: string): string {
  return `is a node.conf key: the node reads it from its own node.conf, never from the server's client file, so it is not applied here; move ${key} to that node's node.conf and remove this line`;
}
