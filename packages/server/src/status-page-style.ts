/**
 * The status page's colours, named once: the CSS is written from them, and
 * TEXT_PAIRS lists every text colour with the background it is drawn on,
 * so a test can hold each pair to WCAG AA (contrast >= 4.5:1).
 */
export const PALETTE = {
  page: '#f4f5f7',
  panel: '#ffffff',
  ink: '#1d2430',
  muted: '#4a5568',
  link: '#2b6cb0',
  bad: '#b42323',
  good: '#276749',
  badBg: '#fed7d7',
  badInk: '#822727',
  okBg: '#c6f6d5',
  okInk: '#22543d',
  runBg: '#bee3f8',
  runInk: '#2a4365',
  offBg: '#e2e8f0',
  offInk: '#2d3748',
  rule: '#e2e8f0',
  head: '#edf2f7',
  alertBg: '#fff5f5',
  line: '#3182ce',
} as const;

type Colour = keyof typeof PALETTE;

/** Every (text, background) pair the CSS below draws. */
export const TEXT_PAIRS: ReadonlyArray<{ where: string; fg: Colour; bg: Colour }> = [
  { where: 'body text', fg: 'ink', bg: 'page' },
  { where: 'table text', fg: 'ink', bg: 'panel' },
  { where: 'summary, footer', fg: 'muted', bg: 'page' },
  { where: 'secondary text in the table', fg: 'muted', bg: 'panel' },
  { where: 'table header', fg: 'ink', bg: 'head' },
  { where: 'links', fg: 'link', bg: 'panel' },
  { where: 'column header links', fg: 'link', bg: 'head' },
  { where: 'bad figures', fg: 'bad', bg: 'panel' },
  { where: 'bad figures in the summary', fg: 'bad', bg: 'page' },
  { where: 'good figures in the summary', fg: 'good', bg: 'page' },
  { where: 'alerts', fg: 'ink', bg: 'alertBg' },
  { where: 'alert headings', fg: 'bad', bg: 'alertBg' },
  { where: 'problem states, damaged tags', fg: 'badInk', bg: 'badBg' },
  { where: 'OK state', fg: 'okInk', bg: 'okBg' },
  { where: 'RUNNING state', fg: 'runInk', bg: 'runBg' },
  { where: 'DISABLED state', fg: 'offInk', bg: 'offBg' },
];

const P = PALETTE;

export const CSS = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:${P.page};color:${P.ink}}
header,main,footer{max-width:1240px;margin:0 auto;padding:8px 12px}
h1{font-size:19px;margin:2px 0;display:inline}
h2{font-size:15px;margin:8px 0 4px}
a{color:${P.link}}
.summary{margin:2px 0;color:${P.muted}}
.summary b{font-size:15px}
.alert{max-width:1216px;margin:0 auto 6px;padding:6px 12px;background:${P.alertBg};border-left:6px solid ${P.bad}}
.bad{color:${P.bad}}
.good{color:${P.good}}
.attn{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:3px 10px}
.attn li{background:${P.panel};border-left:4px solid ${P.bad};padding:1px 6px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.attn .why{color:${P.muted}}
.st{font-size:11px;font-weight:700;padding:0 4px;border-radius:3px;background:${P.okBg};color:${P.okInk}}
.failed .st,.damaged .st,.partial .st,.overdue .st,.never .st{background:${P.badBg};color:${P.badInk}}
.running .st{background:${P.runBg};color:${P.runInk}}
.disabled .st{background:${P.offBg};color:${P.offInk}}
form{margin:4px 0;display:flex;gap:6px;align-items:center;flex-wrap:wrap}
/* On a phone the table scrolls sideways, the page does not. */
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:${P.panel}}
th{background:${P.head};text-align:left;font-weight:600;white-space:nowrap}
th,td{padding:2px 6px;border-bottom:1px solid ${P.rule};vertical-align:middle}
td.name{overflow-wrap:anywhere;font-weight:600}
td.result{max-width:420px;overflow-wrap:anywhere}
.sub{color:${P.muted}}
.tag.bad{font-size:12px;padding:0 4px;border-radius:3px;background:${P.badBg};color:${P.badInk}}
.num{text-align:right;white-space:nowrap}
.spark{fill:none;stroke:${P.line};stroke-width:1.5}
.dot{fill:${P.line}}
.dotbad{fill:${P.bad}}
.nodata{color:${P.muted};font-size:12px}
footer{color:${P.muted};font-size:12px}
@media (max-width:700px){.hide-narrow{display:none}td.name{min-width:9em}td.result{min-width:12em}}
`;
