/** Text for HTML and SVG: everything that could open markup is an entity. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export interface Bar {
  label: string;
  value: number;
  /** What is printed at the end of the bar; the value when not given. */
  text?: string;
}

const ROW = 22;
const LABEL_WIDTH = 150;
const BAR_WIDTH = 360;
const TEXT_WIDTH = 110;

/**
 * A horizontal bar chart as inline SVG: no script, no external resource, prints as vectors. The title is
 * the chart's accessible name; each bar's text says its value, so the chart reads without the bars.
 */
export function barChart(title: string, bars: readonly Bar[]): string {
  const max = Math.max(0, ...bars.map((bar) => bar.value));
  const width = LABEL_WIDTH + BAR_WIDTH + TEXT_WIDTH;
  const height = Math.max(1, bars.length) * ROW + 8;
  const rows = bars.map((bar, index) => {
    const y = 4 + index * ROW;
    const length = max > 0 ? Math.round((bar.value / max) * BAR_WIDTH) : 0;
    return [
      `<text x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end">${escapeHtml(bar.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y + 3}" width="${length}" height="${ROW - 6}" class="bar"/>`,
      `<text x="${LABEL_WIDTH + length + 6}" y="${y + 15}">${escapeHtml(bar.text ?? String(bar.value))}</text>`,
    ].join('');
  });
  const empty = bars.length === 0 ? `<text x="${LABEL_WIDTH}" y="18">none</text>` : '';
  return (
    `<svg class="chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${height}" ` +
    `width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">` +
    `<title>${escapeHtml(title)}</title>${rows.join('')}${empty}</svg>`
  );
}
