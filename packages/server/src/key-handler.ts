import { cpsbackup } from '@cpsbackup/protocol';
import { boundToOtherKeys, describeKeyCounts, keyIdText } from '@cpsbackup/format';
import { type SessionContext } from './context';
import { requirePermission } from './policy';
import { WireError } from './wire-errors';

/** A wrapped key is a few hundred bytes (crypto's wrapped-key.ts); anything much larger is not one. */
const MAX_WRAPPED_KEY_BYTES = 4096;

const OldBackups = cpsbackup.OldBackups;

/**
 * An encrypted node's key (store's client-keys.ts): what the server
 * keeps of it and which keys the node's backups were made with
 * (store = false), or the node's key registered, with its master key
 * wrapped by its passphrase (store = true), so that a node rebuilt from
 * scratch can get it back with the passphrase alone. The server cannot
 * unwrap it and never logs it. A node reaches only its own, and learns
 * nothing of other clients' backups.
 *
 * A node's key is never replaced while backups made with it remain,
 * unless the node says what becomes of them (cpsbackup --change-key):
 * deleted, or kept (readable with their own key, which the node keeps);
 * nor, but by a key change (any mode but REFUSE), while the server keeps
 * a copy of it. Nor is a key registered that the node could not back up
 * with: one its dedup group's other clients are not bound to.
 */
export async function handleKey(ctx: SessionContext, req: cpsbackup.KeyRequest.$Properties): Promise<void> {
  if (!req.store) {
    await sendState(ctx, 0);
    return;
  }
  const keyId = Buffer.from(req.keyId ?? new Uint8Array());
  if (keyId.length !== 32) throw new WireError('PROTOCOL', `a key registered with a key id of ${keyId.length} bytes (32 expected)`);
  const wrapped = Buffer.from(req.wrappedKey ?? new Uint8Array());
  if (wrapped.length > MAX_WRAPPED_KEY_BYTES) {
    throw new WireError('PROTOCOL', `a wrapped key of ${wrapped.length} bytes refused (at most ${MAX_WRAPPED_KEY_BYTES})`);
  }
  const mode = req.oldBackups ?? OldBackups.OLD_BACKUPS_REFUSE;
  if (
    mode !== OldBackups.OLD_BACKUPS_REFUSE &&
    mode !== OldBackups.OLD_BACKUPS_NONE &&
    mode !== OldBackups.OLD_BACKUPS_DELETE &&
    mode !== OldBackups.OLD_BACKUPS_KEEP
  ) {
    throw new WireError('PROTOCOL', `old_backups ${String(mode)} is not one this server knows`);
  }
  if (mode === OldBackups.OLD_BACKUPS_DELETE) requirePermission(ctx, 'delete');
  const { store, client } = ctx;
  // No backup of this node may start, nor commit under the key being replaced, while its key changes.
  const lock = ctx.locks.tryAcquire(client.name, ctx.owner);
  if (!lock.ok) {
    throw new WireError(
      'BACKUP_RUNNING',
      `a backup of ${client.name} is running (since ${new Date(lock.since).toISOString()}): its key is registered or changed only between backups; try again once it has finished`,
    );
  }
  try {
    const before = store.clientKey(client.name);
    const own = store.sealedBackupKeys(client.name);
    if (mode === OldBackups.OLD_BACKUPS_REFUSE || mode === OldBackups.OLD_BACKUPS_NONE) {
      const bound = boundToOtherKeys(own, before?.keyId, keyId);
      if (bound.length) {
        throw new WireError(
          'KEY_IN_USE',
          `${describeKeyCounts(bound)}: the key of ${client.name} is never replaced while backups made with it remain. ` +
            'On a rebuilt node, give it back its key file (cpsbackup --init-key with the passphrase fetches the copy kept here, if there is one); ' +
            'to give the node a new key, run cpsbackup --change-key, which says what becomes of those backups',
        );
      }
    }
    // Not a key change (--init-key): the key the server keeps a copy of stays, whatever key file the node holds.
    if (mode === OldBackups.OLD_BACKUPS_REFUSE && before?.keyId && before.wrapped && !before.keyId.equals(keyId)) {
      throw new WireError(
        'KEY_IN_USE',
        `the server keeps a copy of ${client.name}'s key ${keyIdText(before.keyId)}, wrapped by its passphrase, and this is another key (${keyIdText(keyId)}): ` +
          'it is replaced only by cpsbackup --change-key (--use-key-file makes the key the node holds its key). ' +
          'On a rebuilt node, cpsbackup --init-key with the passphrase writes the key kept here back',
      );
    }
    // The node must be able to back up with the key once registered (as checked for every backup, with this key as its own).
    store.assertBackupKey(client.name, client.dedup_group, keyId, keyId);
    let deleted = 0;
    if (mode === OldBackups.OLD_BACKUPS_DELETE) deleted = await deleteMadeWithOtherKeys(ctx, keyId);
    // No copy given: one kept of this key stays; so does one of a key never named (a record from before keys were
    // registered), but not through a key change: it would pass for a copy of the new key.
    const kept = before?.wrapped && (before.keyId ? before.keyId.equals(keyId) : mode === OldBackups.OLD_BACKUPS_REFUSE) ? before.wrapped : undefined;
    await store.registerKey(client.name, keyId, wrapped.length ? wrapped : kept);
    ctx.log.info(
      { key: keyId.toString('hex').slice(0, 16), wrapped: wrapped.length > 0 || !!kept, change: mode !== OldBackups.OLD_BACKUPS_REFUSE, deleted },
      deleted ? 'key registered; backups made with other keys deleted' : 'key registered',
    );
    await sendState(ctx, deleted);
    if (deleted) ctx.requestGc();
  } finally {
    ctx.locks.release(client.name, ctx.owner);
  }
}

/** Deletes every available encrypted backup of the client made with a key other than `keyId`; refuses before deleting any if one is being read. */
async function deleteMadeWithOtherKeys(ctx: SessionContext, keyId: Buffer): Promise<number> {
  const { store, client } = ctx;
  const victims = store.listBackups(client.name).filter((b) => {
    const made = b.status === 'available' ? store.sealedKeyOf(b) : undefined;
    return made && !made.equals(keyId);
  });
  for (const b of victims) {
    if (ctx.activity.isBeingRead(client.name, b.number)) {
      throw new WireError('BUSY', `backup ${b.number} is being restored: change the key once the restore has finished (nothing was deleted or changed)`);
    }
    // Its record may be its only sound copy: it waits for the operator's repair, and so does the key change.
    if (store.untrustedReason(b) !== undefined) {
      throw new WireError(
        'BAD_STATE',
        `backup ${b.number} cannot be trusted until the server's operator repairs the catalog (cpsbackupd --repair-catalog): ` +
          'change the key once it has (nothing was deleted or changed)',
      );
    }
  }
  for (const b of victims) {
    await store.deleteBackup(b.id);
    ctx.log.info({ backup: b.number }, 'backup deleted: made with a key the node gave up');
  }
  return victims.length;
}

/** Answers with what the server keeps of the node's key and its own encrypted backups per key. */
async function sendState(ctx: SessionContext, deleted: number): Promise<void> {
  const key = ctx.store.clientKey(ctx.client.name);
  await ctx.conn.send({
    keyReply: {
      wrappedKey: key?.wrapped ?? Buffer.alloc(0),
      keyId: key?.keyId ?? Buffer.alloc(0),
      backups: ctx.store.sealedBackupKeys(ctx.client.name).map((k) => ({ keyId: k.keyId, count: k.count, oldest: k.oldest, newest: k.newest })),
      deleted,
    },
  });
}
