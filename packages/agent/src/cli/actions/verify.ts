import { bytesText, type NodeConfig, untrustedText as shown } from '@cpsbackup/config';
import { runCheckSealedTrees, runVerifyRequest } from '../../client/requests';
import { terminalPrompt } from '../passphrase-prompt';
import { ExitCode } from '../../errors';
import { formatNumber } from '../format';
import { type CliArgs, parseNumber } from '../options';
import type { Report } from '../report';

/** `--verify [N]`: the server re-reads and checks this node's backups; an encrypted node reads their file lists itself. */
export async function verify(config: NodeConfig, argv: CliArgs): Promise<Report> {
  const number = parseNumber(argv.verify, '--verify');
  const r = await runVerifyRequest(config, number);
  // An encrypted node's file lists only the node can read: it checks them itself.
  const trees = await runCheckSealedTrees(config, number, terminalPrompt());
  const damaged: Array<{ number: number; manifestDamaged: boolean; files: string[]; message?: string }> = (r.damaged ?? []).map((d) => ({
    number: Number(d.number),
    manifestDamaged: !!d.manifestDamaged,
    files: d.files ?? [],
  }));
  for (const t of trees.damaged) damaged.push({ number: t.number, manifestDamaged: true, files: [], message: t.message });
  const ok = !!r.ok && trees.damaged.length === 0;
  const catalogProblems = r.catalogProblems ?? [];
  const text = [
    `Checked ${Number(r.chunksChecked ?? 0)} chunks (${bytesText(Number(r.bytesChecked ?? 0))}): ${r.ok ? 'all sound' : `${Number(r.badChunks ?? 0)} damaged`}`,
  ];
  if (trees.checked > 0) {
    text.push(
      `Read the file lists of ${trees.checked} encrypted backups on this node: ${trees.damaged.length ? `${trees.damaged.length} damaged` : 'all sound'}`,
    );
  }
  for (const d of damaged) {
    if (d.message) text.push(shown(d.message));
    else if (d.manifestDamaged) text.push(`backup ${formatNumber(d.number)}: file list unreadable`);
    for (const f of d.files) text.push(`backup ${formatNumber(d.number)}: damaged ${shown(f)}`);
  }
  for (const p of catalogProblems) text.push(`server catalog: ${shown(p)} (the server's operator must repair it)`);
  return {
    text,
    json: {
      ok,
      chunks: Number(r.chunksChecked ?? 0),
      bytes: Number(r.bytesChecked ?? 0),
      badChunks: Number(r.badChunks ?? 0),
      damaged,
      catalogProblems,
    },
    exit: ok ? ExitCode.OK : ExitCode.FAILED,
  };
}
