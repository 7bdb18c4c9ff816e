import { ProtocolError } from './convert';

/**
 * Bounds on what a peer may send, beyond the frame size: each is checked
 * where the field is read, and a field over its bound is refused with a
 * ProtocolError naming it (the peer's request fails, nobody else's).
 */
export const LIMITS = {
  /** A backup's name (BeginBackup, LabelRequest). */
  backupNameChars: 200,
  /** A backup's description. */
  descriptionChars: 4000,
  /** The reason an agent gives for aborting. */
  abortReasonChars: 4096,
  /** The agent's version string (it is logged). */
  agentVersionChars: 100,
  /** Ids in one MissingQuery. */
  idsPerQuery: 8192,
  /** Chunk ids of a backup's root listing (EndBackup): a root listing chunk holds include roots, 16 KiB of them at least. */
  rootListingChunks: 1024,
} as const;

/** `value` as a string, refused if longer than `max` characters. */
export function boundedText(value: string | null | undefined, field: string, max: number): string {
  const text = String(value ?? '');
  if (text.length > max) throw new ProtocolError('FIELD_TOO_LONG', `${field} of ${text.length} characters refused (at most ${max})`);
  return text;
}
