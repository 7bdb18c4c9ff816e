import type { NodeConfig } from '@cpsbackup/config';
import { ExitCode } from '../../errors';
import type { CliArgs } from '../options';
import type { Report } from '../report';

/** `--enrol`: gets this node's certificate signed by the server, once. */
export async function enrol(config: NodeConfig, argv: CliArgs): Promise<Report> {
  // node-forge loads only when asked for: it was a large part of every command's start-up time.
  const { runEnrol } = await import('../../client/enrol.js');
  const r = await runEnrol(config, argv.password ?? config.password);
  const line = `Enrolled ${config.cname}: certificate ${r.certFile} (SHA-256 ${r.fingerprint})`;
  return { text: [line], json: { enrolled: config.cname, certificate: r.certFile, fingerprint: r.fingerprint }, exit: ExitCode.OK };
}
