/* global URLSearchParams */
// The auditor view's vendor CUECs: for the period picked, whether each vendor control operated, and the
// incidents that were its exceptions (each opens the incident, as the population's rows do).

import { ApiFailure, explain, getJson } from './api-client.js';
import { $, el, emptyRow, incidentRow } from './dom.js';
import { formatTime } from './format.js';

const REASONS = {
  incident: 'incident',
  'source-silent': 'source silent',
  'vendor-not-notified': 'vendor not notified',
  'vendor-notified-late': 'vendor notified late',
};

function verdict(cuec) {
  if (cuec.operated)
    return el('td', {}, el('span', { className: 'badge met', 'data-status': 'operated', text: 'operated' }));
  const words = [];
  if (cuec.exceptions.length > 0)
    words.push(`${cuec.exceptions.length} exception${cuec.exceptions.length === 1 ? '' : 's'}`);
  if (cuec.notEvidenced.length > 0) words.push('not evidenced');
  return el(
    'td',
    {},
    el('span', {
      className: 'badge breached',
      'data-status': 'not-operated',
      text: words.join(', ') || 'not operated',
    }),
  );
}

/** `period`: {from, to} as the population's. Loaded on demand: the report needs an auditor or admin token. */
export async function loadCuecReport(period) {
  const note = $('cuec-note');
  const controls = $('cuecs').querySelector('tbody');
  const exceptions = $('cuec-exceptions').querySelector('tbody');
  note.textContent = 'Loading the vendor CUEC report…';
  controls.replaceChildren();
  exceptions.replaceChildren();
  let report;
  try {
    report = await getJson(
      `/v1/vendors/cuec-report?${new URLSearchParams({ from: period.from, to: period.to })}`,
    );
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 403)
      note.textContent = 'The CUEC report needs an auditor or admin token.';
    else if (error instanceof ApiFailure && error.status === 404)
      note.textContent = 'This server has no vendors file (set VENDORS_FILE on the api).';
    else note.textContent = `Could not load the CUEC report: ${explain(error)}`;
    return;
  }
  if (report.cuecs.length === 0) controls.append(emptyRow(6, 'No vendor controls in the vendors file.'));
  for (const cuec of report.cuecs) {
    controls.append(
      el(
        'tr',
        { 'data-cuec': cuec.id },
        el('td', { text: cuec.vendorName }),
        el('td', { title: cuec.text, text: cuec.id }),
        el('td', { text: cuec.criteria.join(', ') }),
        verdict(cuec),
        el('td', {
          text: [...cuec.evidence.rules, ...cuec.evidence.sources, ...cuec.evidence.duties].join(', ') || '—',
        }),
        el('td', {
          text:
            cuec.notEvidenced
              .map((gap) => `${gap.source} ${formatTime(gap.from)} – ${formatTime(gap.to)}`)
              .join('; ') || '—',
        }),
      ),
    );
    for (const exception of cuec.exceptions) {
      exceptions.append(
        incidentRow(exception.incidentId, [
          exception.incidentRef,
          cuec.id,
          REASONS[exception.reason] ?? exception.reason,
          exception.ruleId,
          el('td', { className: `sev sev-${exception.severity}`, text: exception.severity }),
          exception.status,
          formatTime(exception.detectedAt),
        ]),
      );
    }
  }
  const failing = report.cuecs.filter((c) => !c.operated).length;
  const { populationIncidents, exceptionIncidents } = report.reconciliation;
  note.textContent =
    `${report.cuecs.length - failing} of ${report.cuecs.length} controls operated all period; ` +
    `${exceptionIncidents} exception incident${exceptionIncidents === 1 ? '' : 's'} of the ${populationIncidents} in the population.`;
}
