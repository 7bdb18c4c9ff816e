import { type cpsbackup, ProtocolError, toSafeNumber } from '@cpsbackup/protocol';
import { TreeReads } from './tree-reads';
import { type SessionContext } from './context';
import { resolveBackup } from './resolve-backup';
import { StorageWatch } from './storage-watch';
import { toSummary } from './summary';
import { WireError } from './wire-errors';

/**
 * A restore, or with metadata_only a show or a list: the server sends the
 * backup's root and serves the chunks its node asks for as it walks the
 * tree (TreeReads), plain and encrypted backups alike, until it says it is
 * done. The node selects paths itself (by prefix, through symbolic links,
 * by --regex), so only the listings on its way and the selected files'
 * chunks cross the network; it checks every chunk before it uses a byte.
 */
export async function handleRestore(ctx: SessionContext, req: cpsbackup.RestoreRequest.$Properties): Promise<void> {
  const b = resolveBackup(ctx, toSafeNumber(req.number, 'number'));
  if (b.status !== 'available') {
    throw new WireError(
      'BAD_STATE',
      `backup ${b.number} is ${b.status}${b.reason ? ` (${b.reason})` : ''}, not available for restore (cpsbackup -l lists the available ones)`,
    );
  }
  const metadataOnly = !!req.metadataOnly;
  ctx.log.info({ backup: b.number, metadataOnly, format: b.manifestFormat }, 'restore started');
  // Until the reading is over, no delete or retention takes this backup (and GC its chunks).
  const doneReading = ctx.activity.beginReading(ctx.client.name, b.number);
  // Reads the storage retries for minutes (s3_retry_time): the node is kept connected and told, as a backup's is.
  const watch = new StorageWatch(ctx.conn, ctx.store, ctx.log);
  let reads: TreeReads;
  try {
    const tree = await TreeReads.of(ctx.store, b, { content: !metadataOnly });
    reads = tree.reads;
    await ctx.conn.send({ backupTree: { backup: toSummary(ctx.store, b), root: tree.root, format: reads.format } });
    const turn = {
      limitMs: ctx.readTurnMs,
      why: `backup ${b.number} was opened for reading and nothing was asked of it for ${ctx.readTurnMs / 1000} s (stall_timeout): the read is closed so that it holds no slot; run the restore again`,
    };
    for (;;) {
      const m = await ctx.conn.next(turn);
      if (m.msg !== 'readChunks') throw new ProtocolError('UNEXPECTED', `unexpected ${m.msg} while a backup is read`);
      if (m.readChunks.done) break;
      await reads.serve(ctx, m.readChunks);
    }
  } finally {
    void watch.stop();
    doneReading();
  }
  const { chunks, bytes, listingBytes } = reads.totals;
  // Logged before the answer, so whoever reads the log once the node has its answer finds the line.
  ctx.log.info({ backup: b.number, chunks, bytes, listingBytes }, 'restore finished');
  await ctx.conn.send({ restoreEnd: { backup: toSummary(ctx.store, b), entries: 0, bytes } });
}
