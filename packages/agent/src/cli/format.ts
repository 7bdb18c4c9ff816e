import { bytesText, untrustedText as shown } from '@cpsbackup/config';
import { type cpsbackup } from '@cpsbackup/protocol';
import { EntryType, type FileEntry, keyIdText } from '@cpsbackup/format';
import { escapeName } from '../escaped-names';

/** Backup numbers print as 7 digits, as the original utility did. */
export function formatNumber(n: number | Long | null | undefined): string {
  return String(Number(n ?? 0)).padStart(7, '0');
}

type Long = { toString(): string };

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Local time as YYYY-MM-DD HH:MM:SS. */
function formatTime(ms: number): string {
  if (!ms) return '-';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** A backup's status as the CLI says it: an available backup that lacks part of what was asked for is "partial". */
export function statusWord(b: cpsbackup.BackupSummary.$Properties): string {
  return b.status === 'available' && b.partial ? 'partial' : (b.status ?? '?');
}

/**
 * One line of `cpsbackup -l`: the Canopsis page's `Backup: 0000001
 * 2015-02-24 09:33:18 (deletable)` for an available backup (scripts parse
 * it), with a status word only for the others (partial, error, creating...),
 * and the reason of one that failed or cannot be restored now (untrusted,
 * damaged: the server says what to do).
 */
export function formatListLine(b: cpsbackup.BackupSummary.$Properties, canDelete = true): string {
  const status = statusWord(b);
  const withReason = status === 'error' || status === 'untrusted' || status === 'damaged';
  // The reason, the name and the status word come from the server and the node (a reason names a node's path): shown escaped.
  const extra = withReason && b.reason ? ` ${shown(b.reason)}` : status === 'partial' ? ` ${shown(String(b.partial))}` : '';
  const word = status === 'available' ? '' : ` ${shown(status)}`;
  // An untrusted backup's delete is refused until the catalog is repaired (it would remove its sound record).
  const deletable = status === 'creating' || status === 'deleting' || status === 'untrusted' || !canDelete ? '' : ' (deletable)';
  const name = b.name ? ` "${shown(b.name)}"` : '';
  return `Backup: ${formatNumber(b.number)} ${formatTime(Number(b.startedAtMs ?? 0))}${word}${deletable}${name}${extra}`;
}

const TYPE_CHAR: Record<number, string> = {
  [EntryType.File]: '-',
  [EntryType.Directory]: 'd',
  [EntryType.Symlink]: 'l',
  [EntryType.Fifo]: 'p',
  [EntryType.CharDevice]: 'c',
  [EntryType.BlockDevice]: 'b',
  [EntryType.Socket]: 's',
};

/** ls -l style mode string. */
function formatMode(type: number, mode: number): string {
  const rwx = (bits: number, special: boolean, ch: string) =>
    `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${special ? (bits & 1 ? ch : ch.toUpperCase()) : bits & 1 ? 'x' : '-'}`;
  return (
    (TYPE_CHAR[type] ?? '?') +
    rwx((mode >> 6) & 7, !!(mode & 0o4000), 's') +
    rwx((mode >> 3) & 7, !!(mode & 0o2000), 's') +
    rwx(mode & 7, !!(mode & 0o1000), 't')
  );
}

/** One line of `cpsbackup -s`: type+mode, owner, size, mtime, path. */
export function formatEntryLine(e: FileEntry): string {
  const owner = `${e.user || e.uid}/${e.group || e.gid}`;
  const link = e.type === EntryType.Symlink ? ` -> ${escapeName(e.linkTarget)}` : '';
  const fifo = (e.type === EntryType.Fifo || e.type === EntryType.BlockDevice) && e.chunks.length ? ' (content)' : '';
  return `${formatMode(e.type, e.mode)} ${owner.padEnd(17)} ${String(e.size).padStart(12)} ${formatTime(Number(e.mtimeNs / 1_000_000n))} ${escapeName(e.path)}${link}${fifo}`;
}

/** A summary as plain JSON (numbers, not Longs). */
export function summaryJson(b: cpsbackup.BackupSummary.$Properties): Record<string, unknown> {
  return {
    number: Number(b.number ?? 0),
    parent: Number(b.parentNumber ?? 0) || null,
    status: statusWord(b),
    reason: b.reason || null,
    name: b.name || null,
    description: b.description || null,
    startedAt: b.startedAtMs ? new Date(Number(b.startedAtMs)).toISOString() : null,
    finishedAt: Number(b.finishedAtMs ?? 0) ? new Date(Number(b.finishedAtMs)).toISOString() : null,
    files: Number(b.fileCount ?? 0),
    bytes: Number(b.logicalBytes ?? 0),
    newChunks: Number(b.newChunks ?? 0),
    newBytes: Number(b.newRawBytes ?? 0),
    storedBytes: Number(b.newStoredBytes ?? 0),
    partial: b.partial || null,
    // An encrypted backup: the key that reads it (what --change-key --keep-old-backups kept it with).
    key: b.keyId?.length ? keyIdText(b.keyId) : null,
    warnings: b.warnings ?? [],
    // Older servers send no count: then every warning came along.
    warningCount: Number(b.warningCount ?? 0) || (b.warnings ?? []).length,
  };
}

/** An entry as plain JSON. */
export function entryJson(e: FileEntry): Record<string, unknown> {
  return {
    path: e.path.toString(),
    type: Object.entries(EntryType)
      .find(([, v]) => v === e.type)?.[0]
      .toLowerCase(),
    mode: e.mode.toString(8).padStart(4, '0'),
    user: e.user,
    group: e.group,
    uid: e.uid,
    gid: e.gid,
    size: e.size,
    mtime: new Date(Number(e.mtimeNs / 1_000_000n)).toISOString(),
    ...(e.type === EntryType.Symlink ? { target: e.linkTarget.toString() } : {}),
  };
}

/** The usage line under `cpsbackup -l`. */
export function formatUsage(u: cpsbackup.Usage.$Properties): string {
  const backups = Number(u.backups ?? 0);
  const bytes = Number(u.storedBytes ?? 0);
  const qb = Number(u.quotaBackups ?? 0);
  const qs = Number(u.quotaBytes ?? 0);
  return `Usage: ${backups} backups${qb ? ` of ${qb} allowed` : ''}, ${bytesText(bytes)} stored${qs ? ` of ${bytesText(qs)} allowed` : ''}`;
}

/** Usage as plain JSON. */
export function usageJson(u: cpsbackup.Usage.$Properties): Record<string, unknown> {
  return {
    backups: Number(u.backups ?? 0),
    storedBytes: Number(u.storedBytes ?? 0),
    quotaBackups: Number(u.quotaBackups ?? 0) || null,
    quotaBytes: Number(u.quotaBytes ?? 0) || null,
    canDelete: !!u.canDelete,
    canRestore: !!u.canRestore,
  };
}
