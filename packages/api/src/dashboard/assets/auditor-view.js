/* global document, URLSearchParams */
// The auditor view: the incident population for a period, the exports of the auditor API and a chain check.

import { ApiFailure, download, explain, getJson } from './api-client.js';
import { $, emptyRow, el, incidentRow } from './dom.js';
import { formatTime } from './format.js';

const DAY_MS = 86_400_000;

export function auditPeriod() {
  const from = $('audit-from').value;
  const to = $('audit-to').value;
  if (!from || !to) throw new Error('choose both days of the period');
  const end = new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS).toISOString();
  return { from: `${from}T00:00:00.000Z`, to: end, label: `${from}_${to}` };
}

/** The month on show, unless a period was already picked. */
export function defaultAuditPeriod(shownMonth) {
  if ($('audit-from').value && $('audit-to').value) return;
  const month = shownMonth ?? new Date().toISOString().slice(0, 7);
  const first = new Date(`${month}-01T00:00:00Z`);
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0));
  $('audit-from').value = first.toISOString().slice(0, 10);
  $('audit-to').value = last.toISOString().slice(0, 10);
}

/** The auditor exports (`/v1/audit/...`, auditor and admin tokens) for the period picked. */
export function updateExportLinks() {
  let period;
  try {
    period = auditPeriod();
  } catch {
    return;
  }
  for (const link of document.querySelectorAll('a.export')) {
    const params = new URLSearchParams({ from: period.from, to: period.to });
    // The population and the CUEC report come in several formats; the other exports have one each.
    const path = link.getAttribute('data-path');
    if (path === '/v1/audit/population' || path === '/v1/vendors/cuec-report')
      params.set('format', link.getAttribute('data-format'));
    link.href = `${link.getAttribute('data-path')}?${params}`;
  }
}

export async function loadPopulation() {
  const note = $('audit-note');
  const body = $('population').querySelector('tbody');
  let period;
  try {
    period = auditPeriod();
  } catch (error) {
    note.textContent = explain(error);
    return;
  }
  updateExportLinks();
  note.textContent = 'Loading…';
  body.replaceChildren();
  const incidents = [];
  let cursor = null;
  try {
    do {
      const params = new URLSearchParams({ from: period.from, to: period.to, limit: '500' });
      if (cursor) params.set('cursor', cursor);
      const page = await getJson(`/v1/incidents?${params}`);
      incidents.push(...page.incidents);
      cursor = page.nextCursor;
    } while (cursor);
  } catch (error) {
    note.textContent = `Could not load the population: ${explain(error)}`;
    return;
  }
  if (incidents.length === 0) body.append(emptyRow(7, 'No incidents in this period.'));
  for (const i of incidents) {
    body.append(
      incidentRow(i.id, [
        `INC-${i.seq}`,
        i.criteria.join(', '),
        el('td', { className: `sev sev-${i.severity}`, text: i.severity }),
        i.status,
        i.title,
        formatTime(i.detectedAt),
        formatTime(i.resolvedAt),
      ]),
    );
  }
  note.textContent = `${incidents.length} incident${incidents.length === 1 ? '' : 's'} open at some moment of ${formatTime(period.from)} – ${formatTime(period.to)}.`;
}

export async function onExport(event) {
  const link = event.target.closest('a.export');
  if (!link) return;
  event.preventDefault();
  updateExportLinks();
  const note = $('audit-note');
  let period;
  try {
    period = auditPeriod();
  } catch (error) {
    note.textContent = explain(error);
    return;
  }
  const path = link.getAttribute('data-path');
  const format = link.getAttribute('data-format');
  const kind = path.split('/').pop();
  note.textContent = `Preparing the ${kind} export…`;
  try {
    await download(link.href, `vigil-${kind}-${period.label}.${format}`);
    note.textContent = `Saved the ${kind} export (${format.toUpperCase()}).`;
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 403)
      note.textContent = 'Exports need an auditor or admin token.';
    else if (error instanceof ApiFailure && error.status === 404)
      note.textContent = `This server does not serve ${path}${kind === 'cuec-report' ? ' (set VENDORS_FILE on the api)' : ''}.`;
    else note.textContent = `Export failed: ${explain(error)}`;
  }
}

export async function onVerifyChain(event) {
  event.preventDefault();
  // Its own line: the population line above stays what it says.
  const note = $('chain-result');
  note.textContent = 'Recomputing the timeline chain…';
  try {
    const result = await getJson('/v1/chain/verify');
    note.textContent = result.ok
      ? // Whole: an auditor copies the head into the workpapers and compares it with a checkpoint.
        `Chain intact: ${result.entries} entries, head ${result.head}`
      : `Chain BROKEN at entry ${result.firstBrokenId}: ${result.reason}`;
  } catch (error) {
    note.textContent =
      error instanceof ApiFailure && error.status === 403
        ? 'Verifying the chain needs an auditor or admin token.'
        : `Could not verify the chain: ${explain(error)}`;
  }
}
