import type { NodeConfig } from '@cpsbackup/config';
import { keyIdText } from '@cpsbackup/format';
import { ExitCode } from '../../errors';
import { initNodeKey, PASSPHRASE_ENV } from '../../encryption/node-key';
import { keyAccessOf } from '../../client/key-requests';
import { terminalPrompt } from '../passphrase-prompt';
import type { CliArgs } from '../options';
import type { Report } from '../report';

/** The warning every key command ends with. */
export const KEEP_IT_SAFE =
  'KEEP THE KEY FILE OR THE PASSPHRASE SAFE, AWAY FROM THIS NODE: whoever loses both loses every encrypted backup of this node; nobody, not the server, can read them.';

/** `--init-key`: this node's master key, made on a new node or fetched back on a rebuilt one, never replaced (see initNodeKey). */
export async function initKey(config: NodeConfig, _argv: CliArgs): Promise<Report> {
  const r = await initNodeKey(config, keyAccessOf(config, terminalPrompt()));
  const id = keyIdText(r.keyId);
  const made = r.backups === 1 ? '1 backup was' : `${r.backups} backups were`;
  const text = [
    r.source === 'made'
      ? `Made a new master key (a new node): ${r.file} (mode 0600), key ${id}.`
      : r.source === 'server'
        ? `Wrote ${r.file} (mode 0600) from the copy of the master key the server keeps (a rebuilt node): key ${id}, with which ${made} made.`
        : `Kept the existing master key ${r.file}: key ${id}, with which ${made} made.`,
    r.copy === 'stored'
      ? 'A copy wrapped by the passphrase is on the server: with the passphrase alone, a node rebuilt from scratch can restore.'
      : r.copy === 'kept'
        ? 'The copy wrapped by the passphrase that the server keeps stays as it was.'
        : `No copy is on the server (no passphrase: set encryption_password in node.conf or ${PASSPHRASE_ENV}, and run cpsbackup --init-key again: it keeps this key and stores the copy).`,
    KEEP_IT_SAFE,
  ];
  if (!config.encryption) text.push(`Encryption is off in ${config.configFile}: set encryption = 1 there for the next backups to be encrypted.`);
  return {
    text,
    json: {
      keyFile: r.file,
      keyId: r.keyId.toString('hex'),
      source: r.source,
      created: r.source === 'made',
      copy: r.copy,
      storedOnServer: r.copy !== 'none',
      backups: r.backups,
    },
    exit: ExitCode.OK,
  };
}
