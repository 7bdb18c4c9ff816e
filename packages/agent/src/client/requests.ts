import { type NodeConfig } from '@cpsbackup/config';
import { type cpsbackup, entryFromRecord } from '@cpsbackup/protocol';
import { type FileEntry } from '@cpsbackup/format';
import { AgentError } from '../errors';
import { loadNodeKey, type PassphrasePrompt, requireKeys } from '../encryption/node-key';
import { keyAccessOf } from './key-requests';
import { DamagedTreeError, SealedChunkReads } from '../encryption/tree-reader';

import { withServer } from './server-connection';

/** Lists the client's backups, or those of `client` (its file on the server names us in restore_client). */
export async function runList(
  config: NodeConfig,
  client = '',
): Promise<{ backups: cpsbackup.BackupSummary.$Properties[]; usage: cpsbackup.Usage.$Properties }> {
  return withServer(config, undefined, async (server) => {
    await server.send({ listRequest: { client } });
    const m = await server.expect('backupList');
    return { backups: m.backups ?? [], usage: m.usage ?? {} };
  });
}

/** The entries of a backup (no content) and its summary; `client` as in runList; `prompt` as in BackupOptions. */
export async function runShow(
  config: NodeConfig,
  number: number,
  client = '',
  prompt?: PassphrasePrompt,
): Promise<{ summary: cpsbackup.BackupSummary.$Properties; entries: FileEntry[] }> {
  const keys = await loadNodeKey(config, keyAccessOf(config, prompt));
  return withServer(config, keys?.keyId, async (server) => {
    await server.send({ restoreRequest: { number, metadataOnly: true, client } });
    const entries: FileEntry[] = [];
    for (;;) {
      const m = await server.next();
      if (m.msg === 'sealedTree') {
        // An encrypted backup: this node reads the file list itself.
        const reads = new SealedChunkReads(server, requireKeys(keys, m.sealedTree.backup), Number(m.sealedTree.backup?.number ?? 0));
        for await (const e of reads.walk((m.sealedTree.root ?? []).map((id) => Buffer.from(id)))) entries.push(e);
        await reads.done();
        return { summary: (await server.expect('restoreEnd')).backup ?? {}, entries };
      }
      if (m.msg === 'restoreEnd') return { summary: m.restoreEnd.backup ?? {}, entries };
      if (m.msg !== 'restoreEntry') throw new AgentError('PROTOCOL', `unexpected ${m.msg} while listing a backup`);
      if (!m.restoreEntry.context) entries.push(entryFromRecord(m.restoreEntry.record));
    }
  });
}

/** Deletes one of the client's backups. */
export async function runDelete(config: NodeConfig, number: number): Promise<number> {
  return withServer(config, undefined, async (server) => {
    await server.send({ deleteRequest: { number } });
    const m = await server.expect('deleteDone');
    return Number(m.number);
  });
}

/** Sets a backup's name and description. */
export async function runLabel(config: NodeConfig, number: number, name: string, description: string): Promise<cpsbackup.BackupSummary.$Properties> {
  return withServer(config, undefined, async (server) => {
    await server.send({ labelRequest: { number, name, description } });
    return (await server.expect('labelDone')).backup ?? {};
  });
}

/** Asks the server to re-read and check this node's backups (0: all). */
export async function runVerifyRequest(config: NodeConfig, number: number): Promise<cpsbackup.VerifyResult.$Properties> {
  return withServer(config, undefined, async (server) => {
    await server.send({ verifyRequest: { number } });
    return await server.expect('verifyResult');
  });
}

/**
 * For an encrypted node: the file lists of its backups, read and checked
 * here, since the server cannot read them (its verify checks each record's
 * hash, not what a listing says). The backups are the available ones made
 * with this node's key (`number`: that one only; 0: all). Returns how many
 * were read and those whose file list is damaged, with the message; none
 * for a node that does not encrypt. `prompt` as in BackupOptions.
 */
export async function runCheckSealedTrees(
  config: NodeConfig,
  number: number,
  prompt?: PassphrasePrompt,
): Promise<{ checked: number; damaged: Array<{ number: number; message: string }> }> {
  const keys = await loadNodeKey(config, keyAccessOf(config, prompt));
  if (!keys) return { checked: 0, damaged: [] };
  const { backups } = await runList(config);
  const ours = backups.filter(
    (b) => b.status === 'available' && (number === 0 || Number(b.number) === number) && !!b.keyId?.length && Buffer.from(b.keyId).equals(keys.keyId),
  );
  const damaged: Array<{ number: number; message: string }> = [];
  for (const b of ours) {
    const n = Number(b.number);
    try {
      await withServer(config, keys.keyId, async (server) => {
        await server.send({ restoreRequest: { number: n, metadataOnly: true } });
        const m = await server.next();
        if (m.msg !== 'sealedTree') throw new AgentError('PROTOCOL', `the server sent ${m.msg} for encrypted backup ${n}, not its tree`);
        const reads = new SealedChunkReads(server, keys, n);
        for await (const e of reads.walk((m.sealedTree.root ?? []).map((id) => Buffer.from(id)))) void e;
        await reads.done();
        await server.expect('restoreEnd');
      });
    } catch (err) {
      if (err instanceof DamagedTreeError) damaged.push({ number: n, message: err.message });
      // What the server could not read for the walk (damage its own check above has counted too).
      else if (err instanceof AgentError && err.code === 'STORE') damaged.push({ number: n, message: `backup ${n} cannot be read: ${err.message}` });
      // Deleted since it was listed: nothing to check.
      else if (!(err instanceof AgentError && err.code === 'NOT_FOUND')) throw err;
    }
  }
  return { checked: ours.length, damaged };
}
