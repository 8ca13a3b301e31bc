/**
 * Half-open time intervals `[start, end)` in epoch milliseconds, and the little arithmetic availability
 * needs: union, clipping to a period, and taking one set away from another. Every function returns a
 * normalised set: sorted, non-empty intervals that neither overlap nor touch.
 */
export interface Interval {
  start: number;
  end: number;
}

/** Sorted, with overlapping and touching intervals merged and empty ones dropped. */
export function normalise(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals
    .filter((interval) => interval.end > interval.start)
    .map((interval) => ({ start: interval.start, end: interval.end }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: Interval[] = [];
  for (const interval of sorted) {
    const last = merged.at(-1);
    if (last && interval.start <= last.end) last.end = Math.max(last.end, interval.end);
    else merged.push(interval);
  }
  return merged;
}

/** The parts of `intervals` inside `bounds`. */
export function clip(intervals: readonly Interval[], bounds: Interval): Interval[] {
  return normalise(
    intervals.map((interval) => ({
      start: Math.max(interval.start, bounds.start),
      end: Math.min(interval.end, bounds.end),
    })),
  );
}

/** The parts of `base` that no interval of `removed` covers. */
export function subtract(base: readonly Interval[], removed: readonly Interval[]): Interval[] {
  const cuts = normalise(removed);
  const out: Interval[] = [];
  for (const interval of normalise(base)) {
    let start = interval.start;
    for (const cut of cuts) {
      if (cut.end <= start) continue;
      if (cut.start >= interval.end) break;
      if (cut.start > start) out.push({ start, end: cut.start });
      start = Math.max(start, cut.end);
      if (start >= interval.end) break;
    }
    if (start < interval.end) out.push({ start, end: interval.end });
  }
  return out;
}

/** Total length in milliseconds of the union of `intervals` (overlaps count once). */
export function totalMs(intervals: readonly Interval[]): number {
  return normalise(intervals).reduce((sum, interval) => sum + (interval.end - interval.start), 0);
}
