// Daily availability bars against the commitment, as inline SVG built element by element.

import { el, svg } from './dom.js';
import { formatDay, formatDuration, formatPercent } from './format.js';

/** Daily availability bars against the commitment line; the scale starts where the worst day needs it. */
export function dailyChart(s) {
  const width = 640;
  const height = 160;
  const left = 58;
  const right = 6;
  const top = 10;
  const bottom = 20;
  const target = s.service.commitment;
  const measured = s.daily.filter((d) => d.availability !== null).map((d) => d.availability * 100);
  const lowest = Math.min(target, ...measured);
  const floor = Math.max(0, 100 - Math.max((100 - lowest) * 1.25, (100 - target) * 2));
  const y = (percent) => top + ((100 - percent) / (100 - floor)) * (height - top - bottom);
  const slot = (width - left - right) / Math.max(1, s.daily.length);
  const gap = Math.min(2, slot * 0.25);

  const chart = svg('svg', {
    class: 'chart',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `Daily availability of ${s.service.name}`,
  });
  chart.append(
    svg('line', { class: 'axis', x1: left, x2: width - right, y1: height - bottom, y2: height - bottom }),
    svg('text', { x: left - 4, y: y(100) + 3, 'text-anchor': 'end', text: '100 %' }),
    svg('text', { x: left - 4, y: height - bottom, 'text-anchor': 'end', text: `${floor.toFixed(2)} %` }),
  );
  s.daily.forEach((day, i) => {
    const x = left + i * slot + gap / 2;
    const w = Math.max(0.5, slot - gap);
    const label =
      day.availability === null
        ? `${day.date}: not measured yet`
        : `${day.date}: ${formatPercent(day.availability)}, down ${formatDuration(day.downtimeSeconds)}` +
          (day.maintenanceSeconds > 0 ? `, maintenance ${formatDuration(day.maintenanceSeconds)}` : '');
    if (day.availability === null) {
      chart.append(
        svg(
          'rect',
          { class: 'bar-none', x, y: height - bottom - 2, width: w, height: 2 },
          svg('title', { text: label }),
        ),
      );
      return;
    }
    const percent = day.availability * 100;
    const kind = percent < target ? 'bar-bad' : day.downtimeSeconds > 0 ? 'bar-dip' : 'bar-ok';
    const barTop = y(percent);
    chart.append(
      svg(
        'rect',
        {
          class: kind,
          x,
          y: barTop,
          width: w,
          height: Math.max(1, height - bottom - barTop),
          'data-date': day.date,
        },
        svg('title', { text: label }),
      ),
    );
    if (day.maintenanceSeconds > 0) {
      chart.append(
        svg(
          'rect',
          { class: 'bar-maint', x, y: top - 6, width: w, height: 4 },
          svg('title', { text: label }),
        ),
      );
    }
  });
  // The commitment's value goes on the axis unless it would sit on top of the 100 % or the bottom label.
  const targetY = y(target);
  chart.append(svg('line', { class: 'target-line', x1: left, x2: width - right, y1: targetY, y2: targetY }));
  if (targetY - y(100) > 12 && height - bottom - targetY > 12) {
    chart.append(
      svg('text', {
        class: 'target-label',
        x: left - 4,
        y: targetY + 3,
        'text-anchor': 'end',
        text: `${target} %`,
      }),
    );
  }
  const first = s.daily[0];
  const last = s.daily[s.daily.length - 1];
  if (first && last) {
    chart.append(
      svg('text', { x: left, y: height - 5, text: formatDay(first.date) }),
      svg('text', { x: width - right, y: height - 5, 'text-anchor': 'end', text: formatDay(last.date) }),
    );
  }
  return chart;
}

export function legend(target) {
  const swatch = (kind, text) =>
    el(
      'span',
      { className: 'key' },
      svg(
        'svg',
        { viewBox: '0 0 10 10', width: 10, height: 10, 'aria-hidden': 'true' },
        svg('rect', { class: kind, x: 0, y: 0, width: 10, height: 10 }),
      ),
      text,
    );
  return el(
    'p',
    { className: 'legend' },
    el(
      'span',
      { className: 'key' },
      svg(
        'svg',
        { viewBox: '0 0 16 10', width: 16, height: 10, 'aria-hidden': 'true' },
        svg('line', { class: 'target-line', x1: 0, x2: 16, y1: 5, y2: 5 }),
      ),
      `commitment ${target} %`,
    ),
    swatch('bar-ok', 'no downtime'),
    swatch('bar-dip', 'some downtime'),
    swatch('bar-bad', 'below commitment'),
    swatch('bar-maint', 'maintenance'),
  );
}
