import { NodeConfig } from '@cpsbackup/config';
import { cpsbackup, fromWireEntry } from '@cpsbackup/protocol';
import { FileEntry } from '@cpsbackup/store/dist/shared';
import { AgentError } from './errors';
import { ServerConnection } from './server-connection';

/** Lists the client's backups. */
export async function runList(config: NodeConfig): Promise<{ backups: cpsbackup.BackupSummary.$Properties[]; usage: cpsbackup.Usage.$Properties }> {
  const server = await ServerConnection.open(config);
  try {
    await server.send({ listRequest: {} });
    const m = await server.expect('backupList');
    return { backups: m.backups ?? [], usage: m.usage ?? {} };
  } finally {
    await server.close().catch(() => undefined);
  }
}

/** The entries of a backup (no content) and its summary. */
export async function runShow(config: NodeConfig, number: number): Promise<{ summary: cpsbackup.BackupSummary.$Properties; entries: FileEntry[] }> {
  const server = await ServerConnection.open(config);
  try {
    await server.send({ restoreRequest: { number, metadataOnly: true } });
    const entries: FileEntry[] = [];
    for (;;) {
      const m = await server.next();
      if (m.msg === 'restoreEnd') return { summary: m.restoreEnd.backup ?? {}, entries };
      if (m.msg !== 'restoreEntry') throw new AgentError('PROTOCOL', `unexpected ${m.msg} while listing a backup`);
      entries.push(fromWireEntry(m.restoreEntry.entry));
    }
  } finally {
    await server.close().catch(() => undefined);
  }
}

/** Deletes one of the client's backups. */
export async function runDelete(config: NodeConfig, number: number): Promise<number> {
  const server = await ServerConnection.open(config);
  try {
    await server.send({ deleteRequest: { number } });
    const m = await server.expect('deleteDone');
    return Number(m.number);
  } finally {
    await server.close().catch(() => undefined);
  }
}

/** Sets a backup's name and description. */
export async function runLabel(config: NodeConfig, number: number, name: string, description: string): Promise<cpsbackup.BackupSummary.$Properties> {
  const server = await ServerConnection.open(config);
  try {
    await server.send({ labelRequest: { number, name, description } });
    return (await server.expect('labelDone')).backup ?? {};
  } finally {
    await server.close().catch(() => undefined);
  }
}

/** Asks the server to re-read and check this node's backups (0: all). */
export async function runVerifyRequest(config: NodeConfig, number: number): Promise<cpsbackup.VerifyResult.$Properties> {
  const server = await ServerConnection.open(config);
  try {
    await server.send({ verifyRequest: { number } });
    return await server.expect('verifyResult');
  } finally {
    await server.close().catch(() => undefined);
  }
}
