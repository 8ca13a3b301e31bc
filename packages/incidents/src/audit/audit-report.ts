import { incidentRef } from '../incident-lifecycle';
import type { IncidentRecord } from '../incident-types';
import type { AuditPopulation, AuditSummary, DurationFigures, TargetFigures } from './audit-types';
import { acknowledgeOutcome, resolveOutcome } from './response-figures';
import type { SampleChoice } from './sampling';
import { describeMissing } from './sequence-check';
import { barChart, escapeHtml as h } from './svg-bars';

export interface AuditReportInput {
  summary: AuditSummary;
  population: AuditPopulation<IncidentRecord>;
  /** query.txt, printed in the method section. */
  queryText: string;
  sample?: SampleChoice;
}

/**
 * report.html: the summary for people, one section per printed page. Self-contained (inline CSS and SVG, no
 * script, nothing fetched), so it opens offline, passes a strict Content-Security-Policy, and prints to PDF
 * from any browser.
 */
export function renderAuditReport(input: AuditReportInput): string {
  const { summary, population } = input;
  // The period is half-open: its last day is the one before `to` (a `to` of 03-01T00:00 ends with 02-28).
  const lastDay = day(new Date(Date.parse(summary.period.to) - 1).toISOString());
  const title = `Incident register audit report, ${day(summary.period.from)} to ${lastDay}`;
  const sections = [
    overview(summary),
    counts(summary),
    responseTimes(summary),
    dispositions(summary),
    input.sample ? sampleSection(input.sample, population.incidents) : '',
    populationTable(population),
    method(summary, input.queryText),
  ].filter((section) => section !== '');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${h(title)}</h1>
<p class="muted">Vigil incident register. Generated ${h(summary.generatedAt)}. Period [${h(summary.period.from)}, ${h(summary.period.to)}).</p></header>
${sections.join('\n')}
</body>
</html>
`;
}

const STYLE = `
body { font: 10.5pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #999; padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
.muted { color: #555; } .ok { color: #145a32; font-weight: 600; } .bad { color: #a00; font-weight: 700; }
code, pre, .hash { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 9pt; }
.hash { word-break: break-all; }
pre { white-space: pre-wrap; word-break: break-word; background: #f5f5f5; padding: .6rem; border: 1px solid #ddd; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { border: 1px solid #bbb; padding: .2rem .4rem; text-align: left; vertical-align: top; }
th { background: #eee; } td.num, th.num { text-align: right; }
dl.facts { display: grid; grid-template-columns: 14rem 1fr; gap: .2rem 1rem; } dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
svg.chart { max-width: 100%; height: auto; font: 9pt system-ui, sans-serif; } svg.chart .bar { fill: #2e5c8a; }
section { margin-top: 2rem; }
@page { size: A4; margin: 14mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 9.5pt; }
  section { break-before: page; page-break-before: always; margin-top: 0; }
  section.first { break-before: auto; page-break-before: auto; }
  thead { display: table-header-group; } tr, svg, dl, h3 { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  pre { background: none; }
}`;

function overview(summary: AuditSummary): string {
  const { chain, sequence, counts: c } = summary;
  return `<section class="first"><h2>1. Completeness</h2>
<dl class="facts">
<dt>Population</dt><dd>${c.incidents} incidents: ${c.openedInPeriod} opened in the period, ${c.openedBefore} carried in; ${c.endedInPeriod} resolved or dismissed in it, ${c.openAtEnd} open at its end</dd>
<dt>Behind the population</dt><dd>${c.timelineEntries} timeline entries, ${c.evidence} evidence events, ${c.communications} messages</dd>
<dt>Register numbering</dt><dd>${
    sequence.contiguous
      ? `<span class="ok">contiguous</span>: numbers 1–${sequence.lastIssued} all present (${sequence.incidents} incidents)`
      : `<span class="bad">NOT contiguous</span>: ${sequence.missingCount} missing (${h(describeMissing(sequence.missing) || 'none')})${sequence.problems.map((problem) => `; ${h(problem)}`).join('')}`
  }</dd>
<dt>Timeline chain</dt><dd>${
    chain.ok
      ? `<span class="ok">intact</span>: ${chain.entries} entries, every hash recomputed`
      : `<span class="bad">BROKEN</span> at entry ${chain.firstBrokenId}: ${h(chain.reason)}`
  }</dd>
<dt>Chain head hash</dt><dd class="hash">${chain.ok ? h(chain.head) : 'none: the chain does not verify'}</dd>
<dt>DC 4 candidates</dt><dd>${summary.dc4Candidates.length}</dd>
</dl>
<p class="muted">All figures come from one database snapshot taken at ${h(summary.generatedAt)}; population.csv and population.json hold the same incidents, and query.txt the queries that selected them.</p>
</section>`;
}

function counts(summary: AuditSummary): string {
  const bars = (record: Record<string, number>) =>
    Object.entries(record).map(([label, value]) => ({ label, value }));
  const status = Object.entries(summary.counts.byStatus)
    .filter(([, value]) => value > 0)
    .map(([label, value]) => ({ label, value }));
  return `<section><h2>2. Counts</h2>
<h3>By severity</h3>${barChart('Incidents by severity', bars(summary.bySeverity))}
<h3>By category</h3>${barChart('Incidents by category', bars(summary.byCategory))}
<h3>By criterion</h3>${barChart('Incidents by SOC 2 criterion', bars(summary.byCriterion))}
<h3>By status at the time of the export</h3>${barChart('Incidents by status', status)}
</section>`;
}

function responseTimes(summary: AuditSummary): string {
  const steps: Array<[string, DurationFigures]> = [
    ['Detect (event → detected, live incidents; backfilled left out)', summary.responseTimes.detect],
    ['Acknowledge (detected → acknowledged)', summary.responseTimes.acknowledge],
    ['Contain (detected → contained)', summary.responseTimes.contain],
    ['Resolve (detected → resolved)', summary.responseTimes.resolve],
  ];
  const rows = steps
    .map(
      ([label, figures]) =>
        `<tr><td>${h(label)}</td><td class="num">${figures.count}</td><td class="num">${duration(figures.medianSeconds)}</td><td class="num">${duration(figures.p90Seconds)}</td></tr>`,
    )
    .join('');
  const targets: Array<[string, TargetFigures]> = [
    ['Acknowledged within target', summary.withinTarget.acknowledge],
    ['Resolved within target', summary.withinTarget.resolve],
  ];
  const targetRows = targets
    .map(
      ([label, t]) =>
        `<tr><td>${h(label)}</td><td class="num">${t.met}</td><td class="num">${t.missed}</td><td class="num">${t.pending}</td><td class="num">${t.notApplicable}</td><td class="num">${share(t.share)}</td></tr>`,
    )
    .join('');
  const medianBars = steps.map(([label, figures]) => ({
    label: label.split(' ')[0] ?? label,
    value: figures.medianSeconds ?? 0,
    text: duration(figures.medianSeconds),
  }));
  const p90Bars = steps.map(([label, figures]) => ({
    label: label.split(' ')[0] ?? label,
    value: figures.p90Seconds ?? 0,
    text: duration(figures.p90Seconds),
  }));
  return `<section><h2>3. Response times</h2>
<table><thead><tr><th>Step</th><th class="num">Incidents</th><th class="num">Median</th><th class="num">p90</th></tr></thead><tbody>${rows}</tbody></table>
<h3>Median</h3>${barChart('Median time per step', medianBars)}
<h3>90th percentile</h3>${barChart('p90 time per step', p90Bars)}
<h3>Within target</h3>
<table><thead><tr><th>Target</th><th class="num">Met</th><th class="num">Missed</th><th class="num">Pending</th><th class="num">Not applicable</th><th class="num">Share met</th></tr></thead><tbody>${targetRows}</tbody></table>
${barChart(
  'Share of incidents within target',
  targets.map(([label, t]) => ({
    label: label.split(' ')[0] ?? label,
    value: t.share ?? 0,
    text: share(t.share),
  })),
)}
</section>`;
}

function dispositions(summary: AuditSummary): string {
  const dismissed = summary.dismissed
    .map(
      (d) =>
        `<tr><td>${h(d.ref)}</td><td>${h(d.title)}</td><td>${h(d.severity)}</td><td>${h(d.dismissedAt)}</td><td>${h(d.dismissedBy)}</td><td>${h(d.reason)}</td></tr>`,
    )
    .join('');
  const open = summary.openAtEnd
    .map(
      (o) =>
        `<tr><td>${h(o.ref)}</td><td>${h(o.title)}</td><td>${h(o.severity)}</td><td>${h(o.detectedAt)}</td><td>${h(o.status)}</td></tr>`,
    )
    .join('');
  const dc4 = summary.dc4Candidates
    .map(
      (d) =>
        `<tr><td>${h(d.ref)}</td><td>${h(d.title)}</td><td>${h(d.severity)}</td><td>${h(d.criteria.join(', '))}</td><td>${h(d.resolvedAt ?? 'open')}</td><td>${h(d.rootCause ?? '')}</td><td>${h(d.postmortemUrl ?? '')}</td></tr>`,
    )
    .join('');
  return `<section><h2>4. Dispositions</h2>
<h3>Dismissed detections (${summary.dismissed.length})</h3>
${dismissed ? `<table><thead><tr><th>Incident</th><th>Title</th><th>Severity</th><th>Dismissed</th><th>Reviewer</th><th>Reason</th></tr></thead><tbody>${dismissed}</tbody></table>` : '<p>None.</p>'}
<h3>Open at the end of the period (${summary.openAtEnd.length})</h3>
${open ? `<table><thead><tr><th>Incident</th><th>Title</th><th>Severity</th><th>Detected</th><th>Status now</th></tr></thead><tbody>${open}</tbody></table>` : '<p>None.</p>'}
<h3>DC 4 disclosure candidates (${summary.dc4Candidates.length})</h3>
${dc4 ? `<table><thead><tr><th>Incident</th><th>Title</th><th>Severity</th><th>Criteria</th><th>Resolved</th><th>Root cause</th><th>Postmortem</th></tr></thead><tbody>${dc4}</tbody></table>` : '<p>None.</p>'}
</section>`;
}

function sampleSection(sample: SampleChoice, incidents: IncidentRecord[]): string {
  const bySeq = new Map(incidents.map((incident) => [incident.seq, incident]));
  const rows = sample.selected
    .map((s) => {
      const incident = bySeq.get(s.seq);
      return `<tr><td>${h(incidentRef(s.seq))}</td><td>${h(incident?.title ?? '')}</td><td class="num">${s.rank}</td><td class="hash">${h(s.hash)}</td></tr>`;
    })
    .join('');
  return `<section><h2>Sample</h2>
<dl class="facts"><dt>Seed</dt><dd><code>${h(sample.seed)}</code></dd>
<dt>Size</dt><dd>${sample.size} of ${sample.populationCount} (${sample.sizeRule === 'table' ? `auditor's table: ${h(sample.sizeTable)}` : `requested ${sample.requestedSize ?? ''}`})</dd>
<dt>Method</dt><dd>${h(sample.method)}</dd></dl>
<table><thead><tr><th>Incident</th><th>Title</th><th class="num">Rank</th><th>SHA-256 of seed:number</th></tr></thead><tbody>${rows}</tbody></table>
</section>`;
}

function populationTable(population: AuditPopulation<IncidentRecord>): string {
  const asOf = population.generatedAt;
  const rows = population.incidents
    .map(
      (i) =>
        `<tr><td>${h(incidentRef(i.seq))}</td><td>${h(i.title)}</td><td>${h(i.severity)}</td><td>${h(i.category)}</td><td>${h(i.status)}</td><td>${h(i.detectedAt)}</td><td>${h(i.resolvedAt ?? i.dismissedAt ?? '')}</td><td>${acknowledgeOutcome(i, asOf)}</td><td>${resolveOutcome(i, asOf)}</td></tr>`,
    )
    .join('');
  return `<section><h2>Population (${population.incidents.length})</h2>
<table><thead><tr><th>Incident</th><th>Title</th><th>Sev.</th><th>Category</th><th>Status</th><th>Detected</th><th>Ended</th><th>Ack target</th><th>Resolve target</th></tr></thead><tbody>${rows}</tbody></table>
</section>`;
}

function method(summary: AuditSummary, queryText: string): string {
  const definitions = Object.entries(summary.definitions)
    .map(([term, text]) => `<dt>${h(term)}</dt><dd>${h(text)}</dd>`)
    .join('');
  return `<section><h2>Method</h2>
<dl class="facts">${definitions}</dl>
<h3>Queries (query.txt)</h3>
<pre>${h(queryText)}</pre>
</section>`;
}

/** `2026-01-01T00:00:00.000Z` → `2026-01-01`. */
function day(iso: string): string {
  return iso.slice(0, 10);
}

function share(value: number | null): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(1)} %`;
}

/** `45 s`, `12 m 05 s`, `3 h 04 m`, `2 d 03 h`; `n/a` when there is nothing to measure. */
export function duration(seconds: number | null): string {
  if (seconds === null) return 'n/a';
  const sign = seconds < 0 ? '−' : '';
  const total = Math.round(Math.abs(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (total < 60) return `${sign}${total} s`;
  if (total < 3600) return `${sign}${Math.floor(total / 60)} m ${pad(total % 60)} s`;
  if (total < 86_400) return `${sign}${Math.floor(total / 3600)} h ${pad(Math.floor((total % 3600) / 60))} m`;
  return `${sign}${Math.floor(total / 86_400)} d ${pad(Math.floor((total % 86_400) / 3600))} h`;
}
