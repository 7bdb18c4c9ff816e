import type { NodeConfig } from '@cpsbackup/config';
import { runLabel } from '../../client/requests';
import { AgentError, ExitCode } from '../../errors';
import { formatListLine, summaryJson } from '../format';
import { type CliArgs, parseNumber } from '../options';
import type { Report } from '../report';

/** `--label N --name X --description Y`: names a backup after the fact. */
export async function label(config: NodeConfig, argv: CliArgs): Promise<Report> {
  const n = parseNumber(argv.label, '--label');
  if (n === 0) throw new AgentError('USAGE', '--label needs a backup number', ExitCode.CONFIG);
  const b = await runLabel(config, n, argv.name ?? '', argv.description ?? '');
  return { text: [formatListLine(b)], json: summaryJson(b), exit: ExitCode.OK };
}
