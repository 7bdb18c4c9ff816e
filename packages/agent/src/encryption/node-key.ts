import * as fs from 'node:fs';
import { type NodeConfig } from '@cpsbackup/config';
import { ChunkKeys, formatKeyFile, isCryptoError, newMasterKey, parseKeyFile, unwrapMasterKey, wrapMasterKey } from '@cpsbackup/crypto';
import { createFileDurably } from '@cpsbackup/durable';
import { AgentError, ExitCode } from '../errors';
import { canPrompt, promptHidden, promptNewPassphrase } from './passphrase-prompt';
import { withServer } from '../client/server-connection';
import type Long from 'long';

/** The environment variable that may carry the passphrase (so it need not sit in node.conf). */
export const PASSPHRASE_ENV = 'CPSBACKUP_PASSPHRASE';

/** The passphrase that wraps the master key: CPSBACKUP_PASSPHRASE, else encryption_password; undefined if neither. */
export function passphraseOf(config: NodeConfig): string | undefined {
  return process.env[PASSPHRASE_ENV] || config.encryption_password || undefined;
}

/**
 * This node's chunk keys when it encrypts (undefined when it does not):
 * from its key file, or, when the file is gone (a node rebuilt from
 * scratch), from the copy the server keeps, unwrapped by the passphrase.
 */
export async function loadNodeKey(config: NodeConfig): Promise<ChunkKeys | undefined> {
  if (!config.encryption) return undefined;
  const file = config.encryption_key_file;
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new AgentError('NO_KEY', `cannot read the master key ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, ExitCode.CONFIG);
    }
  }
  if (text !== undefined) {
    try {
      return new ChunkKeys(parseKeyFile(text, file));
    } catch (err) {
      throw new AgentError('NO_KEY', (err as Error).message, ExitCode.CONFIG);
    }
  }
  const passphrase =
    passphraseOf(config) ?? (canPrompt() ? await promptHidden(`Passphrase of ${config.cname}'s master key (${file} is missing): `) : undefined);
  if (!passphrase) {
    throw new AgentError(
      'NO_KEY',
      `encryption is on but there is no master key: ${file} does not exist and no passphrase is given (encryption_password in node.conf, or ${PASSPHRASE_ENV}). On a new node run cpsbackup --init-key; on a rebuilt one give the passphrase to use the copy the server keeps`,
      ExitCode.CONFIG,
    );
  }
  const wrapped = await fetchWrappedKey(config);
  if (!wrapped) {
    throw new AgentError(
      'NO_KEY',
      `${file} does not exist and the server keeps no master key for ${config.cname}: without the key file this node's encrypted backups cannot be read. On a new node run cpsbackup --init-key`,
      ExitCode.CONFIG,
    );
  }
  return new ChunkKeys(unwrap(wrapped, passphrase));
}

function unwrap(wrapped: Buffer, passphrase: string): Buffer {
  try {
    return unwrapMasterKey(wrapped, passphrase);
  } catch (err) {
    if (isCryptoError(err)) {
      throw new AgentError(
        'BAD_PASSPHRASE',
        `the passphrase does not open the master key the server keeps for this node (${err.message}): check encryption_password or ${PASSPHRASE_ENV}`,
        ExitCode.CONFIG,
      );
    }
    throw err;
  }
}

/** What --init-key did. */
export interface InitKeyResult {
  file: string;
  /** A new master key was made (false: the existing one was kept). */
  created: boolean;
  /** A copy wrapped by the passphrase is now on the server. */
  storedOnServer: boolean;
}

/**
 * Makes this node's master key (once: an existing key file is never
 * replaced, its backups need it) and, with a passphrase, stores a copy
 * wrapped by it on the server; run again after changing the passphrase,
 * it stores the key wrapped by the new one (the data is not re-encrypted).
 */
export async function initNodeKey(config: NodeConfig): Promise<InitKeyResult> {
  const file = config.encryption_key_file;
  let master: Buffer | undefined;
  if (fs.existsSync(file)) {
    try {
      master = parseKeyFile(fs.readFileSync(file, 'utf8'), file);
    } catch (err) {
      throw new AgentError('NO_KEY', `${(err as Error).message}; it was left as it is`, ExitCode.CONFIG);
    }
  }
  // Asked before anything is written: on a terminal with no passphrase configured, typed twice. The copy on the server is what a rebuilt node restores with.
  const passphrase = passphraseOf(config) ?? (canPrompt() ? await promptNewPassphrase() : undefined);
  const created = !master;
  if (!master) {
    master = newMasterKey();
    try {
      createFileDurably(file, formatKeyFile(master), 0o600);
    } catch (err) {
      throw new AgentError('NO_KEY', `cannot write the master key ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, ExitCode.CONFIG);
    }
  }
  if (passphrase) await storeWrappedKey(config, wrapMasterKey(master, passphrase));
  return { file, created, storedOnServer: !!passphrase };
}

/** An encrypted backup needs this node's key; a node without it is told what to do. */
export function requireKeys(keys: ChunkKeys | undefined, number: number | Long | null | undefined): ChunkKeys {
  if (keys) return keys;
  throw new AgentError(
    'NO_KEY',
    `backup ${String(number ?? '')} is encrypted and this node has no key: set encryption = 1 (and encryption_key_file, or encryption_password for the copy the server keeps) in node.conf`,
  );
}

/** The master key wrapped by its passphrase, as the server keeps it for this node (undefined: none). */
async function fetchWrappedKey(config: NodeConfig): Promise<Buffer | undefined> {
  return withServer(config, undefined, async (server) => {
    await server.send({ keyRequest: { store: false } });
    const m = await server.expect('keyReply');
    return m.wrappedKey?.length ? Buffer.from(m.wrappedKey) : undefined;
  });
}

/** Has the server keep this node's wrapped master key (replacing the one before). */
async function storeWrappedKey(config: NodeConfig, wrapped: Buffer): Promise<void> {
  await withServer(config, undefined, async (server) => {
    await server.send({ keyRequest: { store: true, wrappedKey: wrapped } });
    await server.expect('keyReply');
  });
}
