/**
 * The one window the server cannot close: it committed a backup and the
 * connection dropped before its answer reached the node. The real CLI
 * against a server that speaks the protocol, takes the whole backup and
 * hangs up on EndBackup: the node must say the backup may have been
 * committed and how to check, not that it failed.
 */
import * as fs from 'node:fs';
import type * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { FramedConnection, PROTOCOL_VERSION } from '@cpsbackup/protocol';
import { requireBuild, runCli, tempDir, TestPki } from '@cpsbackup/testkit/e2e';

requireBuild();
const root = tempDir('e2e-answer-lost');
const pki = new TestPki(path.join(root, 'pki'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test('the connection lost after the whole backup was sent: the node says the backup may have been committed and to check with cpsbackup -l', async () => {
  const seen: string[] = [];
  const server = tls.createServer(
    {
      cert: fs.readFileSync(path.join(pki.dir, 'cpsbackupd.pem')),
      key: fs.readFileSync(path.join(pki.dir, 'cpsbackupd.key')),
      ca: fs.readFileSync(pki.caFile),
      requestCert: true,
      minVersion: 'TLSv1.3',
    },
    (socket) => {
      const conn = new FramedConnection(socket);
      void (async () => {
        for (;;) {
          const m = await conn.next();
          seen.push(m.msg ?? '?');
          if (m.msg === 'hello') await conn.send({ welcome: { protocolVersion: PROTOCOL_VERSION, serverVersion: 'test' } });
          else if (m.msg === 'beginBackup') await conn.send({ backupStarted: { number: 7 } });
          else if (m.msg === 'missingQuery') await conn.send({ missingReply: { queryId: m.missingQuery.queryId, missing: [] } });
          else if (m.msg === 'endBackup') {
            socket.destroy(); // committed, say; the answer never leaves
            return;
          }
        }
      })().catch(() => undefined);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const data = path.join(root, 'data');
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, 'file'), 'what the node backs up\n');
    const cert = pki.client('web1');
    const conf = path.join(root, 'node.conf');
    fs.writeFileSync(
      conf,
      [
        'cname = web1',
        'server = 127.0.0.1',
        `port = ${(server.address() as net.AddressInfo).port}`,
        `ssl_cert_ca = ${pki.caFile}`,
        `ssl_cert = ${cert.cert}`,
        `ssl_key = ${cert.key}`,
        'network_timeout = 30',
        `lock_file = ${conf}.lock`,
        `include = ${data}`,
      ].join('\n') + '\n',
    );
    const r = await runCli(['-c', conf, '-e']);
    expect(seen).toContain('endBackup');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /cpsbackup: connection to the server lost: .*, after the whole backup was sent and before the server answered: backup 7 may have been committed: check with cpsbackup -l/,
    );
  } finally {
    server.close();
  }
});
