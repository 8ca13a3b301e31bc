/* global document */
// One incident on a view of its own (/dashboard/incidents/<id>): its record and its timeline as the register
// keeps them, and what a responder can do about it (incident-actions.js).

import { explain, getJson } from './api-client.js';
import { $, el, setStatus } from './dom.js';
import { formatDuration, formatTime } from './format.js';
import { renderActions } from './incident-actions.js';

const PATH = /^\/dashboard\/incidents\/([0-9a-fA-F-]{36})\/?$/;

/** The incident id in a dashboard path, or null when the path is not an incident's. */
export function incidentIdOf(pathname) {
  return PATH.exec(pathname)?.[1] ?? null;
}

export const incidentPath = (id) => `/dashboard/incidents/${encodeURIComponent(id)}`;

/** Loads the incident into the view; the caller has shown the view. */
export async function showIncident(id) {
  $('detail-title').textContent = 'Loading the incident…';
  $('detail-status').textContent = '';
  $('detail-facts').replaceChildren();
  $('timeline').replaceChildren();
  $('action-result').textContent = '';
  try {
    const { incident } = await getJson(`/v1/incidents/${encodeURIComponent(id)}`);
    renderIncident(incident);
    await renderActions(incident, () => showIncident(id));
  } catch (error) {
    $('detail-title').textContent = 'Incident';
    setStatus(`Could not load the incident: ${explain(error)}`, true);
  }
}

function renderIncident(incident) {
  document.title = `INC-${incident.seq} · ${incident.title} — Vigil`;
  $('detail-title').textContent = `INC-${incident.seq} · ${incident.title}`;
  const status = $('detail-status');
  status.textContent = incident.status;
  status.setAttribute('data-status', incident.status);
  const facts = [
    ['Status', incident.status],
    ['Severity', incident.severity],
    ['Criteria', incident.criteria.join(', ')],
    ['Entity', `${incident.entity.type}:${incident.entity.id}`],
    ['Rule', `${incident.ruleId} v${incident.ruleVersion}`],
    ['First event', formatTime(incident.firstEventAt)],
    ['Detected', formatTime(incident.detectedAt)],
    ['Acknowledged', incident.acknowledgedAt ? `${formatTime(incident.acknowledgedAt)} by ${incident.acknowledgedBy}` : '—'],
    ['Resolved', incident.resolvedAt ? `${formatTime(incident.resolvedAt)} by ${incident.resolvedBy}` : '—'],
    ['Dismissed', incident.status === 'dismissed' ? dismissal(incident) : null],
    ['Downtime', incident.downtimeSeconds === null ? '—' : formatDuration(incident.downtimeSeconds)],
    ['Root cause', incident.rootCause ?? '—'],
    ['Postmortem', incident.postmortemUrl ?? '—'],
  ].filter(([, value]) => value !== null);
  $('detail-facts').replaceChildren(
    ...facts.flatMap(([term, value]) => [el('dt', { text: term }), el('dd', { text: value })]),
  );
  $('timeline').replaceChildren(...incident.timeline.map(timelineItem));
  renderEvidence(incident);
}

function dismissal(incident) {
  const entry = [...incident.timeline].reverse().find((e) => e.kind === 'dismissed');
  if (!entry) return 'yes';
  return `${formatTime(entry.at)} by ${entry.actor}${entry.data?.reason ? ` · reason: ${entry.data.reason}` : ''}`;
}

/**
 * One line per entry, each part in its own element and separated by " · ", so the entry number, the actor
 * and the time never run together: "#12 · acknowledged · 2026-11-20 12:00 UTC · by api:sre-oncall".
 */
function timelineItem(entry) {
  const detail = describeEntry(entry);
  return el(
    'li',
    { 'data-kind': entry.kind, 'data-entry': entry.id },
    el('span', { className: 'entry-no', text: `#${entry.id}` }),
    ' · ',
    el('span', { className: 'kind', text: entry.kind }),
    ' · ',
    el('span', { className: 'when', text: formatTime(entry.at) }),
    ' · ',
    el('span', { className: 'actor', text: `by ${entry.actor}` }),
    detail ? el('p', { className: 'data', text: detail }) : null,
    // Whole: an auditor copies an entry's hash to check it against an inclusion proof.
    el('p', { className: 'hash', text: `hash ${entry.hash}` }),
  );
}

