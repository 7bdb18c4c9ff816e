import { type NodeConfig } from '@cpsbackup/config';
import { type cpsbackup } from '@cpsbackup/protocol';
import { type FileEntry, ManifestFormat } from '@cpsbackup/format';
import { AgentError } from '../errors';
import { loadNodeKey, type PassphrasePrompt, requireKeys } from '../encryption/node-key';
import { keyAccessOf } from './key-requests';
import { type DiffChange, diffEntries, diffTrees } from '../reads/backup-diff';
import { DamagedTreeError, TreeReads } from '../reads/tree-reads';

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
    // This node reads the file list itself (the server serves the listings its tree reaches).
    const tree = await server.expect('backupTree');
    const { reads, root } = TreeReads.of(server, tree, tree.format === ManifestFormat.Sealed ? requireKeys(keys, tree.backup) : undefined);
    const entries: FileEntry[] = [];
    for await (const e of reads.walk(root)) entries.push(e);
    await reads.done();
    return { summary: (await server.expect('restoreEnd')).backup ?? tree.backup ?? {}, entries };
  });
}

/**
 * The differences between backups `a` and `b` (0: the latest) of this
 * client, or of `client` as in runList: each backup's file list read as -s
 * reads it (the server serves only the asking node's own backups, or those
 * restore_client lets it read), over one connection each, and merged as
 * they come (see diffTrees). `onChange` is told each difference in walk
 * order; returns the two backups' summaries.
 */
export async function runDiff(
  config: NodeConfig,
  a: number,
  b: number,
  client: string,
  onChange: (c: DiffChange) => void,
  prompt?: PassphrasePrompt,
): Promise<{ before: cpsbackup.BackupSummary.$Properties; after: cpsbackup.BackupSummary.$Properties }> {
  const keys = await loadNodeKey(config, keyAccessOf(config, prompt));
  return withServer(config, keys?.keyId, (first) =>
    withServer(config, keys?.keyId, async (second) => {
      const open = async (server: typeof first, number: number) => {
        await server.send({ restoreRequest: { number, metadataOnly: true, client } });
        const tree = await server.expect('backupTree');
        return { tree, ...TreeReads.of(server, tree, tree.format === ManifestFormat.Sealed ? requireKeys(keys, tree.backup) : undefined) };
      };
      const before = await open(first, a);
      const after = await open(second, b);
      // Trees: identical subtrees are skipped unread; a flat manifest (a backup made before trees) is read whole.
      const flat = before.reads.format === ManifestFormat.Flat || after.reads.format === ManifestFormat.Flat;
      const changes = flat
        ? diffEntries(before.reads.walk(before.root), after.reads.walk(after.root))
        : diffTrees(before.reads, before.root, after.reads, after.root);
      for await (const c of changes) onChange(c);
      await Promise.all([before.reads.done(), after.reads.done()]);
      const [endA, endB] = await Promise.all([first.expect('restoreEnd'), second.expect('restoreEnd')]);
      return { before: endA.backup ?? before.tree.backup ?? {}, after: endB.backup ?? after.tree.backup ?? {} };
    }),
  );
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
        const tree = await server.expect('backupTree');
        if (tree.format !== ManifestFormat.Sealed)
          throw new AgentError('PROTOCOL', `the server sent encrypted backup ${n} as a plain one (format ${tree.format})`);
        const { reads, root } = TreeReads.of(server, tree, keys);
        for await (const e of reads.walk(root)) void e;
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
