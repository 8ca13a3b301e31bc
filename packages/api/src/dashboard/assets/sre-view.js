// The SRE view: availability per service against its commitment, error budgets, open incidents, the
// period's downtime and maintenance.

import { getJson } from './api-client.js';
import { $, el, emptyRow, incidentRow, setStatus } from './dom.js';
import { formatDuration, formatTime } from './format.js';
import { serviceCard } from './service-card.js';

/** `YYYY-MM` shown; null until the server has said which month is current. */
let month = null;

export const currentMonth = () => month;

export function chooseMonth(value) {
  month = value;
}

export async function loadSre() {
  setStatus('Loading…');
  const query = month ? `?month=${encodeURIComponent(month)}` : '';
  const [availability, open] = await Promise.all([
    getJson(`/v1/availability${query}`),
    getJson('/v1/incidents?status=open,acknowledged,contained&limit=500'),
  ]);
  month = availability.from.slice(0, 7);
  $('month').value = month;
  $('report-html').href = `/v1/availability/report?month=${month}&format=html`;
  $('period').textContent =
    `${formatTime(availability.from)} to ${formatTime(availability.to)}` +
    (availability.services[0] && availability.services[0].measuredUntil < availability.to
      ? `, measured up to ${formatTime(availability.services[0].measuredUntil)}`
      : '') +
    '. Maintenance windows are not counted as downtime.';
  renderServices(availability.services);
  renderOpenIncidents(open.incidents);
  renderDowntime(availability.services);
  renderMaintenance(availability.services);
  setStatus(`Updated ${formatTime(availability.generatedAt)}`);
}

function renderServices(services) {
  const container = $('services');
  container.replaceChildren();
  if (services.length === 0) {
    container.append(
      el('p', { className: 'hint', text: 'No services configured: set SERVICES_FILE on the api service.' }),
    );
    return;
  }
  for (const s of services) container.append(serviceCard(s));
}

function renderOpenIncidents(incidents) {
  const body = $('open-incidents').querySelector('tbody');
  body.replaceChildren();
  if (incidents.length === 0) body.append(emptyRow(6, 'No open incidents.'));
  for (const i of incidents) {
    body.append(
      incidentRow(i.id, [
        `INC-${i.seq}`,
        el('td', { className: `sev sev-${i.severity}`, text: i.severity }),
        i.status,
        i.title,
        `${i.entity.type}:${i.entity.id}`,
        formatTime(i.detectedAt),
      ]),
    );
  }
}

function renderDowntime(services) {
  const body = $('downtime-incidents').querySelector('tbody');
  body.replaceChildren();
  const rows = services
    .flatMap((s) => s.incidents.map((i) => ({ ...i, serviceName: s.service.name })))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  if (rows.length === 0) body.append(emptyRow(7, 'No outages measured in this period.'));
  for (const i of rows) {
    body.append(
      incidentRow(i.incidentId, [
        i.ref ?? '—',
        i.serviceName,
        i.status ?? '—',
        i.title,
        formatTime(i.startedAt),
        i.endedAt ? formatTime(i.endedAt) : 'still down',
        el('td', { className: 'num', text: formatDuration(i.downtimeSecondsInPeriod) }),
      ]),
    );
  }
}

function renderMaintenance(services) {
  const body = $('maintenance').querySelector('tbody');
  body.replaceChildren();
  const windows = services
    .flatMap((s) => s.maintenance.map((w) => ({ ...w, serviceName: s.service.name })))
    .sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.id - b.id);
  if (windows.length === 0) body.append(emptyRow(7, 'No maintenance declared in this period.'));
  for (const w of windows) {
    body.append(
      el(
        'tr',
        { 'data-window': w.id },
        el('td', { text: `MW-${w.id}` }),
        el('td', { text: w.serviceName }),
        el('td', { text: formatTime(w.startsAt) }),
        el('td', { text: formatTime(w.endsAt) }),
        el('td', { text: w.reason }),
        el('td', { text: w.declaredBy }),
        el(
          'td',
          {},
          formatTime(w.declaredAt),
          w.retroactive ? el('span', { className: 'late', text: ' after it began' }) : null,
        ),
      ),
    );
  }
}
