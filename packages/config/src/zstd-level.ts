import { type KeySpec } from './spec';

/** Used where zstd_level is not set: measured on both benchmark datasets (PERFORMANCE.md, "Compression"). */
export const DEFAULT_ZSTD_LEVEL = 3;

/** The levels zstd_level takes, as every message about one names them (burp-keys.ts's note for Burp's compression too). */
export const ZSTD_LEVEL_RANGE = "-7 to -1 (zstd's fast levels) or 1 to 19";

/** The same, with what a user choosing one needs to know. */
const RANGE = `${ZSTD_LEVEL_RANGE} (19 is very slow: about 3 MiB/s per core); ${DEFAULT_ZSTD_LEVEL} is the default`;

/**
 * A zstd level. 0 is refused: zstd reads it as its default level (3), while
 * Burp's compression = 0 means off; a file saying 0 means one or the other.
 */
function parseZstdLevel(raw: string): number {
  if (!/^-?\d+$/.test(raw)) throw new Error(`expected a whole number, ${RANGE}; got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n === 0) {
    throw new Error(
      `0 is not a level cpsbackup takes: zstd reads it as level ${DEFAULT_ZSTD_LEVEL}, while Burp's compression = 0 means off. Give ${RANGE} ` +
        "(to store files that are compressed already as they are, name their extensions in node.conf's exclude_comp)",
    );
  }
  if (n < -7 || n > 19) throw new Error(`must be between -7 and 19, got ${n}: give ${RANGE}`);
  return n;
}

/** The zstd_level key (node.conf, server.conf). */
export function zstdLevelKey(help: string): KeySpec<number> {
  return {
    repeatable: false,
    required: false,
    defaultValue: DEFAULT_ZSTD_LEVEL,
    help,
    parseOne: (raw) => parseZstdLevel(raw),
    combine: (values) => values[values.length - 1] as number,
  };
}
