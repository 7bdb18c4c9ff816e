import { bytesText } from '@cpsbackup/config';
import { ago, backupNumberText, plural } from './human';
import { type StatusReport } from './status-report';
import { sparkline } from './status-page-sparkline';
import { CSS } from './status-page-style';
import {
  DEFAULT_VIEW,
  needsAttention,
  type PageView,
  queryOf,
  type Row,
  rowsOf,
  type SortKey,
  STATE_FILTERS,
  type State,
  tableRows,
  worstFirst,
} from './status-page-view';

/**
 * The status port's page at `/`, problems first: a summary line, the
 * clients that need attention (worst first, each on one line, so dozens
 * fit on the first screen), then every client in a compact table that
 * sorts and filters by query string. One self-contained document: inline
 * CSS and SVG, no script, no external asset (the CSP allows nothing else).
 */
export function renderStatusPage(report: StatusReport, view: PageView = DEFAULT_VIEW, now: number = Date.now()): string {
  const rows = rowsOf(report.clients, now);
  const counts = new Map<State, number>();
  for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  const attention = rows.filter((r) => needsAttention(r.state)).sort(worstFirst);
  const shown = tableRows(rows, view);
  const summary = summaryOf(rows.length, counts);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="60">
<title>cpsbackup: ${summary}</title>
<style>${CSS}</style></head>
<body>
<header><h1>cpsbackup</h1>
<p class="summary" id="summary">${summaryHtml(rows.length, counts)} · store ${bytesText(report.store.storedBytes)} · dedup ×${report.store.dedupRatio.toFixed(1)} · cpsbackupd ${esc(report.server.version)}, up ${ago(report.server.uptimeSeconds)}</p></header>
${report.lowSpace ? lowSpaceBanner(report.lowSpace) : ''}${report.store.recordProblems.length ? recordsBanner(report.store.recordProblems) : ''}<main>
${attention.length ? attentionList(attention) : '<p class="good" id="attention">No client needs attention.</p>'}
<h2 id="clients">All clients</h2>
${filterForm(view, shown.length, rows.length)}
<div class="scroll"><table><thead><tr>${header('name', 'Client', view)}${header('state', 'State', view)}${header('success', 'Last success', view)}${header('result', 'Last result', view)}${header('size', 'Size', view, 'hide-narrow')}<th class="hide-narrow">Recent sizes</th></tr></thead>
<tbody>
${shown.map((r) => tableRow(r)).join('\n')}
</tbody></table></div>
</main>
<footer>As of ${esc(new Date(now).toISOString())}; refreshes every minute. JSON at <a href="/status">/status</a>, Prometheus at /metrics.</footer>
</body></html>
`;
}

/** The states counted in the summary: the four always, the others when some client is in them. */
const SUMMARY_STATES: ReadonlyArray<{ state: State; word: string; always: boolean }> = [
  { state: 'FAILED', word: 'failed', always: true },
  { state: 'PARTIAL', word: 'partial', always: false },
  { state: 'DAMAGED', word: 'damaged', always: false },
  { state: 'OVERDUE', word: 'overdue', always: true },
  { state: 'NEVER', word: 'never', always: true },
  { state: 'RUNNING', word: 'running', always: false },
  { state: 'DISABLED', word: 'disabled', always: false },
  { state: 'OK', word: 'ok', always: true },
];

function summaryParts(counts: ReadonlyMap<State, number>): Array<{ n: number; word: string; bad: boolean }> {
  return SUMMARY_STATES.filter((s) => s.always || counts.get(s.state)).map((s) => ({
    n: counts.get(s.state) ?? 0,
    word: s.word,
    bad: needsAttention(s.state),
  }));
}

/** "500 clients: 10 failed, 20 overdue, 10 never, 460 ok" (for the title). */
function summaryOf(total: number, counts: ReadonlyMap<State, number>): string {
  return `${plural(total, 'client')}: ${summaryParts(counts)
    .map((p) => `${p.n} ${p.word}`)
    .join(', ')}`;
}

function summaryHtml(total: number, counts: ReadonlyMap<State, number>): string {
  return `${plural(total, 'client')}: ${summaryParts(counts)
    .map((p) => `<b class="${p.bad && p.n ? 'bad' : p.word === 'ok' ? 'good' : ''}">${p.n} ${p.word}</b>`)
    .join(', ')}`;
}

/** Why a client needs attention, in one line. */
function whyOf(r: Row): string {
  const c = r.c;
  const result = c.lastResult ? `${backupNumberText(c.lastResult.number)} ${c.lastResult.status}${c.lastResult.reason ? `: ${c.lastResult.reason}` : ''}` : '';
  const since = c.lastSuccess ? `last success ${ago(r.sinceMs / 1000)} ago` : 'never backed up';
  switch (r.state) {
    case 'FAILED':
    case 'PARTIAL':
      return `${result} · ${since}`;
    case 'DAMAGED':
      return c.damaged.map((d) => `${backupNumberText(d.number)} ${d.status}: ${d.reason}`).join('; ');
    case 'OVERDUE':
      return `${since} (expected every ${ago(c.expectedIntervalSeconds)})`;
    default:
      return since;
  }
}

function attentionList(rows: readonly Row[]): string {
  const items = rows.map((r) => {
    const why = whyOf(r);
    return `<li class="${r.state.toLowerCase()}" title="${esc(`${r.c.name}: ${why}`)}"><a href="#c-${esc(encodeURIComponent(r.c.name))}">${esc(r.c.name)}</a> <span class="st">${r.state}</span> <span class="why">${esc(why)}</span></li>`;
  });
  return `<section id="attention"><h2>Needs attention: ${plural(rows.length, 'client')}, worst first</h2>
<ol class="attn">
${items.join('\n')}
</ol></section>`;
}

function filterForm(view: PageView, shown: number, total: number): string {
  const options = STATE_FILTERS.map((s) => `<option value="${s}"${s === view.state ? ' selected' : ''}>${s}</option>`).join('');
  const hidden =
    (view.sort !== DEFAULT_VIEW.sort ? `<input type="hidden" name="sort" value="${view.sort}">` : '') +
    (view.descending ? '<input type="hidden" name="dir" value="desc">' : '');
  return `<form method="get" action="/"><label>Name contains <input type="search" name="q" value="${esc(view.query)}"></label> <label>State <select name="state">${options}</select></label>${hidden} <button type="submit">Show</button> <span class="sub">showing ${shown} of ${plural(total, 'client')}</span>${shown !== total ? ' <a href="/">show all</a>' : ''}</form>`;
}

/** A column header: a link that sorts by it (again: the other way). */
function header(key: SortKey, title: string, view: PageView, cls = ''): string {
  const current = view.sort === key;
  const next = queryOf({ ...view, sort: key, descending: current && !view.descending });
  const mark = current ? (view.descending ? ' ▼' : ' ▲') : '';
  return `<th${cls ? ` class="${cls}"` : ''}${current ? ` aria-sort="${view.descending ? 'descending' : 'ascending'}"` : ''}><a href="/${esc(next)}">${title}</a>${mark}</th>`;
}

function tableRow(r: Row): string {
  const c = r.c;
  const success = c.lastSuccess
    ? `<span class="hide-narrow">${esc(c.lastSuccess.finishedAt.slice(0, 16).replace('T', ' '))} </span><span class="${c.overdue ? 'bad' : 'sub'}">${ago(r.sinceMs / 1000)} ago</span>`
    : '<span class="bad">never</span>';
  const lines: string[] = [];
  if (c.lastResult) {
    const reason = c.lastResult.reason ? `: ${esc(c.lastResult.reason)}` : '';
    lines.push(
      `${backupNumberText(c.lastResult.number)} <span class="${c.lastResult.status === 'available' ? '' : 'bad'}">${esc(c.lastResult.status)}</span>${reason}`,
    );
  }
  // A backup that cannot be restored now: its status and what to do.
  for (const d of c.damaged) lines.push(`${backupNumberText(d.number)} <span class="tag bad">${esc(d.status)}</span>: ${esc(d.reason)}`);
  if (c.running)
    lines.push(
      `<span class="sub">running ${backupNumberText(c.running.number)} ${esc(c.running.phase)} · ${plural(c.running.files, 'file')}, ${bytesText(c.running.bytes)}</span>`,
    );
  for (const p of c.recordProblems) lines.push(`<span class="bad">${esc(p)}</span>`);
  const done = c.history.filter((h) => h.status !== 'creating');
  const spark = sparkline(
    done.map((h) => ({ v: h.bytes, bad: h.status !== 'available' })),
    done.length ? `size of the last ${plural(done.length, 'backup')}: max ${bytesText(Math.max(...done.map((h) => h.bytes)))}` : 'no data',
  );
  return `<tr class="${r.state.toLowerCase()}" id="c-${esc(c.name)}"><td class="name">${esc(c.name)}</td><td><span class="st">${r.state}</span></td><td class="num">${success}</td><td class="result">${lines.join('<br>') || '<span class="sub">none</span>'}</td><td class="num hide-narrow">${plural(c.backups, 'backup')} <span class="sub">${bytesText(c.storedBytes)}</span></td><td class="hide-narrow">${spark}</td></tr>`;
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

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}
