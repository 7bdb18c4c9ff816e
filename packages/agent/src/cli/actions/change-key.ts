import type { NodeConfig } from '@cpsbackup/config';
import { describeKeyCounts, keyIdText } from '@cpsbackup/format';
import { ExitCode } from '../../errors';
import { changeNodeKey, type OldBackupsChoice, PASSPHRASE_ENV } from '../../encryption/node-key';
import { keyAccessOf } from '../../client/key-requests';
import { terminalPrompt } from '../passphrase-prompt';
import type { CliArgs } from '../options';
import type { Report } from '../report';
import { KEEP_IT_SAFE } from './init-key';

/**
 * `--change-key`: a new master key for this node (--use-key-file: the one its key file holds); --delete-old-backups or
 * --keep-old-backups FILE says what becomes of the backups made with other keys.
 */
export async function changeKey(config: NodeConfig, argv: CliArgs): Promise<Report> {
  const old: OldBackupsChoice = argv['delete-old-backups']
    ? { action: 'delete' }
    : argv['keep-old-backups'] !== undefined
      ? { action: 'keep', file: argv['keep-old-backups'] }
      : undefined;
  const r = await changeNodeKey(config, keyAccessOf(config, terminalPrompt()), old, argv['use-key-file'] === true);
  const replaced = r.oldKeyId && r.kept.find((k) => k.keyId.equals(r.oldKeyId!));
  const earlier = r.kept.filter((k) => !r.oldKeyId || !k.keyId.equals(r.oldKeyId));
  const text = [
    (r.source === 'file'
      ? `Made the key in ${r.file} this node's key: key ${keyIdText(r.keyId)}.`
      : `Made a new master key: ${r.file} (mode 0600), key ${keyIdText(r.keyId)}.`) +
      " The server has it registered: this node's next backups are made with it (the first reads every file again).",
  ];
  if (r.own) text.push(`${describeKeyCounts([r.own])} (kept through an earlier change): this node reads them with its key again.`);
  if (r.keptIn) {
    text.push(
      `The key it replaces (${keyIdText(r.oldKeyId!)}) is in ${r.keptIn} (mode 0600)` +
        (replaced
          ? `: ${describeKeyCounts([replaced])}, and stay, readable with cpsbackup -i N --key-file ${r.keptIn}. Keep that file safe, away from this node, as long as they last.`
          : '.'),
    );
  }
  if (earlier.length) text.push(`Kept as they were: ${describeKeyCounts(earlier)} (read with the key files written when those keys were replaced).`);
  if (r.deleted)
    text.push(`Deleted ${r.deleted === 1 ? '1 backup' : `${r.deleted} backups`} made with other keys (the server frees their space at its next GC).`);
  text.push(
    r.copy === 'stored'
      ? 'A copy of the new key wrapped by the passphrase is on the server: with the passphrase alone, a node rebuilt from scratch can restore.'
      : `No copy of the new key is on the server (no passphrase: set encryption_password in node.conf or ${PASSPHRASE_ENV}, and run cpsbackup --init-key: it keeps this key and stores the copy).`,
    KEEP_IT_SAFE,
  );
  if (!config.encryption) text.push(`Encryption is off in ${config.configFile}: set encryption = 1 there for the next backups to be encrypted.`);
  return {
    text,
    json: {
      keyFile: r.file,
      keyId: r.keyId.toString('hex'),
      source: r.source,
      oldKeyId: r.oldKeyId?.toString('hex') ?? null,
      oldKeyFile: r.keptIn ?? null,
      kept: r.kept.map((k) => ({ keyId: k.keyId.toString('hex'), count: k.count, oldest: k.oldest, newest: k.newest })),
      deleted: r.deleted,
      storedOnServer: r.copy === 'stored',
    },
    exit: ExitCode.OK,
  };
}
