import { type cpsbackup, toSafeNumber } from '@cpsbackup/protocol';
import { damagedFileText } from '@cpsbackup/store';
import type { SessionContext } from './context';
import { resolveBackup } from './resolve-backup';

/** Re-reads and checks the client's backups (all, or one), between other work, and says what is damaged. */
export async function handleVerify(ctx: SessionContext, req: cpsbackup.VerifyRequest.$Properties): Promise<void> {
  const number = toSafeNumber(req.number, 'number');
  if (number !== 0) resolveBackup(ctx, number);
  const report = await ctx.whileBusy(() => ctx.store.verify({ client: ctx.client.name, number: number || undefined }));
  ctx.log[report.ok ? 'info' : 'error'](
    {
      chunks: report.chunksChecked,
      badChunks: report.badChunks.length,
      damaged: report.damagedBackups.map((d) => d.number),
      catalogProblems: report.catalogProblems,
    },
    'verify finished',
  );
  await ctx.conn.send({
    verifyResult: {
      ok: report.ok,
      chunksChecked: report.chunksChecked,
      bytesChecked: report.bytesChecked,
      badChunks: report.badChunks.length,
      damaged: report.damagedBackups.map((d) => ({ number: d.number, manifestDamaged: d.manifestDamaged, files: d.files.map(damagedFileText) })),
      catalogProblems: report.catalogProblems,
    },
  });
}
