import * as fs from 'node:fs';
import * as path from 'node:path';
import { type NodeConfig } from '@cpsbackup/config';
import { PROTOCOL_VERSION } from '@cpsbackup/protocol';
import { createCsr, fingerprintOf } from '@cpsbackup/pki';
import { AgentError, ExitCode } from '../errors';
import { ServerConnection } from './server-connection';

/**
 * `cpsbackup --enrol`: makes this node's key (it never leaves the node),
 * sends a CSR with the one-time password from the server's clients/<cname>
 * file, and stores the certificate the server signed at ssl_cert / ssl_key.
 */
export async function runEnrol(config: NodeConfig, password: string): Promise<{ certFile: string; fingerprint: string }> {
  if (!password) throw new AgentError('USAGE', 'enrolment needs the one-time password: --password or password = in node.conf', ExitCode.CONFIG);
  if (fs.existsSync(config.ssl_cert) && fs.existsSync(config.ssl_key)) {
    throw new AgentError('USAGE', `this node already has a certificate (${config.ssl_cert}); remove it and its key to enrol again`, ExitCode.CONFIG);
  }
  const { keyPem, csrPem } = createCsr(config.cname);
  const server = await ServerConnection.openForEnrolment(config);
  let certPem: string;
  try {
    await server.send({ enrolRequest: { protocolVersion: PROTOCOL_VERSION, clientName: config.cname, password, csrPem } });
    certPem = String((await server.expect('enrolDone')).certPem ?? '');
  } finally {
    server.conn.destroy();
  }
  for (const f of [config.ssl_key, config.ssl_cert]) fs.mkdirSync(path.dirname(f), { recursive: true, mode: 0o700 });
  fs.writeFileSync(config.ssl_key, keyPem, { mode: 0o600 });
  fs.writeFileSync(config.ssl_cert, certPem, { mode: 0o644 });
  return { certFile: config.ssl_cert, fingerprint: fingerprintOf(certPem) };
}
