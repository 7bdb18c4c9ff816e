import type { NodeConfig } from '@cpsbackup/config';
import { type CliArgs } from '../options';
import { runList } from '../../client/requests';
import { ExitCode } from '../../errors';
import { formatListLine, formatUsage, summaryJson, usageJson } from '../format';
import type { Report } from '../report';

/** `-l`: this node's backups (or -C's), one line each, then its usage against its quotas. */
export async function list(config: NodeConfig, argv: CliArgs): Promise<Report> {
  const { backups, usage } = await runList(config, argv.client);
  return {
    text: [...backups.map((b) => formatListLine(b, !!usage.canDelete)), formatUsage(usage)],
    json: { backups: backups.map(summaryJson), usage: usageJson(usage) },
    exit: ExitCode.OK,
  };
}
