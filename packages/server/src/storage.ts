/**
 * The store server.conf describes: the catalog in `directory`; packs and
 * backup records there too (storage = local) or in an S3-compatible bucket
 * (storage = s3), with its credentials file read at start and on SIGHUP.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ServerConfig } from '@cpsbackup/config';
import { isStoreError, Store, type StorageBackend, type StoreError } from '@cpsbackup/store';
import type * as S3Storage from '@cpsbackup/store/s3';

type S3Credentials = S3Storage.S3Credentials;

/** The S3 backend's module, loaded only where storage = s3 (the AWS SDK it brings costs 40 ms and 12 MB at start). */
function s3Storage(): typeof S3Storage {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@cpsbackup/store/s3') as typeof S3Storage;
}

/** The bucket's access key, as last read from s3_credentials_file (never logged: only the file's name is). */
export class S3CredentialsFile {
  private current: S3Credentials;

  constructor(readonly file: string) {
    this.current = readCredentials(file);
  }

  get(): S3Credentials {
    return this.current;
  }

  /** Reads the file again (SIGHUP); on failure the previous credentials stay in use and the error says why. */
  reload(): void {
    this.current = readCredentials(this.file);
  }

  /** What is wrong with who may read the file (its group or others may), with what to do; undefined when it is private. */
  exposure(): string | undefined {
    let mode: number;
    try {
      mode = fs.statSync(this.file).mode & 0o777;
    } catch {
      return undefined; // read a moment ago; a file gone since is the next reload's business
    }
    if ((mode & 0o077) === 0) return undefined;
    return `s3_credentials_file ${this.file} may be read by its group or by others (mode ${mode.toString(8).padStart(4, '0')}): the bucket's key is in it; chmod 600 it (owned by the daemon's user)`;
  }
}

/** `key = value` lines (access_key_id, secret_access_key, optional session_token); # starts a comment. */
function readCredentials(file: string): S3Credentials {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`s3_credentials_file ${file} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  const values = new Map<string, string>();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`s3_credentials_file ${file}:${i + 1}: expected "key = value"`);
    values.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const accessKeyId = values.get('access_key_id');
  const secretAccessKey = values.get('secret_access_key');
  if (!accessKeyId || !secretAccessKey) throw new Error(`s3_credentials_file ${file} must set access_key_id and secret_access_key`);
  const sessionToken = values.get('session_token');
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/** How to make the backend server.conf describes (undefined: the local directory), and its credentials file if any. */
export function backendFor(config: ServerConfig): { backend?: (dir: string) => StorageBackend; credentials?: S3CredentialsFile } {
  if (config.storage !== 's3') return {};
  const credentials = config.s3_credentials_file ? new S3CredentialsFile(config.s3_credentials_file) : undefined;
  const { S3Backend } = s3Storage();
  const backend = (dir: string) =>
    new S3Backend(dir, {
      endpoint: config.s3_endpoint,
      bucket: config.s3_bucket,
      region: config.s3_region,
      prefix: config.s3_prefix,
      pathStyle: config.s3_path_style,
      credentials: credentials ? () => credentials.get() : undefined,
      cacheBytes: config.s3_cache_size,
      retryTimeMs: config.s3_retry_time * 1000,
    });
  return { backend, credentials };
}

/**
 * The key that signs the backup records: where server.conf's records_key
 * says (default: beside server.conf), with the TLS keys, never in the store
 * directory or the bucket (write access to the storage must not be enough to
 * forge a record). Backed up with the configuration.
 */
export function recordsKeyFile(config: ServerConfig): string {
  return config.records_key;
}

/**
 * The one line cpsbackupd says when its key is missing and it may not make
 * it (the packaged daemon: its own user, /etc read-only under systemd): what
 * is missing, why it cannot be made, and the command that makes it.
 */
export function unwritableKeyMessage(config: ServerConfig, err: StoreError): string {
  const file = recordsKeyFile(config);
  const cause = String(err.context.cause ?? '');
  const why =
    cause === 'EROFS'
      ? `${path.dirname(file)} is read-only to it (under systemd, ProtectSystem=strict makes /etc so)`
      : `${path.dirname(file)} is not writable by ${userName()} (${cause})`;
  return `the records key ${file} is missing and cpsbackupd cannot make it: ${why}; make it as root with: cpsbackupd --make-records-key -c ${config.configFile}`;
}

function userName(): string {
  try {
    return `user ${os.userInfo().username}`;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`; // no passwd entry (a DynamicUser, a container)
  }
}

/** Opens the store server.conf describes (recovering from any crash). */
export async function openStore(config: ServerConfig): Promise<{ store: Store; credentials?: S3CredentialsFile }> {
  const { backend, credentials } = backendFor(config);
  const options = {
    zstdLevel: config.zstd_level,
    gracePeriodMs: config.gc_grace * 1000,
    recordsKey: recordsKeyFile(config),
    leaseMs: config.storage_lease * 1000,
  };
  try {
    const store = await Store.open(config.directory, options, backend);
    return { store, credentials };
  } catch (err) {
    if (isStoreError(err, 'RECORDS_KEY_UNWRITABLE')) throw new Error(unwritableKeyMessage(config, err), { cause: err });
    throw err;
  }
}
