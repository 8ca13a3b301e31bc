// Figures as people read them, the same way the server's printable report writes them.

/** Cut, never rounded: 99.8996 % shown as 99.9 % would claim a commitment met that was not. */
export function formatPercent(ratio) {
  if (ratio === null || ratio === undefined) return '—';
  return `${(Math.floor(ratio * 100_000 + 1e-7) / 1000).toFixed(3)} %`;
}

export function formatDuration(seconds) {
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
  ].filter(Boolean);
  return parts.length === 0 ? '0 s' : sign + parts.join(' ');
}

export const formatRate = (rate) => (rate === null || rate === undefined ? '—' : `${rate.toFixed(2)}×`);

export const formatTime = (iso) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '—');

export const formatDay = (date) =>
  new Date(`${date}T00:00:00Z`).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  });
