/**
 * A threshold range as the monitoring-plugins guidelines define it
 * (https://www.monitoring-plugins.org/doc/guidelines.html#THRESHOLDFORMAT):
 *
 *   10      alert if the value is below 0 or above 10
 *   10:     alert if below 10
 *   ~:10    alert if above 10
 *   10:20   alert if below 10 or above 20
 *   @10:20  alert if from 10 to 20 (inclusive)
 *
 * The endpoints belong to the range, so a value equal to an endpoint of a
 * plain range does not alert. Endpoints are read by the caller's parser
 * (durations for check_cpsbackup), so "26h" and "~:2d" work too.
 */
export interface ThresholdRange {
  /** -Infinity for "~". */
  start: number;
  /** Infinity when the range is open above ("10:"). */
  end: number;
  /** "@": alert when the value is inside the range, not outside it. */
  alertInside: boolean;
}

/** Parses RANGE; the error says what is wrong and gives the forms that work. */
export function parseThresholdRange(raw: string, parseValue: (text: string) => number): ThresholdRange {
  const fail = (why: string): never => {
    throw new Error(`threshold ${JSON.stringify(raw)} ${why}: give a range such as 10, 10:, ~:10, 10:20 or @10:20`);
  };
  const alertInside = raw.startsWith('@');
  const body = alertInside ? raw.slice(1) : raw;
  const colon = body.indexOf(':');
  const startText = colon < 0 ? '' : body.slice(0, colon);
  const endText = colon < 0 ? body : body.slice(colon + 1);
  if (colon < 0 && endText === '') fail('is empty');
  const value = (text: string): number => {
    try {
      return parseValue(text);
    } catch (err) {
      return fail(`is not a range (${(err as Error).message})`);
    }
  };
  const start = startText === '~' ? -Infinity : startText === '' ? 0 : value(startText);
  const end = endText === '' ? Infinity : value(endText);
  if (start > end) fail(`starts above its end`);
  return { start, end, alertInside };
}

/** Whether `value` raises the alert this range stands for. */
export function rangeAlerts(range: ThresholdRange, value: number): boolean {
  const inside = value >= range.start && value <= range.end;
  return range.alertInside ? inside : !inside;
}

/** The range in the guidelines' notation, for perfdata's warn and crit fields (values as numbers). */
export function rangeText(range: ThresholdRange): string {
  const start = range.start === -Infinity ? '~:' : range.start === 0 && range.end !== Infinity ? '' : `${range.start}:`;
  const end = range.end === Infinity ? '' : String(range.end);
  return `${range.alertInside ? '@' : ''}${start}${end}`;
}
