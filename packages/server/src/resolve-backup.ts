import type { BackupInfo } from '@cpsbackup/store';
import type { SessionContext } from './context';
import { WireError } from './wire-errors';

/** The backup a request names: a number, or 0 for the newest complete one (a partial one only when there is nothing else). */
export function resolveBackup(ctx: SessionContext, number: number): BackupInfo {
  const b = findBackup(ctx, number);
  try {
    ctx.store.assertTrusted(b); // a row its signed record does not vouch for is never served, whatever reads it next
  } catch (err) {
    // Asked for "the newest": never another backup than the one asked for, but say which one can be restored.
    const sound = number === 0 ? newestTrusted(ctx) : undefined;
    if (sound) (err as Error).message += `; backup ${sound.number} is the newest that can be: give its number (-i ${sound.number}, -s ${sound.number})`;
    throw err;
  }
  return b;
}

/** The newest available backup its record vouches for, complete first. */
function newestTrusted(ctx: SessionContext): BackupInfo | undefined {
  const ok = ctx.store
    .listBackups(ctx.client.name)
    .filter((b) => b.status === 'available' && ctx.store.untrustedReason(b) === undefined)
    .reverse();
  return ok.find((b) => !b.partial) ?? ok[0];
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
