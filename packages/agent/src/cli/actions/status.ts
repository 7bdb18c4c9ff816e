import { ExitCode } from '../../errors';
import type { CliArgs } from '../options';
import type { Report } from '../report';
import { runStatus } from '../status-command';

/** `cpsbackup status`: cpsbackupd's status port as a table, or its document (--json). */
export async function status(argv: CliArgs): Promise<Report> {
  const { report, table } = await runStatus(argv.url, argv.token ?? process.env.CPSBACKUP_STATUS_TOKEN ?? '');
  return { text: table, json: report, exit: ExitCode.OK };
}
