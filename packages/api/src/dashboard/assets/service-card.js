// One service's card: what each number is, said next to it. The badge and the figure's colour come from
// the server's `standing`, which is never "met" or "on track" while the figure is below the commitment.

import { dailyChart, legend } from './availability-chart.js';
import { el, svg } from './dom.js';
import { formatDuration, formatPercent, formatRate, formatTime } from './format.js';

/** Tone (colour) and words of each standing against the commitment. */
const STANDING = {
  met: { tone: 'met', text: 'commitment met' },
  'on-track': { tone: 'met', text: 'on track: above commitment' },
  'below-target': { tone: 'warn', text: 'below commitment' },
  breached: { tone: 'breached', text: 'commitment breached: budget spent' },
  'not-evidenced': { tone: 'unknown', text: 'not evidenced: too little monitored' },
};

export function serviceCard(s) {
  const standing = STANDING[s.commitment.standing] ?? STANDING.breached;
  const targets = `commitment ${s.service.commitment} %` + (s.slo ? ` · SLO ${s.slo.target} %` : '');
  return el(
    'article',
    { className: 'service', 'data-service': s.service.id, 'data-standing': s.commitment.standing },
    el(
      'div',
      { className: 'summary' },
      el(
        'header',
        {},
        el('h3', { text: s.service.name }),
        s.service.name !== s.service.id ? el('span', { className: 'id', text: s.service.id }) : null,
        el('span', {
          className: `badge ${standing.tone}`,
          'data-status': s.commitment.status,
          'data-standing': s.commitment.standing,
          text: standing.text,
        }),
      ),
      el('p', { className: 'figure-label', 'data-label': 'availability', text: availabilityLabel(s) }),
      el(
        'div',
        { className: 'figure' },
        el('span', {
          className: `availability ${standing.tone}`,
          'data-figure': 'availability',
          text: formatPercent(s.availability),
        }),
        el('span', { className: 'target', text: targets }),
      ),
      budget(s),
      projection(s),
      el('p', {
        className: 'evidence',
        'data-figure': 'coverage',
        text:
          `monitored ${formatDuration(s.monitoredSeconds)} (coverage ${formatPercent(s.coverage)}) · ` +
          `no evidence ${formatDuration(s.noEvidenceSeconds)} · down ${formatDuration(s.downtimeSeconds)} · ` +
          `maintenance ${formatDuration(s.maintenanceSeconds)}`,
      }),
    ),
    el('div', { className: 'trend' }, dailyChart(s), legend(s.service.commitment)),
  );
}

function availabilityLabel(s) {
  return s.measuredUntil < s.to
    ? `Availability, month to date (up to ${formatTime(s.measuredUntil)})`
    : `Availability, whole period (${s.from.slice(0, 10)} to ${s.to.slice(0, 10)}, end excluded)`;
}

function budget(s) {
  const c = s.commitment;
  const used = c.budgetConsumed === null ? 0 : c.budgetConsumed;
  // Never green under a figure below the commitment, however little of the budget is used.
  const tone = used >= 1 ? 'bad' : used >= 0.5 || c.standing === 'below-target' ? 'warn' : 'ok';
  const usedSeconds = c.allowedDowntimeSeconds - c.budgetRemainingSeconds;
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
  const left =
    c.budgetRemainingSeconds >= 0
      ? `left ${formatDuration(c.budgetRemainingSeconds)}`
      : `exceeded by ${formatDuration(-c.budgetRemainingSeconds)}`;
  return el(
    'div',
    { className: 'budget' },
    el('div', { className: 'budget-bar' }, bar),
    el('p', {
      'data-figure': 'budget',
      text:
        `Error budget for the period (${formatDuration(c.allowedDowntimeSeconds)} allowed): ` +
        `used ${formatDuration(usedSeconds)} (${Math.round(used * 100)} %), ${left} · ` +
        `burn rate ${formatRate(c.burnRate)}`,
    }),
  );
}

function projection(s) {
  const p = s.projection;
  if (p === null) {
    return el('p', {
      'data-figure': 'projection',
      text:
        s.measuredUntil >= s.to
          ? 'Period ended: the figure above is final.'
          : 'No projection: nothing monitored so far.',
    });
  }
  const atBurn = p.availabilityAtCurrentBurn;
  const verdict =
    Math.floor(atBurn * 100_000 + 1e-7) / 1000 < s.service.commitment
      ? 'below the commitment'
      : 'within the commitment';
  return el('p', {
    'data-figure': 'projection',
    text:
      `End of period at the current burn (${formatRate(s.commitment.burnRate)}): ${formatPercent(atBurn)}, ` +
      `${verdict} · with no further downtime: ${formatPercent(p.availabilityIfNoFurtherDowntime)}`,
  });
}
