// The SRE view: availability per service against its commitment, error budgets, open incidents, the
// period's downtime and maintenance.

import { getJson } from './api-client.js';
import { dailyChart, legend } from './availability-chart.js';
import { $, el, emptyRow, incidentRow, setStatus, svg } from './dom.js';
import { formatDuration, formatPercent, formatRate, formatTime } from './format.js';

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

function serviceCard(s) {
  const met = s.commitment.met;
  const targets = `commitment ${s.service.commitment} %` + (s.slo ? ` · SLO ${s.slo.target} %` : '');
  return el(
    'article',
    { className: 'service', 'data-service': s.service.id },
    el(
      'div',
      { className: 'summary' },
      el(
        'header',
        {},
        el('h3', { text: s.service.name }),
        s.service.name !== s.service.id ? el('span', { className: 'id', text: s.service.id }) : null,
        el('span', {
          className: `badge ${met ? 'met' : 'breached'}`,
          text: met ? 'within commitment' : 'commitment breached',
        }),
      ),
      el(
        'div',
        { className: 'figure' },
        el('span', {
          className: `availability ${met ? 'met' : 'breached'}`,
          'data-figure': 'availability',
          text: formatPercent(s.availability),
        }),
        el('span', { className: 'target', text: targets }),
      ),
      budget(s),
    ),
    el('div', { className: 'trend' }, dailyChart(s), legend(s.service.commitment)),
  );
}

function budget(s) {
  const c = s.commitment;
  const used = c.budgetConsumed === null ? 0 : c.budgetConsumed;
  const tone = used >= 1 ? 'bad' : used >= 0.5 ? 'warn' : 'ok';
  const left =
    c.budgetRemainingSeconds >= 0
      ? `${formatDuration(c.budgetRemainingSeconds)} left of ${formatDuration(c.allowedDowntimeSeconds)}`
      : `exceeded by ${formatDuration(-c.budgetRemainingSeconds)} (allowed ${formatDuration(c.allowedDowntimeSeconds)})`;
  const bar = svg(
    'svg',
    {
      viewBox: '0 0 100 1',
      preserveAspectRatio: 'none',
      role: 'img',
      'aria-label': `${Math.round(used * 100)} % of the error budget used`,
    },
    svg('rect', { x: 0, y: 0, width: Math.min(100, used * 100), height: 1, class: `budget-used ${tone}` }),
  );
  return el(
    'div',
    { className: 'budget' },
    el('div', { className: 'budget-bar' }, bar),
    el('p', {
      'data-figure': 'budget',
      text:
        `Error budget: ${left} (${Math.round(used * 100)} % used) · burn rate ${formatRate(c.burnRate)} · ` +
        `down ${formatDuration(s.downtimeSeconds)} · maintenance ${formatDuration(s.maintenanceSeconds)}`,
    }),
  );
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
  if (rows.length === 0) body.append(emptyRow(7, 'No service-down incidents in this period.'));
  for (const i of rows) {
    body.append(
      incidentRow(i.incidentId, [
        i.ref,
        i.serviceName,
        i.status,
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
