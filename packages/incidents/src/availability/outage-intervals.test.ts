import { describe, expect, it } from 'vitest';
import { pairOutages, type OutageTransition } from './outage-intervals';

const t = (iso: string) => Date.parse(iso);
let n = 0;
function transition(
  kind: 'down' | 'up',
  at: string,
  overrides: Partial<OutageTransition> = {},
): OutageTransition {
  n += 1;
  return {
    detectionId: `d${n}`,
    service: 'checkout',
    ruleId: 'availability.service-down',
    kind,
    at: t(at),
    measuredBy: 'consecutive-checks',
    evidence: [`e${n}`],
    incidentId: null,
    historical: false,
    ...overrides,
  };
}

describe('pairOutages', () => {
  const history = [
    transition('down', '2026-11-01T09:00:00Z'),
    transition('up', '2026-11-01T09:07:00Z'),
    transition('down', '2026-11-01T20:07:00Z'),
    transition('up', '2026-11-01T20:27:00Z'),
    transition('down', '2026-11-02T15:27:00Z'),
    transition('up', '2026-11-02T15:57:00Z'),
  ];

  it('each down to the next up is one outage; separate outages stay separate whatever the gap', () => {
    const spans = pairOutages(history, t('2026-12-01T00:00:00Z'));
    expect(spans.map((s) => [new Date(s.start).toISOString(), (s.end - s.start) / 1000, s.how])).toEqual([
      ['2026-11-01T09:00:00.000Z', 420, 'measured'],
      ['2026-11-01T20:07:00.000Z', 1200, 'measured'],
      ['2026-11-02T15:27:00.000Z', 1800, 'measured'],
    ]);
  });

  it('gives the same outages whatever order the transitions were recorded in', () => {
    const reversed = pairOutages([...history].reverse(), 0);
    const shuffled = pairOutages(
      [history[3]!, history[0]!, history[5]!, history[2]!, history[1]!, history[4]!],
      0,
    );
    expect(reversed).toEqual(pairOutages(history, 0));
    expect(shuffled).toEqual(pairOutages(history, 0));
  });

  it('a down with no up yet is ongoing up to openUntil; a stray up or a second down adds nothing', () => {
    const spans = pairOutages(
      [
        transition('up', '2026-11-01T08:00:00Z'),
        transition('down', '2026-11-01T09:00:00Z'),
        transition('down', '2026-11-01T09:05:00Z'),
      ],
      t('2026-11-01T10:00:00Z'),
    );
    expect(spans).toMatchObject([
      { start: t('2026-11-01T09:00:00Z'), end: t('2026-11-01T10:00:00Z'), how: 'ongoing' },
    ]);
  });

  it('pairs per service and rule: two rules measuring one service give two interval streams', () => {
    const spans = pairOutages(
      [
        transition('down', '2026-11-01T09:00:00Z'),
        transition('down', '2026-11-01T09:01:00Z', {
          ruleId: 'availability.alerts-firing',
          measuredBy: 'alerts',
        }),
        transition('up', '2026-11-01T09:10:00Z'),
        transition('up', '2026-11-01T09:20:00Z', { ruleId: 'availability.alerts-firing' }),
      ],
      0,
    );
    expect(spans.map((s) => [s.measuredBy, (s.end - s.start) / 60_000])).toEqual([
      ['consecutive-checks', 10],
      ['alerts', 19],
    ]);
  });
});
