import { type ClientStatus, type StatusReport } from './status-report';
import { renderStatusPage } from './status-page-page';
import { CSS, PALETTE, TEXT_PAIRS } from './status-page-style';
import { viewOf } from './status-page-view';

/** WCAG 2 relative luminance of "#rrggbb". */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** WCAG 2 contrast ratio of two colours. */
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const NOW = Date.parse('2026-12-07T12:00:00Z');
const HOUR = 3600_000;

/** A client as the report gives it: backed up an hour ago every day, unless `over` says otherwise. */
function client(name: string, over: Partial<ClientStatus> = {}): ClientStatus {
  const at = new Date(NOW - HOUR).toISOString();
  return {
    name,
    labels: [],
    enabled: true,
    lastSuccess: { number: 3, finishedAt: at, seconds: 40, files: 1200, bytes: 5 << 20, newBytes: 1 << 20 },
    lastResult: { number: 3, status: 'available', reason: null, at },
    lastAttemptAt: at,
    running: null,
    backups: 3,
    storedBytes: 7 << 20,
    expectedIntervalSeconds: 86400,
    overdue: false,
    failuresSinceStart: 0,
    damaged: [],
    recordProblems: [],
    history: [1, 2, 3].map((n) => ({ number: n, status: 'available', at, seconds: 30 + n, bytes: (4 + n) << 20, newBytes: 1 << 20 })),
    ...over,
  };
}

function reportOf(clients: ClientStatus[]): StatusReport {
  return {
    server: { version: '1.2.3', uptimeSeconds: 7200, connections: 1 },
    store: {
      clients: clients.length,
      backups: { available: 3, error: 0, creating: 0 },
      logicalBytes: 0,
      chunks: 0,
      uniqueBytes: 0,
      storedBytes: 1 << 30,
      packs: 0,
      dedupRatio: 3,
      compressionRatio: 1,
      recordProblems: [],
    },
    lowSpace: null,
    clients,
  };
}

/** The page's text as a person reads it (tags dropped, entities decoded). */
function textOf(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/, '')
    .replace(/<title>[\s\S]*?<\/title>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .replace(/ ([,:])/g, '$1');
}

/** 500 clients: 9 failed, 18 overdue, 5 never, 468 ok (names in no helpful order). */
function fleet(): ClientStatus[] {
  const clients: ClientStatus[] = [];
  for (let i = 0; i < 500; i++) {
    const name = `host-${String((i * 7919) % 1000).padStart(3, '0')}`;
    if (i % 60 === 7)
      clients.push(client(name, { lastResult: { number: 4, status: 'error', reason: `disk read error on /srv/${i}`, at: new Date(NOW).toISOString() } }));
    else if (i % 29 === 3)
      clients.push(client(name, { overdue: true, lastSuccess: { ...client(name).lastSuccess!, finishedAt: new Date(NOW - (30 + i) * HOUR).toISOString() } }));
    else if (i % 100 === 50) clients.push(client(name, { lastSuccess: null, lastResult: null, backups: 0, storedBytes: 0, history: [], overdue: true }));
    else clients.push(client(name));
  }
  return clients;
}

