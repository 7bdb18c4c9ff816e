/**
 * A byte count in binary units, as people read it: "512 B", "1.5 MiB".
 * The units a size in a conf file is written in (parseSize in spec.ts),
 * for every program's output: the CLI, the status page, check_cpsbackup.
 */
export function bytesText(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}
