import { boundedText, type cpsbackup, LIMITS, toSafeNumber } from '@cpsbackup/protocol';
import type { SessionContext } from './context';
import { resolveBackup } from './resolve-backup';
import { toSummary } from './summary';

/** Sets a backup's name and description (bounded, refused beyond). */
export async function handleLabel(ctx: SessionContext, req: cpsbackup.LabelRequest.$Properties): Promise<void> {
  const name = boundedText(req.name, 'backup name', LIMITS.backupNameChars);
  const description = boundedText(req.description, 'backup description', LIMITS.descriptionChars);
  const b = resolveBackup(ctx, toSafeNumber(req.number, 'number'));
  await ctx.store.setBackupLabel(b.id, name || null, description || null);
  await ctx.conn.send({ labelDone: { backup: toSummary(ctx.store, ctx.store.getBackup(b.id)) } });
}
