import type { BackupInfo } from '@cpsbackup/store';
import type { SessionContext } from './context';
import { WireError } from './wire-errors';

/** The backup a request names: a number, or 0 for the newest complete one (a partial one only when there is nothing else). */
export function resolveBackup(ctx: SessionContext, number: number): BackupInfo {
  const b = findBackup(ctx, number);
  ctx.store.assertTrusted(b); // a row its signed record does not vouch for is never served, whatever reads it next
  return b;
}

function findBackup(ctx: SessionContext, number: number): BackupInfo {
  if (number === 0) {
    // The newest complete backup; a partial one only when there is nothing else.
    const latest = ctx.store.latestComplete(ctx.client.name) ?? ctx.store.latestAvailable(ctx.client.name);
    if (!latest) throw new WireError('NOT_FOUND', `client ${ctx.client.name} has no available backup`);
    return latest;
  }
  const b = ctx.store.listBackups(ctx.client.name).find((x) => x.number === number);
  if (!b) throw new WireError('NOT_FOUND', `client ${ctx.client.name} has no backup ${number}`);
  return b;
}