/** The events behind the incident: kept whole (expand to read), purged on record, or referenced only. */
function renderEvidence(incident) {
  const kept = incident.evidencePayloads ?? [];
  const purged = incident.evidencePurges ?? [];
  const refs = incident.evidence ?? [];
  const keptIds = new Set([...kept, ...purged].map((item) => item.eventId));
  const refOnly = refs.filter((ref) => !keptIds.has(ref.eventId));
  $('evidence-summary').textContent =
    `${refs.length} event${refs.length === 1 ? '' : 's'} behind this incident: ${kept.length} kept whole, ` +
    `${purged.length} purged on record, ${refOnly.length} by stream position only.`;
  $('evidence').replaceChildren(
    ...kept.map((payload) =>
      el(
        'li',
        { 'data-evidence': 'kept', 'data-event': payload.eventId },
        el(
          'details',
          {},
          el(
            'summary',
            {},
            el('span', { className: 'when', text: formatTime(payload.eventTime) }),
            ' ',
            el('span', { className: 'kind', text: `${payload.event.source ?? ''} ${payload.event.action ?? ''}` }),
            ' ',
            el('span', { className: 'actor', text: payload.eventId }),
          ),
          el('span', { className: 'hash', text: `sha256 ${payload.sha256}` }),
          payload.rawCapped ? el('p', { className: 'data', text: `raw payload cut: ${payload.rawCapped.reason}` }) : null,
          el('pre', { className: 'payload', text: JSON.stringify(payload.event, null, 2) }),
        ),
      ),
    ),
    ...purged.map((purge) =>
      el(
        'li',
        { 'data-evidence': 'purged', 'data-event': purge.eventId },
        el('span', { className: 'kind', text: 'purged' }),
        ' ',
        el('span', { className: 'when', text: formatTime(purge.purgedAt) }),
        ' ',
        el('span', { className: 'actor', text: `${purge.eventId} · ${purge.policy}: ${purge.detail}` }),
        el('span', { className: 'hash', text: `sha256 ${purge.sha256}` }),
      ),
    ),
    ...refOnly.map((ref) =>
      el(
        'li',
        { 'data-evidence': 'ref', 'data-event': ref.eventId },
        el('span', { className: 'when', text: formatTime(ref.time) }),
        ' ',
        el('span', { className: 'actor', text: `${ref.eventId} · ${ref.topic} partition ${ref.partition} offset ${ref.offset}` }),
      ),
    ),
  );
}

function describeEntry(entry) {
  const d = entry.data ?? {};
  const evidence = Array.isArray(d.evidence)
    ? `${d.evidence.length} evidence event${d.evidence.length === 1 ? '' : 's'}`
    : '';
  const parts = (...items) => items.filter(Boolean).join(' · ');
  switch (entry.kind) {
    case 'detected':
      return parts(`first event ${formatTime(d.firstEventAt)}`, `severity ${d.severity}`, evidence);
    case 'resolved':
      return parts(
        typeof d.downtimeSeconds === 'number' ? `downtime ${formatDuration(d.downtimeSeconds)}` : '',
        typeof d.rootCause === 'string' ? `root cause: ${d.rootCause}` : '',
        typeof d.remediation === 'string' ? `remediation: ${d.remediation}` : '',
        typeof d.text === 'string' ? d.text : '',
        evidence,
      );
    case 'dismissed':
      return typeof d.reason === 'string' ? `reason: ${d.reason}` : '';
    case 'notified':
      return notified(d);
    default:
      if (typeof d.text === 'string') return d.text;
      return evidence;
  }
}

/** Where the message went: the channel (and thread), and what kind of message it was. */
function notified(d) {
  const what = typeof d.notificationKind === 'string' ? `${d.notificationKind} message` : 'message';
  const channel = typeof d.channel === 'string' ? d.channel : 'an unnamed channel';
  if (d.method === 'log') return `${what} for ${channel} written to the log (no Slack token)`;
  const how = d.method === 'chat.update' ? 'updated' : 'posted';
  const where = `in ${channel}`;
  return [`${what} ${how} ${where}`, d.threadTs ? `thread ${d.threadTs}` : '', d.ts ? `ts ${d.ts}` : '']
    .filter(Boolean)
    .join(' · ');
}
