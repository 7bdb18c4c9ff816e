/** Figures as people read them, for the status page, check_cpsbackup and notify scripts (byte counts: bytesText in @cpsbackup/config). */

/** A backup number as Burp and the Canopsis tool print it: 7 digits. */
export function backupNumberText(n: number): string {
  return String(n).padStart(7, '0');
}

/** A duration: "45s", "12m", "3h12m", "4d". */
export function ago(s: number): string {
  if (s < 120) return `${Math.round(s)}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h${Math.round((s % 3600) / 60)}m`;
  return `${Math.round(s / 86400)}d`;
}

/** "1 backup", "2 backups". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
