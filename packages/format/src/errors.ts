/** Why bytes could not be read as the format says; callers switch on `code`. */
export type FormatErrorCode =
  /** A chunk payload that does not decode to its declared length. */
  | 'CHUNK_CORRUPT'
  /** Manifest or entry records that do not parse. */
  | 'MANIFEST_CORRUPT'
  /** A value the format cannot hold (a chunk id of the wrong size, a varint out of range). */
  | 'BAD_ARGUMENT';

/** Bytes that break the shared format: the caller decides whether that is a hostile peer or damaged storage. */
export class FormatError extends Error {
  constructor(
    readonly code: FormatErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FormatError';
  }
}

/** True when `err` is a FormatError (with the given code). */
export function isFormatError(err: unknown, code?: FormatErrorCode): err is FormatError {
  return err instanceof FormatError && (code === undefined || err.code === code);
}
