/**
 * cpsbackup keys written in a file that does not read them. Each tunes how
 * the node works, not what it protects: the line is ignored with a warning
 * naming the file that reads it, and the file is served as it would be
 * without it (a key of no file stays an "unknown key" error).
 */

/** node.conf keys met in a server's client file: the node does this work, so only its node.conf sets it. */
export const NODE_KEYS_IN_CLIENT_FILE: Record<string, string> = {
  zstd_level:
    "the node compresses its chunks: set zstd_level in that node's node.conf, and remove this line; server.conf's zstd_level is only for what the server compresses itself, listings",
  read_concurrency: "the node reads its files: set read_concurrency in that node's node.conf, and remove this line",
};
