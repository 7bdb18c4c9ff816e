/** What a backup run did, for the summary, progress display and tests. */
export interface BackupCounters {
  /** Entries walked and sent. */
  entries: number;
  /** Files (and FIFOs) whose content was read. */
  filesRead: number;
  /** Content bytes read from disk or FIFOs. */
  bytesRead: number;
  /** Files whose chunk list was reused from the previous backup without reading them, and their bytes. */
  filesUnchanged: number;
  bytesUnchanged: number;
  /** Chunks the server lacked and that were sent, and their bytes on the wire (compressed). */
  chunksSent: number;
  chunkBytesSent: number;
  /** Chunks the server already had. */
  chunksDeduplicated: number;
  /** Chunks of files read again that the parent held at the same path: known to be stored, so neither asked about nor sent. */
  chunksInParent: number;
  warnings: number;
}

export function newBackupCounters(): BackupCounters {
  return {
    entries: 0,
    filesRead: 0,
    bytesRead: 0,
    filesUnchanged: 0,
    bytesUnchanged: 0,
    chunksSent: 0,
    chunkBytesSent: 0,
    chunksDeduplicated: 0,
    chunksInParent: 0,
    warnings: 0,
  };
}
