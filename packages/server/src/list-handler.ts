import type { SessionContext } from './context';
import { toListSummary } from './summary';

/**
 * Lists the client's backups (each with a few of its warnings), with its
 * usage, quotas and permissions. A backup that cannot be restored now
 * lists with status `untrusted` or `damaged` and, as its reason, what is
 * wrong and what to do: the others list as ever.
 */
export async function handleList(ctx: SessionContext): Promise<void> {
  const usage = await ctx.store.clientUsage(ctx.client.name);
  const damaged = new Map(usage.damaged.map((d) => [d.number, d]));
  const backups = ctx.store.listBackups(ctx.client.name).map((b) => {
    const damage = b.status === 'available' ? damaged.get(b.number) : undefined;
    if (damage) return { ...toListSummary(ctx.store, b), status: damage.status, reason: damage.reason };
    // Manila's lifecycle: an available backup a restore is reading shows as restoring.
    return {
      ...toListSummary(ctx.store, b),
      ...(b.status === 'available' && ctx.activity.isBeingRead(ctx.client.name, b.number) ? { status: 'restoring' } : {}),
    };
  });
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
