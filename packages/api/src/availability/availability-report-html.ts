import { createHash } from 'node:crypto';
import type { ObjectiveFigures, ServiceAvailability } from '@vigil/incidents';
import { formatDuration, formatPercent, formatRate, formatTime } from './availability-format';
import type { AvailabilityReport } from './availability-routes';

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #1b1f24; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #d0d7de; padding-bottom: .25rem; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
.meta { color: #57606a; margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; margin: .25rem 0 1rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #d8dee4; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.met { color: #1a7f37; font-weight: 600; }
.breached { color: #cf222e; font-weight: 600; }
.unknown { color: #9a6700; font-weight: 600; }
.note { color: #57606a; font-size: .9em; }
section { break-inside: avoid-page; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } }
`;

/** Only the report's own style block; nothing else may run or load. */
export const AVAILABILITY_REPORT_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The monthly availability report as one printable page: no script, no external resource. */
export function reportHtml(report: AvailabilityReport): string {
  const { summary } = report;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Availability report ${esc(report.month)} — Vigil</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Availability report — ${esc(monthName(report.month))}</h1>
<p class="meta">Period ${formatTime(report.from)} to ${formatTime(report.to)} (end excluded). Generated ${formatTime(report.generatedAt)} by Vigil.
${summary.services} service${summary.services === 1 ? '' : 's'}; ${summary.met} met (downtime within the allowance, with the evidence)${summary.breached.length > 0 ? `; breached: ${esc(summary.breached.join(', '))}` : ''}${summary.notEvidenced.length > 0 ? `; not evidenced: ${esc(summary.notEvidenced.join(', '))}` : ''}.</p>
<p class="note">The period (up to the time of the report, for a month still running) splits into maintenance (declared
windows), monitored time (the checks covered it, or a measured outage did) and time with no evidence (no checks:
before monitoring began, a gap, the prober or the pipeline down). Downtime is the union of the measured outages
(first failed check to first good check, in event time) outside maintenance.
Availability = (monitored − downtime) / monitored; coverage = monitored / (period − maintenance). A commitment is met
only with coverage at or above the service's minimum; below it, it is "not evidenced". Percentages are cut, not rounded.</p>
<h2>Summary</h2>
<table>
<thead><tr><th>Service</th><th class="num">Commitment</th><th class="num">Availability</th><th class="num">Coverage</th><th class="num">Monitored</th><th class="num">No evidence</th><th class="num">Maintenance</th><th class="num">Downtime</th><th class="num">Allowed</th><th class="num">Budget left</th><th>Status</th></tr></thead>
<tbody>
${report.services.map(summaryRow).join('\n')}
</tbody>
</table>
${report.services.map(serviceSection).join('\n')}
</body>
</html>
`;
}

function summaryRow(s: ServiceAvailability): string {
  return `<tr><td>${esc(s.service.name)} <span class="note">${esc(s.service.id)}</span></td>
<td class="num">${s.service.commitment} %</td><td class="num">${formatPercent(s.availability)}</td>
<td class="num">${formatPercent(s.coverage)}</td><td class="num">${formatDuration(s.monitoredSeconds)}</td>
<td class="num">${formatDuration(s.noEvidenceSeconds)}</td><td class="num">${formatDuration(s.maintenanceSeconds)}</td>
<td class="num">${formatDuration(s.downtimeSeconds)}</td><td class="num">${formatDuration(s.commitment.allowedDowntimeSeconds)}</td>
<td class="num">${formatDuration(s.commitment.budgetRemainingSeconds)}</td>
<td>${status(s.commitment)}</td></tr>`;
}

function serviceSection(s: ServiceAvailability): string {
  const slo = s.slo ? objectiveLine('SLO', s.slo) : '';
  const incidents =
    s.incidents.length === 0
      ? '<p class="note">No outages measured in the period.</p>'
      : `<table><thead><tr><th>Incident</th><th>Title</th><th>Status</th><th>Down from</th><th>Until</th><th>Measured by</th><th class="num">Outage</th><th class="num">Counted in period</th></tr></thead><tbody>
${s.incidents
  .map(
    (
      i,
    ) => `<tr><td>${esc(i.ref ?? '—')}</td><td>${esc(i.title)}</td><td>${esc(i.status ?? '—')}</td><td>${formatTime(i.startedAt)}</td>
<td>${i.endedAt === null ? 'still down' : formatTime(i.endedAt)}${i.historical ? ' <span class="note">(recorded later: historical)</span>' : ''}</td>
<td>${esc(i.measuredBy)}</td><td class="num">${i.downtimeSeconds === null ? '—' : `${i.downtimeSeconds} s`}</td>
<td class="num">${i.downtimeSecondsInPeriod} s</td></tr>`,
  )
  .join('\n')}
</tbody></table>`;
  const gaps =
    s.noEvidence.length === 0
      ? '<p class="note">Monitored throughout (outside maintenance).</p>'
      : `<table><thead><tr><th>From</th><th>To</th><th class="num">No evidence</th></tr></thead><tbody>
${s.noEvidence
  .map(
    (g) =>
      `<tr><td>${formatTime(g.start)}</td><td>${formatTime(g.end)}</td><td class="num">${(Date.parse(g.end) - Date.parse(g.start)) / 1000} s</td></tr>`,
  )
  .join('\n')}
</tbody></table>`;
  const maintenance =
    s.maintenance.length === 0
      ? '<p class="note">No maintenance declared in the period.</p>'
      : `<table><thead><tr><th>Window</th><th>From</th><th>To</th><th>Reason</th><th>Declared by</th><th>Declared at</th></tr></thead><tbody>
${s.maintenance
  .map(
    (
      w,
    ) => `<tr><td>MW-${w.id}</td><td>${formatTime(w.startsAt)}</td><td>${formatTime(w.endsAt)}</td><td>${esc(w.reason)}</td>
<td>${esc(w.declaredBy)}</td><td>${formatTime(w.declaredAt)}${w.retroactive ? ' <span class="breached">(after it began)</span>' : ''}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`;
  return `<section>
<h2>${esc(s.service.name)}</h2>
<p class="meta">${s.service.owner ? `Owner ${esc(s.service.owner)}. ` : ''}Up to ${formatTime(s.measuredUntil)}: availability <strong>${formatPercent(s.availability)}</strong>
over the monitored time, coverage ${formatPercent(s.coverage)} (minimum ${s.service.minimumCoverage} %).</p>
${reconciliation(s)}
${objectiveLine('Commitment', s.commitment)}
${slo}
${projectionLine(s)}
<h3>Outages</h3>
${incidents}
<h3>Time with no evidence</h3>
${gaps}
<h3>Maintenance windows</h3>
${maintenance}
</section>`;
}

/** Every figure in seconds, so a reader can add them up line by line. */
function reconciliation(s: ServiceAvailability): string {
  const up = s.monitoredSeconds - s.downtimeSeconds;
  const rows: Array<[string, string]> = [
    ['Elapsed (period up to the report)', `${s.elapsedSeconds} s`],
    ['− maintenance (declared windows)', `${s.maintenanceSeconds} s`],
    ['− no evidence (no checks)', `${s.noEvidenceSeconds} s`],
    ['= monitored', `${s.monitoredSeconds} s`],
    ['− downtime (measured outages outside maintenance)', `${s.downtimeSeconds} s`],
    ['= up', `${up} s`],
    ['Availability = up / monitored', formatPercent(s.availability)],
    ['Coverage = monitored / (elapsed − maintenance)', formatPercent(s.coverage)],
  ];
  return `<table class="reconciliation"><tbody>
${rows.map(([label, value]) => `<tr><td>${esc(label)}</td><td class="num">${esc(value)}</td></tr>`).join('\n')}
</tbody></table>`;
}

function objectiveLine(label: string, o: ObjectiveFigures): string {
  return `<p>${label} ${o.target} %: allowed ${formatDuration(o.allowedDowntimeSeconds)}, budget left ${formatDuration(o.budgetRemainingSeconds)}, burn rate ${formatRate(o.burnRate)} — ${status(o)}</p>`;
}

/** The same words as the dashboard's badge: never "met" under a figure below the target. */
const STANDING: Record<ObjectiveFigures['standing'], string> = {
  met: '<span class="met">met</span>',
  'on-track': '<span class="met">on track (above the target so far)</span>',
  'below-target': '<span class="unknown">below the target (budget not spent)</span>',
  breached: '<span class="breached">breached</span>',
  'not-evidenced': '<span class="unknown">not evidenced</span>',
};

function status(o: ObjectiveFigures): string {
  return STANDING[o.standing];
}

function projectionLine(s: ServiceAvailability): string {
  const p = s.projection;
  if (p === null) return '';
  return `<p>End of the period at the current burn: ${formatPercent(p.availabilityAtCurrentBurn)} (downtime ${formatDuration(p.downtimeSecondsAtCurrentBurn)}); with no further downtime: ${formatPercent(p.availabilityIfNoFurtherDowntime)}.</p>`;
}

function monthName(month: string): string {
  const [year, index] = month.split('-').map(Number);
  const name = new Date(Date.UTC(year ?? 1970, (index ?? 1) - 1, 1)).toLocaleString('en', {
    month: 'long',
    timeZone: 'UTC',
  });
  return `${name} ${year}`;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}
