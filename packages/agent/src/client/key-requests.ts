/**
 * This node's key as the server keeps it (KeyRequest, KeyReply): what
 * encryption/node-key.ts is given to work out the node's key with.
 */
import { type NodeConfig } from '@cpsbackup/config';
import { type cpsbackup } from '@cpsbackup/protocol';
import { type KeyAccess, type KeyServer, type PassphrasePrompt, type ServerKeyState } from '../encryption/node-key';
import { AgentError } from '../errors';
import { withServer } from './server-connection';

/** A key id from the server: 32 bytes, or refused. */
function keyIdFrom(bytes: Uint8Array | null | undefined, what: string): Buffer {
  if (bytes?.length !== 32) throw new AgentError('PROTOCOL', `the server sent ${what} of ${bytes?.length ?? 0} bytes (32 expected)`);
  return Buffer.from(bytes);
}

function stateOf(m: cpsbackup.KeyReply.$Properties): ServerKeyState {
  return {
    ...(m.wrappedKey?.length ? { wrapped: Buffer.from(m.wrappedKey) } : {}),
    ...(m.keyId?.length ? { registered: keyIdFrom(m.keyId, 'a registered key id') } : {}),
    backups: (m.backups ?? []).map((k) => ({
      keyId: keyIdFrom(k.keyId, "a backup's key id"),
      count: Number(k.count ?? 0),
      oldest: Number(k.oldest ?? 0),
      newest: Number(k.newest ?? 0),
    })),
    deleted: Number(m.deleted ?? 0),
  };
}

/** The server's side of this node's key, one connection per request. */
function keyServerOf(config: NodeConfig): KeyServer {
  return {
    state: () =>
      withServer(config, undefined, async (server) => {
        await server.send({ keyRequest: { store: false } });
        return stateOf(await server.expect('keyReply'));
      }),
    register: (keyId, wrapped, oldBackups) =>
      withServer(config, undefined, async (server) => {
        await server.send({ keyRequest: { store: true, keyId, wrappedKey: wrapped ?? Buffer.alloc(0), oldBackups } });
        return stateOf(await server.expect('keyReply'));
      }),
  };
}

/** What node-key.ts works with for this node: its server, and `prompt` (the caller's: none where no one can be asked). */
export function keyAccessOf(config: NodeConfig, prompt?: PassphrasePrompt): KeyAccess {
  return { server: keyServerOf(config), prompt };
}
