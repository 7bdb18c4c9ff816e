/**
 * @cpsbackup/crypto: client-side encryption. A node's master key names its
 * chunks (HMAC-SHA-256 ids) and seals them (AES-256-GCM, the id as
 * additional data); a passphrase wraps the master key for recovery
 * (scrypt). All from node:crypto; nothing here touches a file or a socket.
 */
export {
  ChunkKeys,
  keyedChunkId,
  MASTER_KEY_BYTES,
  newMasterKey,
  padme,
  type Padding,
  PADDINGS,
  PADDING_FLOOR,
  paddedLength,
  SEAL_OVERHEAD,
} from './chunk-keys';
export { CryptoError, type CryptoErrorCode, isCryptoError } from './errors';
export { DEFAULT_SCRYPT_COST, type ScryptCost, unwrapMasterKey, wrapMasterKey } from './wrapped-key';
export { formatKeyFile, parseKeyFile } from './key-file';
