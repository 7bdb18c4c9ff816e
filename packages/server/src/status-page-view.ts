import { type ClientStatus } from './status-report';

/** A client's state on the status page: one word, exclusive. */
export type State = 'FAILED' | 'DAMAGED' | 'PARTIAL' | 'OVERDUE' | 'NEVER' | 'RUNNING' | 'DISABLED' | 'OK';

/** Worst first: the order of the "needs attention" list, and of the table sorted by state. */
const SEVERITY: readonly State[] = ['FAILED', 'DAMAGED', 'PARTIAL', 'OVERDUE', 'NEVER', 'RUNNING', 'DISABLED', 'OK'];

/** The states an operator has to act on. */
const ATTENTION: ReadonlySet<State> = new Set<State>(['FAILED', 'DAMAGED', 'PARTIAL', 'OVERDUE', 'NEVER']);

function stateOf(c: ClientStatus): State {
  if (c.running) return 'RUNNING';
  if (!c.enabled) return 'DISABLED';
  // The last attempt decides first: a client that never succeeded but tried and failed is FAILED, not NEVER.
  if (c.lastResult?.status === 'error') return 'FAILED';
  if (c.lastResult?.status === 'partial') return 'PARTIAL';
  if (c.damaged.length) return 'DAMAGED';
  if (!c.lastSuccess) return c.lastResult ? 'FAILED' : 'NEVER';
  return c.overdue ? 'OVERDUE' : 'OK';
}

export function needsAttention(state: State): boolean {
  return ATTENTION.has(state);
}

/** The table's sort keys: one per column header. */
const SORT_KEYS = ['name', 'state', 'success', 'result', 'size'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** What the state filter offers: every state, plus "attention" (all those needing it). */
export const STATE_FILTERS = ['all', 'attention', ...SEVERITY.map((s) => s.toLowerCase())] as const;

/**
 * How the table is shown, from the page's query string (?sort=&dir=&state=&q=).
 * Sorting and filtering are done here, on the server, from plain links and a
 * GET form: they work with no script at all, and the page keeps its CSP
 * (default-src 'none', no script allowed).
 */
export interface PageView {
  sort: SortKey;
  descending: boolean;
  /** One of STATE_FILTERS. */
  state: string;
  /** Part of a client's name (case-insensitive); empty: every client. */
  query: string;
}

export const DEFAULT_VIEW: PageView = { sort: 'state', descending: false, state: 'all', query: '' };

/** The view a query string asks for; anything unknown falls back to the default (never an error page). */
export function viewOf(params: URLSearchParams): PageView {
  const sort = params.get('sort') ?? '';
  const state = (params.get('state') ?? '').toLowerCase();
  return {
    sort: (SORT_KEYS as readonly string[]).includes(sort) ? (sort as SortKey) : DEFAULT_VIEW.sort,
    descending: params.get('dir') === 'desc',
    state: (STATE_FILTERS as readonly string[]).includes(state) ? state : DEFAULT_VIEW.state,
    query: (params.get('q') ?? '').slice(0, 200),
  };
}

/** The query string of `view` (defaults left out), for links and the form. */
export function queryOf(view: PageView): string {
  const p = new URLSearchParams();
  if (view.sort !== DEFAULT_VIEW.sort) p.set('sort', view.sort);
  if (view.descending) p.set('dir', 'desc');
  if (view.state !== DEFAULT_VIEW.state) p.set('state', view.state);
  if (view.query) p.set('q', view.query);
  const s = p.toString();
  return s ? `?${s}` : '?';
}

/** A client with what the page derives from it. */
export interface Row {
  c: ClientStatus;
  state: State;
  /** Milliseconds since its last success; Infinity: never. */
  sinceMs: number;
}

export function rowsOf(clients: readonly ClientStatus[], now: number): Row[] {
  return clients.map((c) => ({ c, state: stateOf(c), sinceMs: c.lastSuccess ? now - Date.parse(c.lastSuccess.finishedAt) : Infinity }));
}

/** Worst state first; within one, the longest without a good backup first, then by name. */
export function worstFirst(a: Row, b: Row): number {
  return SEVERITY.indexOf(a.state) - SEVERITY.indexOf(b.state) || b.sinceMs - a.sinceMs || byName(a, b);
}

function byName(a: Row, b: Row): number {
  return a.c.name < b.c.name ? -1 : a.c.name > b.c.name ? 1 : 0;
}

const COMPARE: Record<SortKey, (a: Row, b: Row) => number> = {
  name: byName,
  state: worstFirst,
  // Ascending: the oldest last success first (never before any).
  success: (a, b) => b.sinceMs - a.sinceMs || byName(a, b),
  result: (a, b) => (a.c.lastResult?.status ?? '').localeCompare(b.c.lastResult?.status ?? '') || byName(a, b),
  size: (a, b) => a.c.storedBytes - b.c.storedBytes || byName(a, b),
};

/** The table's rows: filtered and sorted as `view` says. */
export function tableRows(rows: readonly Row[], view: PageView): Row[] {
  const q = view.query.toLowerCase();
  const shown = rows.filter(
    (r) =>
      (view.state === 'all' || (view.state === 'attention' ? needsAttention(r.state) : r.state.toLowerCase() === view.state)) &&
      (!q || r.c.name.toLowerCase().includes(q)),
  );
  const cmp = COMPARE[view.sort];
  return shown.sort((a, b) => (view.descending ? -cmp(a, b) : cmp(a, b)));
}
