/**
 * The master key wrapped by a passphrase, so a node rebuilt from nothing
 * can get its key back with the passphrase alone (the server keeps this
 * copy: it cannot open it). scrypt (node:crypto) turns the passphrase into
 * a key-encryption key; AES-256-GCM seals the master key with it.
 * Changing the passphrase wraps the same master key again: no chunk is
 * encrypted anew.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { CryptoError } from './errors';
import { MASTER_KEY_BYTES } from './chunk-keys';

/** scrypt's cost: 2^17 × 8 × 128 bytes = 128 MiB and about half a second here, per try (OWASP's recommendation). */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };

const AAD = Buffer.from('cpsbackup wrapped master key v1');

interface WrappedKeyFile {
  format: 'cpsbackup-wrapped-key';
  version: 1;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  nonce: string;
  sealed: string;
}

function kek(passphrase: string, salt: Buffer, cost: ScryptCost): Buffer {
  if (passphrase.length === 0) throw new CryptoError('BAD_KEY', 'an empty passphrase protects nothing');
  return scryptSync(Buffer.from(passphrase.normalize('NFC'), 'utf8'), salt, 32, { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 });
}

/** The master key wrapped by `passphrase`, as a small JSON document. */
export function wrapMasterKey(master: Buffer, passphrase: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Buffer {
  if (master.length !== MASTER_KEY_BYTES) throw new CryptoError('BAD_KEY', `a master key is ${MASTER_KEY_BYTES} bytes, not ${master.length}`);
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek(passphrase, salt, cost), nonce);
  cipher.setAAD(AAD);
  const sealed = Buffer.concat([cipher.update(master), cipher.final(), cipher.getAuthTag()]);
  const doc: WrappedKeyFile = {
    format: 'cpsbackup-wrapped-key',
    version: 1,
    kdf: 'scrypt',
    ...cost,
    salt: salt.toString('base64'),
    nonce: nonce.toString('base64'),
    sealed: sealed.toString('base64'),
  };
  return Buffer.from(JSON.stringify(doc) + '\n');
}

/** The master key inside a wrapped key; WRONG_PASSPHRASE if `passphrase` does not open it. */
export function unwrapMasterKey(wrapped: Buffer, passphrase: string): Buffer {
  let doc: Partial<WrappedKeyFile>;
  try {
    doc = JSON.parse(wrapped.toString('utf8')) as Partial<WrappedKeyFile>;
  } catch {
    throw new CryptoError('BAD_KEY', 'the wrapped key is not a cpsbackup wrapped key (not JSON)');
  }
  if (doc.format !== 'cpsbackup-wrapped-key' || doc.version !== 1 || doc.kdf !== 'scrypt' || !doc.salt || !doc.nonce || !doc.sealed) {
    throw new CryptoError('BAD_KEY', 'the wrapped key is not a cpsbackup wrapped key of version 1');
  }
  const cost = { N: Number(doc.N), r: Number(doc.r), p: Number(doc.p) };
  // Bounded: a forged document must not make a node spend gigabytes or hours on one try.
  if (!(cost.N >= 2 ** 14 && cost.N <= 2 ** 20 && (cost.N & (cost.N - 1)) === 0 && cost.r >= 1 && cost.r <= 32 && cost.p >= 1 && cost.p <= 16)) {
    throw new CryptoError('BAD_KEY', `the wrapped key asks for an scrypt cost out of bounds (N=${doc.N}, r=${doc.r}, p=${doc.p})`);
  }
  const sealed = Buffer.from(doc.sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', kek(passphrase, Buffer.from(doc.salt, 'base64'), cost), Buffer.from(doc.nonce, 'base64'));
  decipher.setAAD(AAD);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    const master = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
    if (master.length !== MASTER_KEY_BYTES) throw new Error('length');
    return master;
  } catch {
    throw new CryptoError('WRONG_PASSPHRASE', 'the passphrase does not open this key (a wrong passphrase, or a damaged wrapped key)');
  }
}
