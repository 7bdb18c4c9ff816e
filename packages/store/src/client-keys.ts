/**
 * What the server keeps of an encrypted node's key, and which key a
 * node's backups must be made with.
 *
 * A node registers its key (cpsbackup --init-key, --change-key): its key
 * id, and, when it has a passphrase, its master key wrapped by it (the
 * server cannot unwrap it). One object per client beside the records
 * (`keys/<client>`), so it survives a rebuilt catalog and lives in the
 * bucket with storage = s3. A record of the first form, the wrapped key
 * alone, names no key.
 *
 * A node's backups are bound to its registered key; backups it made
 * with another key were kept through a key change and bind nothing (they
 * are read with the key they were made with). A node that registered no
 * key yet is bound to the key of every encrypted backup it has.
 */
import { describeKeyCounts, keyIdText } from '@cpsbackup/format';
import { type StorageBackend } from './backend';
import { wrappedKeyObject } from './backup-records';
import { type Catalog, type SealedKeyCount } from './catalog';
import { StoreError } from './errors';

/** Where the key records are (wrappedKeyObject names one). */
const KEYS_PREFIX = 'keys/';

const FORMAT = 'cpsbackup-key-record';

/** A client's key as the server keeps it. */
export interface ClientKey {
  /** The key the node registered (undefined: a record kept before keys were registered, a wrapped key alone). */
  keyId?: Buffer;
  /** The master key wrapped by the node's passphrase (undefined: none). */
  wrapped?: Buffer;
}

/** A key record: a small JSON document. */
function encodeClientKey(key: { keyId: Buffer; wrapped?: Buffer }): Buffer {
  if (key.keyId.length !== 32) throw new StoreError('BAD_ARGUMENT', `a key id is 32 bytes, not ${key.keyId.length}`);
  return Buffer.from(JSON.stringify({ format: FORMAT, version: 1, keyId: key.keyId.toString('hex'), wrapped: key.wrapped?.toString('base64') ?? null }) + '\n');
}

/**
 * A key record's content. Anything else is taken for a record of the
 * first form, a wrapped key alone naming no key (a damaged record too:
 * its node is then bound to all its backups' keys, and told its copy does
 * not unwrap; the server still starts).
 */
function decodeClientKey(bytes: Buffer): ClientKey {
  let doc: { format?: unknown; version?: unknown; keyId?: unknown; wrapped?: unknown } | undefined;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as typeof doc;
  } catch {
    doc = undefined;
  }
  if (doc?.format !== FORMAT || doc.version !== 1 || typeof doc.keyId !== 'string' || !/^[0-9a-f]{64}$/.test(doc.keyId)) return { wrapped: bytes };
  return { keyId: Buffer.from(doc.keyId, 'hex'), ...(typeof doc.wrapped === 'string' && doc.wrapped ? { wrapped: Buffer.from(doc.wrapped, 'base64') } : {}) };
}

/** Every key record in the backend, by object name. */
async function loadClientKeys(backend: Pick<StorageBackend, 'listObjects' | 'readObject'>): Promise<Map<string, ClientKey>> {
  const keys = new Map<string, ClientKey>();
  for (const name of await backend.listObjects(KEYS_PREFIX)) {
    const bytes = await backend.readObject(name);
    if (bytes) keys.set(name, decodeClientKey(bytes));
  }
  return keys;
}

/**
 * Refuses (KEY_MISMATCH) a backup of `client` made with `keyId`, or its
 * registration of that key: it must be the client's registered key (when
 * it has one), and every backup of the dedup group that binds a client
 * must be made with it (a group shares what it stores, so its nodes share
 * one key). `registered` gives each client's registered key.
 */
function checkBackupKey(
  client: string,
  group: string,
  keyId: Buffer,
  groupKeys: readonly SealedKeyCount[],
  registered: (client: string) => Buffer | undefined,
): void {
  const own = registered(client);
  if (own && !own.equals(keyId)) {
    const made = groupKeys.filter((k) => k.client === client && k.keyId.equals(own));
    throw new StoreError(
      'KEY_MISMATCH',
      `this node's key (${keyIdText(keyId)}) is not the key registered for ${client} (${keyIdText(own)}, by cpsbackup --init-key or --change-key)` +
        (made.length
          ? `; ${describeKeyCounts(made)}. Give this node the key file that holds it (on a rebuilt node, cpsbackup --init-key fetches it from the copy the server keeps, with the passphrase), or change the key with cpsbackup --change-key`
          : ` and no backup was made with that one: run cpsbackup --init-key to register the key this node holds`),
      { client, group },
    );
  }
  for (const k of groupKeys) {
    if (k.keyId.equals(keyId)) continue;
    const theirs = k.client === client ? own : registered(k.client);
    if (theirs && !theirs.equals(k.keyId)) continue; // kept through a key change: read with its own key, binds nobody
    if (k.client === client) {
      throw new StoreError(
        'KEY_MISMATCH',
        `this node's key (${keyIdText(keyId)}) is not the one its backups were made with: ${describeKeyCounts([k])}. Give this node the key file that holds it (on a rebuilt node, cpsbackup --init-key fetches it from the copy the server keeps, with the passphrase), or change the key with cpsbackup --change-key`,
        { client, group },
      );
    }
    throw new StoreError(
      'KEY_MISMATCH',
      `dedup group ${group} holds backups encrypted with another key: give this node that key (its key file), or put it in a dedup group of its own`,
      { client, group },
    );
  }
}

/** Every client's key record, read at open and kept up to date as keys are registered; and which key a backup must be made with. */
export class ClientKeyRecords {
  /** By object name (wrappedKeyObject). */
  private keys = new Map<string, ClientKey>();

  constructor(
    private readonly backend: Pick<StorageBackend, 'listObjects' | 'readObject' | 'writeObject'>,
    private readonly catalog: Pick<Catalog, 'sealedBackupKeys'>,
  ) {}

  /** Reads every key record (at open). */
  async load(): Promise<void> {
    this.keys = await loadClientKeys(this.backend);
  }

  /** What the store keeps of a client's key (undefined: nothing). */
  get(client: string): ClientKey | undefined {
    return this.keys.get(wrappedKeyObject(client));
  }

  /**
   * Registers `keyId` as the client's key, with its master key wrapped by
   * the passphrase (undefined: no copy). The record is written whole and
   * durably, replacing the one before; it counts once written.
   */
  async register(client: string, keyId: Buffer, wrapped: Buffer | undefined): Promise<void> {
    const key = wrapped ? { keyId, wrapped } : { keyId };
    await this.backend.writeObject(wrappedKeyObject(client), encodeClientKey(key));
    this.keys.set(wrappedKeyObject(client), key);
  }

  /**
   * Refuses an encrypted backup of `client` whose key is not its
   * registered one, or not the one its dedup group's backups are bound to
   * (checkBackupKey). `registered`: the client's key as if registered (a
   * registration checks the key it registers).
   */
  assertBackupKey(client: string, group: string, keyId: Buffer, registered = this.get(client)?.keyId): void {
    checkBackupKey(client, group, keyId, this.catalog.sealedBackupKeys({ group }), (c) => (c === client ? registered : this.get(c)?.keyId));
  }
}
