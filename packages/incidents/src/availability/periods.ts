import type { Interval } from './intervals';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Longest period one availability query covers: a year and a bit, so a 12-month audit period fits. */
export const MAX_PERIOD_DAYS = 400;

/** `YYYY-MM`, a calendar month. */
export const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The calendar month (UTC) `YYYY-MM` names, as `[first day 00:00, first day of the next month 00:00)`. */
export function monthPeriod(month: string): Interval {
  const match = MONTH_PATTERN.exec(month);
  if (!match) throw new RangeError(`not a month: ${JSON.stringify(month)} (expected YYYY-MM)`);
  const year = Number(match[1]);
  const index = Number(match[2]) - 1;
  return { start: Date.UTC(year, index, 1), end: Date.UTC(year, index + 1, 1) };
}

/** The calendar month (UTC) an instant falls in. */
export function monthContaining(ms: number): Interval {
  const date = new Date(ms);
  return {
    start: Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1),
    end: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1),
  };
}

/** `YYYY-MM` of the month an instant falls in (UTC). */
export function monthLabel(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** The UTC days the period touches, each cut to the period: the first and last may be partial. */
export function utcDays(period: Interval): Interval[] {
  const days: Interval[] = [];
  let start = period.start;
  while (start < period.end) {
    const nextMidnight = Math.floor(start / DAY_MS) * DAY_MS + DAY_MS;
    const end = Math.min(nextMidnight, period.end);
    days.push({ start, end });
    start = end;
  }
  return days;
}
