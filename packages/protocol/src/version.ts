/** Wire protocol version; bump for any change an older peer would misread. */
export const PROTOCOL_VERSION = 11;

/**
 * Largest frame either side accepts, checked against the length prefix
 * before any allocation: the largest chunk (16 MiB) plus room for its header.
 */
export const MAX_FRAME_BYTES = 17 * 1024 * 1024;

/** Bytes of the big-endian length prefix. */
export const FRAME_HEADER_BYTES = 4;
