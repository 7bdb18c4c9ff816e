import { type cpsbackup } from '@cpsbackup/protocol';
import { type SessionContext } from './context';
import { WireError } from './wire-errors';

/** A wrapped key is a few hundred bytes (crypto's wrapped-key.ts); anything much larger is not one. */
const MAX_WRAPPED_KEY_BYTES = 4096;

/**
 * An encrypted node's master key wrapped by its passphrase: stored on the
 * server (store = true), so that a node rebuilt from scratch can restore
 * with the passphrase alone, or sent back. The server cannot unwrap it and
 * never logs it. A node reaches only its own.
 */
export async function handleKey(ctx: SessionContext, req: cpsbackup.KeyRequest.$Properties): Promise<void> {
  if (req.store) {
    const wrapped = Buffer.from(req.wrappedKey ?? new Uint8Array());
    if (wrapped.length === 0 || wrapped.length > MAX_WRAPPED_KEY_BYTES) {
      throw new WireError('PROTOCOL', `a wrapped key of ${wrapped.length} bytes refused (1 to ${MAX_WRAPPED_KEY_BYTES})`);
    }
    await ctx.store.putWrappedKey(ctx.client.name, wrapped);
    ctx.log.info('wrapped master key stored');
    await ctx.conn.send({ keyReply: { wrappedKey: wrapped } });
    return;
  }
  const wrapped = await ctx.store.wrappedKey(ctx.client.name);
  await ctx.conn.send({ keyReply: { wrappedKey: wrapped ?? Buffer.alloc(0) } });
}
