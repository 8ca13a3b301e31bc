/* global document */
// One incident's record and its timeline, as the register keeps them.

import { explain, getJson } from './api-client.js';
import { $, el, setStatus } from './dom.js';
import { formatDuration, formatTime } from './format.js';

export async function showIncident(id) {
  for (const row of document.querySelectorAll('tr[data-incident]')) {
    row.classList.toggle('selected', row.getAttribute('data-incident') === id);
  }
  setStatus('Loading the incident…');
  try {
    const { incident } = await getJson(`/v1/incidents/${encodeURIComponent(id)}`);
    renderIncident(incident);
    setStatus(`INC-${incident.seq}: ${incident.timeline.length} timeline entries`);
  } catch (error) {
    setStatus(`Could not load the incident: ${explain(error)}`, true);
  }
}

function renderIncident(incident) {
  $('detail-title').textContent = `INC-${incident.seq} · ${incident.title}`;
  const facts = [
    ['Status', incident.status],
    ['Severity', incident.severity],
    ['Criteria', incident.criteria.join(', ')],
    ['Entity', `${incident.entity.type}:${incident.entity.id}`],
    ['Rule', `${incident.ruleId} v${incident.ruleVersion}`],
    ['First event', formatTime(incident.firstEventAt)],
    ['Detected', formatTime(incident.detectedAt)],
    [
      'Acknowledged',
      incident.acknowledgedAt ? `${formatTime(incident.acknowledgedAt)} by ${incident.acknowledgedBy}` : '—',
    ],
    ['Resolved', incident.resolvedAt ? `${formatTime(incident.resolvedAt)} by ${incident.resolvedBy}` : '—'],
    ['Downtime', incident.downtimeSeconds === null ? '—' : formatDuration(incident.downtimeSeconds)],
    ['Root cause', incident.rootCause ?? '—'],
    ['Postmortem', incident.postmortemUrl ?? '—'],
  ];
  $('detail-facts').replaceChildren(
    ...facts.flatMap(([term, value]) => [el('dt', { text: term }), el('dd', { text: value })]),
  );
  $('timeline').replaceChildren(
    ...incident.timeline.map((entry) =>
      el(
        'li',
        { 'data-kind': entry.kind },
        el('span', { className: 'kind', text: entry.kind }),
        ' ',
        el('span', { className: 'when', text: formatTime(entry.at) }),
        ' ',
        el('span', { className: 'actor', text: `by ${entry.actor}` }),
        describeEntry(entry) ? el('p', { className: 'data', text: describeEntry(entry) }) : null,
        el('span', { className: 'hash', text: `#${entry.id} · ${entry.hash.slice(0, 16)}…` }),
      ),
    ),
  );
  const panel = $('incident-detail');
  panel.hidden = false;
  panel.scrollIntoView({ block: 'nearest' });
}

function describeEntry(entry) {
  const d = entry.data ?? {};
  const evidence = Array.isArray(d.evidence)
    ? `${d.evidence.length} evidence event${d.evidence.length === 1 ? '' : 's'}`
    : '';
  switch (entry.kind) {
    case 'detected':
      return [`first event ${formatTime(d.firstEventAt)}`, `severity ${d.severity}`, evidence]
        .filter(Boolean)
        .join(' · ');
    case 'resolved':
      return [
        typeof d.downtimeSeconds === 'number' ? `downtime ${formatDuration(d.downtimeSeconds)}` : '',
        typeof d.rootCause === 'string' ? `root cause: ${d.rootCause}` : '',
        typeof d.text === 'string' ? d.text : '',
        evidence,
      ]
        .filter(Boolean)
        .join(' · ');
    case 'dismissed':
      return typeof d.reason === 'string' ? `reason: ${d.reason}` : '';
    default:
      if (typeof d.text === 'string') return d.text;
      return evidence;
  }
}

export function closeIncident() {
  $('incident-detail').hidden = true;
  for (const row of document.querySelectorAll('tr.selected')) row.classList.remove('selected');
}
