import type { NodeConfig } from '@cpsbackup/config';
import { runDelete } from '../../client/requests';
import { AgentError, ExitCode } from '../../errors';
import { formatNumber } from '../format';
import { type CliArgs, parseNumber } from '../options';
import type { Report } from '../report';

/** `-d N`: deletes a backup (other backups never depend on it). */
export async function deleteBackup(config: NodeConfig, argv: CliArgs): Promise<Report> {
  const number = parseNumber(argv.delete, '-d');
  if (number === 0) throw new AgentError('USAGE', '-d needs a backup number', ExitCode.CONFIG);
  await runDelete(config, number);
  return { text: [`Backup ${formatNumber(number)} deleted`], json: { deleted: number }, exit: ExitCode.OK };
}
