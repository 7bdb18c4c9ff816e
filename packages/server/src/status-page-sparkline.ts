/** One backup on a sparkline: its value, and whether it failed (drawn in red). */
export interface Point {
  v: number;
  bad: boolean;
}

const W = 84;
const H = 20;

/**
 * A small line (inline SVG) of recent backups, oldest left; a failed one is
 * a red dot. "no data" when there is none, never an empty frame with a
 * made-up scale. `label` says what it shows, for a screen reader and a
 * tooltip.
 */
export function sparkline(points: readonly Point[], label: string): string {
  if (!points.length) return '<span class="nodata">no data</span>';
  const max = Math.max(...points.map((p) => p.v));
  const step = points.length > 1 ? (W - 4) / (points.length - 1) : 0;
  const xy = points.map((p, i) => [2 + i * step, max > 0 ? H - 2 - (p.v / max) * (H - 4) : H - 2] as const);
  const line = points.length > 1 ? `<polyline points="${xy.map(([x, y]) => `${x.toFixed(0)},${y.toFixed(0)}`).join(' ')}" class="spark"/>` : '';
  const dots = xy
    .map(([x, y], i) =>
      points[i]!.bad || points.length === 1 ? `<circle cx="${x.toFixed(0)}" cy="${y.toFixed(0)}" r="2" class="${points[i]!.bad ? 'dotbad' : 'dot'}"/>` : '',
    )
    .join('');
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${label}"><title>${label}</title>${line}${dots}</svg>`;
}
