import type { NodeConfig } from '@cpsbackup/config';
import { runVerifyRequest } from '../../client/requests';
import { ExitCode } from '../../errors';
import { formatBytes, formatNumber } from '../format';
import { type CliArgs, parseNumber } from '../options';
import type { Report } from '../report';

/** `--verify [N]`: the server re-reads and checks this node's backups. */
export async function verify(config: NodeConfig, argv: CliArgs): Promise<Report> {
  const r = await runVerifyRequest(config, parseNumber(argv.verify, '--verify'));
  const damaged = (r.damaged ?? []).map((d) => ({ number: Number(d.number), manifestDamaged: !!d.manifestDamaged, files: d.files ?? [] }));
  const catalogProblems = r.catalogProblems ?? [];
  const text = [
    `Checked ${Number(r.chunksChecked ?? 0)} chunks (${formatBytes(Number(r.bytesChecked ?? 0))}): ${r.ok ? 'all sound' : `${Number(r.badChunks ?? 0)} damaged`}`,
  ];
  for (const d of damaged) {
    if (d.manifestDamaged) text.push(`backup ${formatNumber(d.number)}: file list unreadable`);
    for (const f of d.files) text.push(`backup ${formatNumber(d.number)}: damaged ${f}`);
  }
  for (const p of catalogProblems) text.push(`server catalog: ${p} (the server's operator must repair it)`);
  return {
    text,
    json: {
      ok: !!r.ok,
      chunks: Number(r.chunksChecked ?? 0),
      bytes: Number(r.bytesChecked ?? 0),
      badChunks: Number(r.badChunks ?? 0),
      damaged,
      catalogProblems,
    },
    exit: r.ok ? ExitCode.OK : ExitCode.FAILED,
  };
}
