/** Why a key or an encrypted chunk was refused; callers switch on `code`, people read `message`. */
export type CryptoErrorCode =
  /** An encrypted chunk failed its authentication: damaged, or not made with this key for this id. */
  | 'CHUNK_AUTH_FAILED'
  /** The passphrase does not open the wrapped key. */
  | 'WRONG_PASSPHRASE'
  /** A key file or wrapped key that is not one. */
  | 'BAD_KEY';

export class CryptoError extends Error {
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CryptoError';
  }
}

export function isCryptoError(err: unknown, code?: CryptoErrorCode): err is CryptoError {
  return err instanceof CryptoError && (code === undefined || err.code === code);
}
