#!/usr/bin/env node
/**
 * cpsbackup-certs: creates the CA, the server certificate and client
 * certificates in a directory (existing files are kept).
 *
 *   cpsbackup-certs --dir certs --server cpsbackupd --client cpsnode [--client other] [--alt-name 127.0.0.1]
 */
import { parseArgs } from 'node:util';
import { ensureCa, ensureIssued } from './cert-dir';

function main(): number {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: 'certs' },
      server: { type: 'string', multiple: true, default: [] },
      client: { type: 'string', multiple: true, default: [] },
      'alt-name': { type: 'string', multiple: true, default: ['localhost', '127.0.0.1'] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('usage: cpsbackup-certs --dir DIR [--server CN]... [--client CN]... [--alt-name NAME]...\n');
    return 0;
  }
  const dir = values.dir!;
  const ca = ensureCa(dir);
  for (const cn of values.server!) {
    if (ensureIssued(dir, ca, cn, 'server', values['alt-name'])) process.stdout.write(`server certificate ${dir}/${cn}.pem\n`);
  }
  for (const cn of values.client!) {
    if (ensureIssued(dir, ca, cn, 'client')) process.stdout.write(`client certificate ${dir}/${cn}.pem\n`);
  }
  return 0;
}

process.exitCode = main();
