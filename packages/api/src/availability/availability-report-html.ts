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
${summary.services} service${summary.services === 1 ? '' : 's'}; ${summary.met} within commitment${summary.breached.length > 0 ? `; breached: ${esc(summary.breached.join(', '))}` : ''}.</p>
<p class="note">Availability = (measured time − downtime) / measured time, where measured time is the period (up to the
time of the report, for a month still running) less declared maintenance, and downtime is the union of the
service-down incidents (first failed check to recovery) outside maintenance. Percentages are cut, not rounded.</p>
<h2>Summary</h2>
<table>
<thead><tr><th>Service</th><th class="num">Commitment</th><th class="num">Availability</th><th class="num">Downtime</th><th class="num">Allowed</th><th class="num">Budget left</th><th class="num">Burn rate</th><th>Status</th></tr></thead>
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
<td class="num">${formatDuration(s.downtimeSeconds)}</td><td class="num">${formatDuration(s.commitment.allowedDowntimeSeconds)}</td>
<td class="num">${formatDuration(s.commitment.budgetRemainingSeconds)}</td><td class="num">${formatRate(s.commitment.burnRate)}</td>
<td>${status(s.commitment)}</td></tr>`;
}

function serviceSection(s: ServiceAvailability): string {
  const slo = s.slo ? objectiveLine('SLO', s.slo) : '';
  const incidents =
    s.incidents.length === 0
      ? '<p class="note">No service-down incidents in the period.</p>'
      : `<table><thead><tr><th>Incident</th><th>Title</th><th>Status</th><th>Down from</th><th>Until</th><th class="num">Downtime in period</th></tr></thead><tbody>
${s.incidents
  .map(
    (
      i,
    ) => `<tr><td>${esc(i.ref)}</td><td>${esc(i.title)}</td><td>${esc(i.status)}</td><td>${formatTime(i.startedAt)}</td>
<td>${i.endedAt === null ? 'still down' : formatTime(i.endedAt)}${i.end === 'resolution' ? ' <span class="note">(resolution time)</span>' : ''}</td>
<td class="num">${formatDuration(i.downtimeSecondsInPeriod)}</td></tr>`,
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
<p class="meta">${s.service.owner ? `Owner ${esc(s.service.owner)}. ` : ''}Measured ${formatDuration(s.measuredSeconds)} up to ${formatTime(s.measuredUntil)};
maintenance ${formatDuration(s.maintenanceSeconds)}; downtime ${formatDuration(s.downtimeSeconds)}; availability <strong>${formatPercent(s.availability)}</strong>.</p>
${objectiveLine('Commitment', s.commitment)}
${slo}
<h3>Downtime incidents</h3>
${incidents}
<h3>Maintenance windows</h3>
${maintenance}
</section>`;
}

function objectiveLine(label: string, o: ObjectiveFigures): string {
  return `<p>${label} ${o.target} %: allowed ${formatDuration(o.allowedDowntimeSeconds)}, budget left ${formatDuration(o.budgetRemainingSeconds)}, burn rate ${formatRate(o.burnRate)} — ${status(o)}</p>`;
}

function status(o: ObjectiveFigures): string {
  return o.met ? '<span class="met">met</span>' : '<span class="breached">breached</span>';
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
