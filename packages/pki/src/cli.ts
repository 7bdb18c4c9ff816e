#!/usr/bin/env node
/**
 * cpsbackup-certs: creates the CA, the server certificate and client
 * certificates in a directory. Existing files are kept, unless --renew
 * replaces the named clients' keys and certificates; each line of the
 * output says what was done to which file.
 *
 *   cpsbackup-certs --dir certs --server cpsbackupd --client cpsnode [--client other] [--alt-name 127.0.0.1] [--renew]
 */
import { parseArgs } from 'node:util';
import { type CertFile, ensureCa, ensureIssued } from './cert-dir';

/** One line of output: what was done, with the paths and the validity. */
function describe(what: string, c: CertFile): string {
  const until = `valid until ${c.validTo.toISOString().slice(0, 10)}`;
  switch (c.outcome) {
    case 'made':
      return `made ${what} ${c.certFile} and key ${c.keyFile} (${until})`;
    case 'kept':
      return `kept ${what} ${c.certFile} (it exists, ${until})`;
    case 'renewed':
      return (
        `renewed ${what} ${c.certFile} and key ${c.keyFile} (${until}); the old certificate is now ${c.replacedCert}: ` +
        `revoke it on the server (cpsbackupd -c server.conf --revoke-cert ${c.replacedCert}) unless it is revoked already, and copy the new certificate and key to the node`
      );
  }
}

function main(): number {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: 'certs' },
      server: { type: 'string', multiple: true, default: [] },
      client: { type: 'string', multiple: true, default: [] },
      'alt-name': { type: 'string', multiple: true, default: ['localhost', '127.0.0.1'] },
      renew: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: cpsbackup-certs --dir DIR [--server CN]... [--client CN]... [--alt-name NAME]... [--renew]\n' +
        '  existing files are kept; --renew makes a new key and certificate for each --client (the old certificate is kept, to revoke it)\n',
    );
    return 0;
  }
  if (values.renew && values.client!.length === 0) {
    // Said as scripts/make-certs takes them (after the directory), the way this program is run.
    process.stderr.write(
      'cpsbackup-certs: --renew renews the certificates of the clients named on the command line; name at least one: scripts/make-certs --renew DIR CLIENT...\n',
    );
    return 2;
  }
  const dir = values.dir!;
  const ca = ensureCa(dir);
  process.stdout.write(`${describe('CA certificate', ca)}\n`);
  for (const cn of values.server!) {
    process.stdout.write(`${describe('server certificate', ensureIssued(dir, ca.ca, cn, 'server', values['alt-name']))}\n`);
  }
  for (const cn of values.client!) {
    const c = ensureIssued(dir, ca.ca, cn, 'client', [], { renew: values.renew });
    const hint = c.outcome === 'kept' ? '; if it was revoked, lost or expires soon, make a new one with --renew' : '';
    process.stdout.write(`${describe('client certificate', c)}${hint}\n`);
  }
  return 0;
}

process.exitCode = main();
