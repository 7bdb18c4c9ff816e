/**
 * A node's master key on its disk: one line of text, so it can be copied,
 * printed and typed back. Written whole and durable-ready by the caller
 * (mode 0600); read with its format checked.
 */
import { CryptoError } from './errors';
import { MASTER_KEY_BYTES } from './chunk-keys';

const HEADER = 'cpsbackup-master-key-v1';

/** The key file's text: "cpsbackup-master-key-v1 <base64>\n". */
export function formatKeyFile(master: Buffer): string {
  if (master.length !== MASTER_KEY_BYTES) throw new CryptoError('BAD_KEY', `a master key is ${MASTER_KEY_BYTES} bytes, not ${master.length}`);
  return `${HEADER} ${master.toString('base64')}\n`;
}

/** The master key in a key file's text; BAD_KEY naming the file if it is not one. */
export function parseKeyFile(text: string, file: string): Buffer {
  const m = /^cpsbackup-master-key-v1 ([A-Za-z0-9+/]{43}=)\s*$/.exec(text.trim());
  if (!m) throw new CryptoError('BAD_KEY', `${file} is not a cpsbackup master key (expected one line "${HEADER} <44 base64 characters>")`);
  return Buffer.from(m[1]!, 'base64');
}
