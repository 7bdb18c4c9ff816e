import { type cpsbackup, toSafeNumber } from '@cpsbackup/protocol';
import type { SessionContext } from './context';
import { resolveBackup } from './resolve-backup';
import { WireError } from './wire-errors';

/** Deletes one of the client's backups (never one still being written); GC reclaims its space later. */
export async function handleDelete(ctx: SessionContext, req: cpsbackup.DeleteRequest.$Properties): Promise<void> {
  const b = resolveBackup(ctx, toSafeNumber(req.number, 'number'));
  if (ctx.locks.isHeld(ctx.client.name) && b.status === 'creating') {
    throw new WireError('BACKUP_RUNNING', `backup ${b.number} is still running`);
  }
  if (ctx.activity.isBeingRead(ctx.client.name, b.number)) {
    throw new WireError('BUSY', `backup ${b.number} is being restored; delete it once the restore has finished`);
  }
  await ctx.store.deleteBackup(b.id);
  ctx.log.info({ backup: b.number }, 'backup deleted');
  await ctx.conn.send({ deleteDone: { number: b.number } });
  ctx.requestGc();
}
