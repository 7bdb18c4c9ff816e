import { type cpsbackup, toSafeNumber } from '@cpsbackup/protocol';
import { damagedFileText, StoreError } from '@cpsbackup/store';
import type { SessionContext } from './context';
import { resolveBackup } from './resolve-backup';

/** Re-reads and checks the client's backups (all, or one), between other work, and says what is damaged. */
export async function handleVerify(ctx: SessionContext, req: cpsbackup.VerifyRequest.$Properties): Promise<void> {
  const number = toSafeNumber(req.number, 'number');
  if (number !== 0) resolveBackup(ctx, number);
  // A node that goes (its connection closed, the CLI killed) stops its verify: nobody is left to read the answer.
  const gone = new AbortController();
  void ctx.conn.failed().then((err) => gone.abort(new StoreError('STOPPED', `the node's connection ended (${err.message})`)));
  let report;
  try {
    report = await ctx.whileBusy(() => ctx.store.verify({ client: ctx.client.name, number: number || undefined }, gone.signal));
  } catch (err) {
    if (gone.signal.aborted) ctx.log.warn({ why: (gone.signal.reason as Error).message }, "the node's verify stopped before its end: the node is gone");
    throw err;
  }
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
