import type { NodeConfig } from '@cpsbackup/config';
import { ExitCode } from '../../errors';
import { initNodeKey, PASSPHRASE_ENV } from '../../encryption/node-key';
import type { CliArgs } from '../options';
import type { Report } from '../report';

/** `--init-key`: makes this node's master key and keeps a wrapped copy on the server (see initNodeKey). */
export async function initKey(config: NodeConfig, _argv: CliArgs): Promise<Report> {
  const r = await initNodeKey(config);
  const text = [
    r.created ? `Made a new master key: ${r.file} (mode 0600).` : `Kept the existing master key ${r.file}.`,
    r.storedOnServer
      ? 'A copy wrapped by the passphrase is on the server: with the passphrase alone, a node rebuilt from scratch can restore.'
      : `No copy is on the server (no passphrase: set encryption_password in node.conf or ${PASSPHRASE_ENV}, and run cpsbackup --init-key again).`,
    'KEEP THE KEY FILE OR THE PASSPHRASE SAFE, AWAY FROM THIS NODE: whoever loses both loses every encrypted backup of this node; nobody, not the server, can read them.',
  ];
  if (!config.encryption) text.push(`Encryption is off in ${config.configFile}: set encryption = 1 there for the next backups to be encrypted.`);
  return { text, json: { keyFile: r.file, created: r.created, storedOnServer: r.storedOnServer }, exit: ExitCode.OK };
}
