import { type ServerConfig } from '@cpsbackup/config';
import { type ClientRegistry } from './client-registry';
import { type SessionContext } from './context';
import { policyFor } from './policy';
import { WireError } from './wire-errors';

/** Longest client name echoed back in an error (names are at most 128 characters). */
const NAME_ECHO_CHARS = 128;

/**
 * Burp's restore_client: the session's context for a list or restore of
 * `requested`'s backups. Our own name (or none) is our own context; another
 * client's needs its client file to name us in restore_client, which grants
 * listing and restoring its backups (not deleting or labelling them). An
 * unknown client and one that does not name us get the same answer, so the
 * error tells nothing about which clients exist.
 */
export function actingFor(ctx: SessionContext, requested: string | null | undefined, clients: ClientRegistry, server: ServerConfig): SessionContext {
  const name = String(requested ?? '');
  if (name === '' || name === ctx.client.name) return ctx;
  const found = clients.lookup(name);
  if (!found.ok || !found.config.restore_client.includes(ctx.client.name)) {
    throw new WireError(
      'PERMISSION',
      `client ${ctx.client.name} may not restore the backups of ${JSON.stringify(name.slice(0, NAME_ECHO_CHARS))}: that client's file on the server must name ${ctx.client.name} in restore_client`,
    );
  }
  const log = ctx.log.child({ onBehalfOf: name });
  log.info('acting for another client (restore_client)');
  return { ...ctx, client: found.config, policy: { ...policyFor(server, found.config), canList: true, canRestore: true, canDelete: false }, log };
}
