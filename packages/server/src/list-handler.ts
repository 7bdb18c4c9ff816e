import type { SessionContext } from './context';
import { toListSummary } from './summary';

/** Lists the client's backups (each with a few of its warnings), with its usage, quotas and permissions. */
export async function handleList(ctx: SessionContext): Promise<void> {
  // Manila's lifecycle: an available backup a restore is reading shows as restoring.
  const backups = ctx.store.listBackups(ctx.client.name).map((b) => ({
    ...toListSummary(ctx.store, b),
    ...(b.status === 'available' && ctx.activity.isBeingRead(ctx.client.name, b.number) ? { status: 'restoring' } : {}),
  }));
  const usage = await ctx.store.clientUsage(ctx.client.name);
  await ctx.conn.send({
    backupList: {
      backups,
      usage: {
        backups: usage.backups,
        storedBytes: usage.storedBytes,
        quotaBackups: ctx.policy.quotaBackups,
        quotaBytes: ctx.policy.quotaBytes,
        canDelete: ctx.policy.canDelete,
        canRestore: ctx.policy.canRestore,
      },
    },
  });
}
