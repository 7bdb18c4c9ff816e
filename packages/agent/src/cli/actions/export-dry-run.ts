import { bytesText, type NodeConfig } from '@cpsbackup/config';
import { type DryRunPath, dryRunBackup, serverParent } from '../../backup/dry-run';
import { loadNodeKey } from '../../encryption/node-key';
import { keyAccessOf } from '../../client/key-requests';
import { ExitCode } from '../../errors';
import { escapeName } from '../../escaped-names';
import { loadDumpJobs } from '../../jobs/backup-job';
import { formatNumber } from '../format';
import type { CliArgs } from '../options';
import { terminalPrompt } from '../passphrase-prompt';
import type { Report } from '../report';

/**
 * `-e --dry-run`: what a backup now would hold and how much of it is new
 * or changed since the parent, with no backup made, no file's content
 * read, no script or dump job run. It connects to the server only to read
 * the parent's file list (as a backup does, over a metadata-only read):
 * without it, the counts come without the comparison.
 */
export async function exportDryRun(config: NodeConfig, argv: CliArgs): Promise<Report> {
  const keys = await loadNodeKey(config, keyAccessOf(config, terminalPrompt()));
  const paths: DryRunPath[] = [];
  const verbose = argv.verbose || argv.json;
  const r = await dryRunBackup(config, serverParent(config, keys), verbose ? (p) => paths.push(p) : undefined);
  const dumps = loadDumpJobs(config)?.jobs.map((j) => j.name) ?? [];
  const line = (p: DryRunPath) =>
    `${(p.state ?? (p.kind === 'file' ? 'file' : p.kind)).padEnd(9)} ${String(p.size).padStart(12)} ${escapeName(p.path)}${p.contentRead ? ' (its content would be read)' : ''}`;
  const tally = (t: { files: number; bytes: number }, what: string) => `${t.files} ${what} (${bytesText(t.bytes)})`;
  const text = [
    ...(argv.verbose ? paths.map(line) : []),
    `Dry run, nothing backed up: a backup now would hold ${r.files} files (${bytesText(r.bytes)}), ${r.dirs} directories and ${r.others} other entries`,
    r.parent !== undefined
      ? `compared with backup ${formatNumber(r.parent)}: ${tally(r.new, 'new')}, ${tally(r.changed, 'changed')}, ${tally(r.unchanged, 'unchanged')}; ` +
        `a backup would read the new and changed files (${bytesText(r.new.bytes + r.changed.bytes)}) and send what the server does not hold of them`
      : `not compared with a previous backup: ${r.notCompared ?? ''}`,
    ...(r.contentNotRead
      ? [`${r.contentNotRead} FIFOs or block devices would have their content read (read_fifo, read_blockdev...): not read now, not counted in the bytes`]
      : []),
    ...(dumps.length
      ? [`${dumps.length} dump jobs would run (${dumps.join(', ')}) and their dumps be read: not run now, not counted (nor backup_script_pre/post)`]
      : []),
    ...r.warnings.map((w) => `warning: ${w}`),
  ];
  const json = {
    dryRun: true,
    files: r.files,
    dirs: r.dirs,
    others: r.others,
    bytes: r.bytes,
    parent: r.parent ?? null,
    notCompared: r.notCompared ?? null,
    new: r.new,
    changed: r.changed,
    unchanged: r.unchanged,
    contentNotRead: r.contentNotRead,
    dumpJobs: dumps,
    warnings: r.warnings,
    paths: paths.map((p) => ({ path: p.path.toString(), type: p.kind, size: p.size, state: p.state ?? null, ...(p.contentRead ? { contentRead: true } : {}) })),
  };
  return { text, json, exit: ExitCode.OK };
}