describe('the status page', () => {
  test('every text colour meets WCAG AA (4.5:1) on its background', () => {
    const failing = TEXT_PAIRS.map((p) => ({ ...p, ratio: contrast(PALETTE[p.fg], PALETTE[p.bg]) })).filter((p) => p.ratio < 4.5);
    expect(failing).toEqual([]);
    // Every text colour the CSS sets is one of the pairs' (no colour escapes the check).
    const texts = new Set(TEXT_PAIRS.map((p) => PALETTE[p.fg]));
    const used = [...CSS.matchAll(/(?:^|[;{])color:(#[0-9a-f]{6})/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((c) => !texts.has(c as never))).toEqual([]);
    // The colours the page used to have fail: the check can tell.
    expect(contrast('#718096', '#ffffff')).toBeLessThan(4.5);
  });

  test('problems first: a summary, then every client that needs attention, worst first', () => {
    const html = renderStatusPage(reportOf(fleet()), viewOf(new URLSearchParams()), NOW);
    const text = textOf(html);
    expect(text).toContain('500 clients: 9 failed, 18 overdue, 5 never, 468 ok');
    const attention = html.slice(html.indexOf('<section id="attention">'), html.indexOf('</section>'));
    const states = [...attention.matchAll(/<span class="st">(\w+)<\/span>/g)].map((m) => m[1]);
    expect(states).toEqual([...Array(9).fill('FAILED'), ...Array(18).fill('OVERDUE'), ...Array(5).fill('NEVER')]);
    expect(textOf(attention)).toMatch(
      /^ Needs attention: 32 clients, worst first host-\d+ FAILED 0000004 error: disk read error on \/srv\/\d+ · last success 60m ago/,
    );
    // The longest overdue first.
    const hours = (t: string) => (t.endsWith('d') ? parseInt(t) * 24 : parseInt(t));
    const overdue = [...textOf(attention).matchAll(/last success (\w+) ago \(expected/g)].map((m) => hours(m[1]!));
    expect(overdue).toHaveLength(18);
    expect(overdue).toEqual([...overdue].sort((a, b) => b - a));
    // The table: every client, one row each, the problems on top by default.
    expect(html.match(/<tr class="/g)).toHaveLength(500);
    expect(html.indexOf('<tr class="failed"')).toBeLessThan(html.indexOf('<tr class="ok"'));
    // Bounded: what 500 clients weigh (docs/OPERATIONS.md states it).
    expect(html.length).toBeLessThan(450_000);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org)/);
  });

  test('sorted and filtered by its query string; what is typed is shown as text', () => {
    const report = reportOf(fleet());
    const names = (html: string) => [...html.matchAll(/<td class="name">([^<]*)<\/td>/g)].map((m) => m[1]!);
    const byName = names(renderStatusPage(report, viewOf(new URLSearchParams('sort=name&dir=desc')), NOW));
    expect(byName).toEqual([...byName].sort().reverse());
    const failed = renderStatusPage(report, viewOf(new URLSearchParams('state=failed')), NOW);
    expect(failed.match(/<tr class="/g)).toHaveLength(9);
    expect(textOf(failed)).toContain('showing 9 of 500 clients');
    const one = renderStatusPage(report, viewOf(new URLSearchParams('q=host-00')), NOW);
    expect(names(one).every((n) => n.startsWith('host-00'))).toBe(true);
    // The column header links keep the filter and turn the order round.
    expect(failed).toContain('<a href="/?sort=name&amp;state=failed">Client</a>');
    expect(renderStatusPage(report, viewOf(new URLSearchParams('sort=name&state=failed')), NOW)).toContain(
      '<a href="/?sort=name&amp;dir=desc&amp;state=failed">Client</a> ▲',
    );
    // Nonsense falls back to the default view; markup typed in the filter is text.
    const odd = renderStatusPage(report, viewOf(new URLSearchParams('sort=<x>&state=nope&q="><b>x')), NOW);
    expect(odd).toContain('value="&quot;&gt;&lt;b&gt;x"');
    expect(odd).not.toContain('"><b>x');
  });

  test('an empty chart says "no data"; counts are in words that agree with them', () => {
    const html = renderStatusPage(
      reportOf([
        client('fresh', { lastSuccess: null, lastResult: null, backups: 0, storedBytes: 0, history: [] }),
        client('single', { backups: 1, history: [{ number: 1, status: 'available', at: new Date(NOW).toISOString(), seconds: 3, bytes: 100, newBytes: 100 }] }),
        client('two', { backups: 2 }),
      ]),
      viewOf(new URLSearchParams()),
      NOW,
    );
    const text = textOf(html);
    expect(text).toMatch(/fresh NEVER never none 0 backups 0 B no data/);
    expect(text).toMatch(/single OK .* 1 backup 7\.0 MiB/);
    expect(html).toContain('size of the last 1 backup: max 100 B');
    expect(text).toMatch(/two OK .* 2 backups/);
    expect(text).toContain('3 clients: 0 failed, 0 overdue, 1 never, 2 ok');
    expect(html).not.toMatch(/e-\d/);
  });

  test('a client none of whose backups can be restored is DAMAGED, with what to do; disabled and running ones need no attention', () => {
    const damaged = client('vault', {
      lastSuccess: null,
      damaged: [{ number: 3, status: 'untrusted', reason: 'run cpsbackupd --repair-catalog' }],
    });
    const html = renderStatusPage(
      reportOf([
        damaged,
        client('off', { enabled: false, overdue: true }),
        client('busy', {
          running: { number: 4, phase: 'sending', startedAt: new Date(NOW).toISOString(), files: 1, bytes: 10, newBytes: 10, bytesPerSecond: 1 },
        }),
      ]),
      viewOf(new URLSearchParams()),
      NOW,
    );
    const text = textOf(html);
    expect(text).toMatch(/Needs attention: 1 client, worst first vault DAMAGED 0000003 untrusted: run cpsbackupd --repair-catalog All clients/);
    expect(text).toContain('3 clients: 0 failed, 1 damaged, 0 overdue, 0 never, 1 running, 1 disabled, 0 ok');
    expect(text).toMatch(/busy RUNNING .* running 0000004 sending · 1 file, 10 B/);
  });
});
