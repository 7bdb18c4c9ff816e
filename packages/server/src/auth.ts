import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { type ClientConfig, networkAllows, type ServerConfig } from '@cpsbackup/config';
import { type ClientRegistry } from './client-registry';
import { clientEnabled } from './policy';
import { type RevokedCertificates } from './revocation';
import { WireError } from './wire-errors';

/** Certificate errors as an operator should read them. */
const CERT_PROBLEMS: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "it is not signed by this server's CA (ssl_cert_ca)",
  UNABLE_TO_GET_ISSUER_CERT: "it is not signed by this server's CA (ssl_cert_ca)",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "it is not signed by this server's CA (ssl_cert_ca)",
  SELF_SIGNED_CERT_IN_CHAIN: 'its chain ends in a CA this server does not trust',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed',
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet',
  CERT_SIGNATURE_FAILURE: 'its signature is invalid',
};

/**
 * Decides whether this TLS peer may act as `clientName`: it must present a
 * certificate signed by our CA, a client file must exist for the name, and
 * the certificate's CN must equal that file's ssl_peer_cn.
 */
export function authenticate(
  socket: TLSSocket,
  clientName: string,
  clients: ClientRegistry,
  revoked: RevokedCertificates,
  server: ServerConfig,
): { config: ClientConfig; cn: string } {
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) {
    throw new WireError('AUTH_NO_CERT', 'no client certificate was presented: set ssl_cert and ssl_key in node.conf', true);
  }
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? 'unknown');
    throw new WireError('AUTH_BAD_CERT', `client certificate refused: ${CERT_PROBLEMS[code] ?? code} (${code})`, true);
  }
  if (revoked.has(cert.fingerprint256)) {
    throw new WireError(
      'AUTH_BAD_CERT',
      'client certificate refused: it was revoked on the server; enrol again (cpsbackup --enrol) or install a new certificate',
      true,
    );
  }
  // A CA certificate is never a client's: one that chains to ours could otherwise sign more.
  if (new X509Certificate(cert.raw).ca) {
    throw new WireError('AUTH_BAD_CERT', 'client certificate refused: it is a CA certificate (basicConstraints CA:TRUE), not a client one', true);
  }
  const cnField = cert.subject?.CN;
  const cn = Array.isArray(cnField) ? cnField.join(',') : (cnField ?? '');
  const found = clients.lookup(clientName);
  requireAllowedNetwork(socket.remoteAddress ?? '', found.ok ? found.config : undefined, server);
  if (!found.ok) {
    const code = found.reason === 'unknown' ? 'AUTH_UNKNOWN_CLIENT' : 'AUTH_CLIENT_CONFIG';
    // What the server's files say and where they are is the operator's business (it is logged there).
    const msg =
      found.reason === 'unknown'
        ? `unknown client ${JSON.stringify(clientName)}: the server has no client file for it (ask its operator to add one, or set cname in node.conf)`
        : `the server's client file for ${JSON.stringify(clientName)} is invalid; its operator has the details`;
    throw new WireError(code, msg, true);
  }
  if (found.config.ssl_peer_cn !== cn) {
    throw new WireError(
      'AUTH_CN_MISMATCH',
      `certificate CN ${JSON.stringify(cn)} does not match ssl_peer_cn ${JSON.stringify(found.config.ssl_peer_cn)} of client ${JSON.stringify(clientName)}`,
      true,
    );
  }
  if (!clientEnabled(server, found.config)) {
    throw new WireError(
      'AUTH_DISABLED',
      `client ${JSON.stringify(clientName)} is not enabled on the server (enabled = 0): ask its operator to set enabled = 1 in its client file or server.conf`,
      true,
    );
  }
  return { config: found.config, cn };
}

/**
 * Burp's network_allow: the client file's list, else server.conf's (a
 * client the server does not know, and an enrolment before its file is
 * read, get server.conf's). The same words whether the client exists or not.
 */
export function requireAllowedNetwork(peer: string, client: ClientConfig | undefined, server: ServerConfig): void {
  const rules = client?.network_allow.length ? client.network_allow : server.network_allow;
  if (networkAllows(rules, peer)) return;
  throw new WireError(
    'AUTH_NETWORK',
    `connections from ${peer} are not allowed for this client (network_allow on the server): connect from an allowed network, or ask the server's operator to add this one`,
    true,
  );
}
