/**
 * What a plain node's backup takes from its agent, message by message: each
 * kind's bounds (ids per query, an id's length, root listing chunks), and
 * any kind a backup does not take refused. Each refusal is a PROTOCOL error
 * naming what was wrong; the backup is recorded as error with it, the
 * session goes on, and the client's next backup succeeds.
 */
import { randomBytes } from 'node:crypto';
import { LIMITS, type OutgoingMessage } from '@cpsbackup/protocol';
import { rawBackup, rawSession, readUntil, useServer } from '@cpsbackup/testkit/e2e';

const CASES: Array<{ what: string; send: () => OutgoingMessage; refused: string }> = [
  {
    what: 'a missing-query of more ids than a query may hold',
    send: () => ({ missingQuery: { ids: Array.from({ length: LIMITS.idsPerQuery + 1 }, () => randomBytes(32)) } }),
    refused: `missing-query of ${LIMITS.idsPerQuery + 1} ids (max ${LIMITS.idsPerQuery})`,
  },
  {
    what: 'a missing-query naming an id shorter than a chunk id',
    send: () => ({ missingQuery: { queryId: 1, ids: [randomBytes(32), randomBytes(31)] } }),
    refused: 'chunk id of 31 bytes',
  },
  {
    what: 'an end whose root has more listing chunks than a root may',
    send: () => ({ endBackup: { root: Array.from({ length: LIMITS.rootListingChunks + 1 }, () => randomBytes(32)) } }),
    refused: `a root listing of ${LIMITS.rootListingChunks + 1} chunks refused (at most ${LIMITS.rootListingChunks})`,
  },
  {
    what: 'an end whose root names an id longer than a chunk id',
    send: () => ({ endBackup: { root: [randomBytes(33)] } }),
    refused: 'chunk id of 33 bytes',
  },
  {
    what: 'a read of chunks with no parent',
    send: () => ({ readChunks: { ids: [randomBytes(32)] } }),
    refused: 'readChunks during a backup without a parent',
  },
  { what: 'a second begin', send: () => ({ beginBackup: {} }), refused: 'unexpected beginBackup during a backup' },
  { what: 'a restore request', send: () => ({ restoreRequest: { number: 1 } }), refused: 'unexpected restoreRequest during a backup' },
  { what: 'a list request', send: () => ({ listRequest: {} }), refused: 'unexpected listRequest during a backup' },
];

describe('what a backup takes from its agent', () => {
  const clients = Object.fromEntries(CASES.map((_, i) => [`peer${i}`, []]));
  const { pki, server } = useServer('backup-messages', { quiet: true, clients });

  test.each(CASES.map((c, i) => ({ ...c, client: `peer${i}` })))(
    '$what is refused, and the backup recorded as error with why',
    async ({ send, refused, client }) => {
      const { socket, conn } = await rawSession(server, client, pki.client(client));
      try {
        await conn.send({ beginBackup: {} });
        const begun = await readUntil(conn, (m) => m.msg === 'backupStarted' || m.msg === 'error');
        expect(begun?.msg).toBe('backupStarted');
        await conn.send({ warning: { message: 'a warning first: taken' } });
        await conn.send(send());
        const answer = await readUntil(conn, (m) => m.msg === 'error' || m.msg === 'backupDone' || m.msg === 'missingReply');
        expect(answer?.error).toEqual(expect.objectContaining({ code: 'PROTOCOL', message: refused }));
        // The session goes on: the backup is over, recorded as error with what was refused.
        await conn.send({ listRequest: {} });
        const list = await readUntil(conn, (m) => m.msg === 'backupList' || m.msg === 'error');
        const backups = list?.backupList?.backups ?? [];
        expect(backups.map((b) => ({ status: b.status, reason: b.reason }))).toEqual([{ status: 'error', reason: `PROTOCOL: ${refused}` }]);
      } finally {
        socket.destroy();
      }
      // Its lock was released: the client's next backup is taken.
      await rawBackup(server, client, pki.client(client), [{ path: '/data/f', content: randomBytes(1000) }]);
    },
  );
});
