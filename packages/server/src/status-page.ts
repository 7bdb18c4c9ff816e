import { bytesText } from '@cpsbackup/config';
import { ago, backupNumberText } from './human';
import { type ClientStatus, type StatusReport } from './status-report';

/**
 * The status port's page at `/`: every client with its state, last
 * success and its age, last result and reason, size, and bar charts of its
 * recent backups' sizes and durations. One self-contained document (inline
 * CSS and SVG, no script, no external asset) that reads on a phone.
 */
export function renderStatusPage(report: StatusReport, now: number = Date.now()): string {
  const overdue = report.clients.filter((c) => c.overdue).length;
  const failing = report.clients.filter((c) => c.lastResult && c.lastResult.status !== 'available').length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="60">
<title>cpsbackup: ${report.clients.length} clients, ${overdue} overdue</title>
<style>${CSS}</style></head>
<body>
<header><h1>cpsbackup</h1>
<p class="summary">${report.clients.length} clients · <b class="${overdue ? 'bad' : 'good'}">${overdue} overdue</b> · <b class="${failing ? 'bad' : 'good'}">${failing} failing</b> · store ${bytesText(report.store.storedBytes)} · dedup ×${report.store.dedupRatio.toFixed(1)} · cpsbackupd ${esc(report.server.version)}, up ${ago(report.server.uptimeSeconds)}</p></header>
${report.lowSpace ? lowSpaceBanner(report.lowSpace) : ''}${report.store.recordProblems.length ? recordsBanner(report.store.recordProblems) : ''}<main>
${report.clients.map((c) => clientCard(c, now)).join('\n')}
</main>
<footer>As of ${esc(new Date(now).toISOString())}; refreshes every minute. JSON at /status, Prometheus at /metrics.</footer>
</body></html>
`;
}

/** The store short of space: what is wrong, and what the operator must do. */
function lowSpaceBanner(low: NonNullable<StatusReport['lowSpace']>): string {
  return `<p class="alert"><b class="bad">STORAGE FULL</b> since ${esc(low.since)}: ${bytesText(low.freeBytes)} free, ${bytesText(low.neededBytes)} needed. New backups are refused; listing, restoring and deleting work. Delete old backups (cpsbackup -d NUMBER, or cpsbackupd prune) and run cpsbackupd gc, or free space on the store's disk: backups resume by themselves.</p>
`;
}

/** The backup records in question (store.recordProblems): each says what is wrong and what to do. */
function recordsBanner(problems: readonly string[]): string {
  return `<p class="alert"><b class="bad">BACKUP RECORDS</b> ${problems.map(esc).join('<br>')}</p>
`;
}

type State = 'OK' | 'RUNNING' | 'OVERDUE' | 'FAILED' | 'NEVER' | 'DAMAGED';

function stateOf(c: ClientStatus): State {
  if (c.running) return 'RUNNING';
  if (!c.lastSuccess) return 'NEVER';
  if (c.lastResult && c.lastResult.status !== 'available') return 'FAILED';
  if (c.damaged.length) return 'DAMAGED';
  return c.overdue ? 'OVERDUE' : 'OK';
}

function clientCard(c: ClientStatus, now: number): string {
  const state = stateOf(c);
  const rows: string[] = [];
  if (c.lastSuccess) {
    const since = (now - Date.parse(c.lastSuccess.finishedAt)) / 1000;
    rows.push(
      row(
        'last success',
        `${backupNumberText(c.lastSuccess.number)} · ${esc(c.lastSuccess.finishedAt.slice(0, 19).replace('T', ' '))} UTC · <b class="${c.overdue ? 'bad' : ''}">${ago(since)} ago</b>${c.overdue ? ` (expected every ${ago(c.expectedIntervalSeconds)})` : ''}`,
      ),
    );
  } else {
    rows.push(row('last success', '<b class="bad">never</b>'));
  }
  if (c.lastResult) {
    const reason = c.lastResult.reason ? `: ${esc(c.lastResult.reason)}` : '';
    rows.push(
      row(
        'last result',
        `${backupNumberText(c.lastResult.number)} <span class="tag ${c.lastResult.status === 'available' ? 'ok' : 'bad'}">${esc(c.lastResult.status)}</span>${reason}`,
      ),
    );
  }
  // A backup that cannot be restored now: its status and what to do.
  for (const d of c.damaged) rows.push(row('damaged', `${backupNumberText(d.number)} <span class="tag bad">${esc(d.status)}</span>: ${esc(d.reason)}`));
  if (c.running)
    rows.push(row('running', `${backupNumberText(c.running.number)} ${esc(c.running.phase)} · ${c.running.files} files, ${bytesText(c.running.bytes)}`));
  rows.push(
    row(
      'size',
      `${c.backups} backups · ${bytesText(c.storedBytes)} stored${c.lastSuccess ? ` · last ${bytesText(c.lastSuccess.bytes)}, ${c.lastSuccess.files} files` : ''}`,
    ),
  );
  const done = c.history.filter((h) => h.status !== 'creating');
  const charts = done.length
    ? `<div class="charts">${chart(
        'size',
        done.map((h) => ({ v: h.bytes, bad: h.status !== 'available', label: `${backupNumberText(h.number)}: ${bytesText(h.bytes)}` })),
        bytesText,
      )}${chart(
        'duration',
        done.map((h) => ({ v: h.seconds, bad: h.status !== 'available', label: `${backupNumberText(h.number)}: ${ago(h.seconds)}` })),
        ago,
      )}</div>`
    : '';
  return `<section class="client ${state.toLowerCase()}"><h2><span class="name">${esc(c.name)}</span> <span class="state">${state}</span></h2>
<dl>${rows.join('')}</dl>${charts}</section>`;
}

function row(label: string, html: string): string {
  return `<dt>${label}</dt><dd>${html}</dd>`;
}

/** A small bar chart (inline SVG) of the recent backups, oldest left; failed ones in red. */
function chart(title: string, points: Array<{ v: number; bad: boolean; label: string }>, fmt: (v: number) => string): string {
  const w = 160;
  const h = 36;
  const max = Math.max(...points.map((p) => p.v), 1e-9);
  const bw = w / Math.max(points.length, 1);
  const bars = points
    .map((p, i) => {
      const bh = Math.max(1, (p.v / max) * (h - 2));
      return `<rect x="${(i * bw + 1).toFixed(1)}" y="${(h - bh).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${bh.toFixed(1)}" class="${p.bad ? 'barbad' : 'bar'}"><title>${p.label}</title></rect>`;
    })
    .join('');
  return `<figure><svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${title} of the last ${points.length} backups">${bars}</svg><figcaption>${title}, last ${points.length} (max ${fmt(max)})</figcaption></figure>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

const CSS = `
body{font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f5f7;color:#1d2430}
header,main,footer{max-width:960px;margin:0 auto;padding:12px}
h1{font-size:20px;margin:4px 0}
.summary{margin:0;color:#4a5568}
.alert{max-width:936px;margin:0 auto 8px;padding:8px 12px;background:#fff5f5;border-left:6px solid #c53030}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
.client{background:#fff;border-radius:8px;padding:10px 12px;border-left:6px solid #2f855a;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.client.overdue,.client.failed,.client.never,.client.damaged{border-left-color:#c53030}
.client.running{border-left-color:#2b6cb0}
h2{font-size:17px;margin:0 0 6px;display:flex;justify-content:space-between;gap:8px}
.name{overflow-wrap:anywhere}
.state{font-size:12px;font-weight:700;padding:2px 6px;border-radius:4px;background:#c6f6d5;color:#22543d;align-self:center}
.overdue .state,.failed .state,.never .state,.damaged .state{background:#fed7d7;color:#822727}
.running .state{background:#bee3f8;color:#2a4365}
dl{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:0}
dt{color:#718096}
dd{margin:0;overflow-wrap:anywhere}
.bad{color:#c53030}
.good{color:#2f855a}
.tag{font-size:12px;padding:0 4px;border-radius:3px;background:#edf2f7}
.tag.bad{background:#fed7d7}
.charts{display:flex;gap:12px;flex-wrap:wrap;margin-top:8px}
figure{margin:0}
figcaption{font-size:12px;color:#718096}
.bar{fill:#4299e1}
.barbad{fill:#e53e3e}
footer{color:#718096;font-size:12px}
`;
