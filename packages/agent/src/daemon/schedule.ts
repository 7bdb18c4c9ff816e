/** When the agent daemon may start a backup: Burp-style timer windows. */

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** One allowed window: days of the week and a time range (may wrap past midnight). */
export interface BackupWindow {
  days: Set<number>;
  /** Minutes after midnight. */
  from: number;
  to: number;
}

function minutes(hhmm: string, spec: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59) throw new Error(`bad time ${JSON.stringify(hhmm)} in window ${JSON.stringify(spec)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function day(name: string, spec: string): number {
  const i = DAYS.indexOf(name.toLowerCase().slice(0, 3));
  if (i < 0 || name.length < 3) throw new Error(`bad day ${JSON.stringify(name)} in window ${JSON.stringify(spec)} (use Mon..Sun)`);
  return i;
}

/** Parses "Mon-Fri 01:00-05:00", "Sat,Sun 00:00-24:00", "* 22:00-06:00". */
export function parseWindow(spec: string): BackupWindow {
  const [dayPart, timePart, extra] = spec.trim().split(/\s+/);
  if (!dayPart || !timePart || extra) throw new Error(`bad window ${JSON.stringify(spec)}: expected "DAYS HH:MM-HH:MM"`);
  const days = new Set<number>();
  if (dayPart === '*') for (let d = 0; d < 7; d++) days.add(d);
  else {
    for (const part of dayPart.split(',')) {
      const [a, b] = part.split('-');
      const start = day(a!, spec);
      const end = b ? day(b, spec) : start;
      for (let d = start; ; d = (d + 1) % 7) {
        days.add(d);
        if (d === end) break;
      }
    }
  }
  const [from, to] = timePart.split('-');
  if (!from || !to) throw new Error(`bad time range in window ${JSON.stringify(spec)}`);
  return { days, from: minutes(from, spec), to: minutes(to, spec) };
}

/** True when `at` (local time) falls in any window; no windows means any time. */
export function inWindow(windows: readonly BackupWindow[], at: Date): boolean {
  if (windows.length === 0) return true;
  const m = at.getHours() * 60 + at.getMinutes();
  const today = at.getDay();
  const yesterday = (today + 6) % 7;
  return windows.some((w) => {
    if (w.from <= w.to) return w.days.has(today) && m >= w.from && m < w.to;
    // Wraps past midnight: the evening part belongs to today, the morning part to yesterday's window.
    return (w.days.has(today) && m >= w.from) || (w.days.has(yesterday) && m < w.to);
  });
}
