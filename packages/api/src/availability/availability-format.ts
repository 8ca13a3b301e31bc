/**
 * Availability as people read it. Percentages are cut, never rounded, to three decimals: 99.8996 % shown
 * as 99.9 % would claim a commitment met that was not.
 */
export function formatPercent(ratio: number | null): string {
  if (ratio === null) return '—';
  const thousandths = Math.floor(ratio * 100_000 + 1e-7) / 1000;
  return `${thousandths.toFixed(3)} %`;
}

/** `1 h 5 min`, `43 min 12 s`, `0 s`; negative durations get a minus sign. */
export function formatDuration(seconds: number): string {
  const sign = seconds < 0 ? '−' : '';
  let rest = Math.round(Math.abs(seconds));
  const days = Math.floor(rest / 86_400);
  rest -= days * 86_400;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const secs = rest - minutes * 60;
  const parts = [
    days > 0 ? `${days} d` : '',
    hours > 0 ? `${hours} h` : '',
    minutes > 0 ? `${minutes} min` : '',
    secs > 0 && days === 0 ? `${secs} s` : '',
  ].filter((part) => part.length > 0);
  return parts.length === 0 ? '0 s' : sign + parts.join(' ');
}

export function formatRate(rate: number | null): string {
  return rate === null ? '—' : `${rate.toFixed(2)}×`;
}

/** `2026-11-10 10:00 UTC`, with seconds only when there are any. */
export function formatTime(iso: string): string {
  const time = new Date(iso).toISOString().slice(0, 19).replace('T', ' ');
  return `${time.endsWith(':00') ? time.slice(0, 16) : time} UTC`;
}
