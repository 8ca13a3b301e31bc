import { readFileSync } from 'node:fs';
import type { Pool } from 'pg';
import type { Detection } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from '../../../../test/fixtures/services';
import { firingDetection, resolvedDetection, serviceDownDetection } from '../detection-fixtures';
import { migratedStore } from '../store-test-helpers';
import type { ServiceAvailability } from './availability-types';
import { reconcileBreaches } from './breach-reconciler';
import { breachDedupKey } from './breach-verdict';
import { recordChecks } from './check-coverage';
import { PgAvailabilityStore } from './pg-availability-store';
import type { ServiceCommitment } from './services-config';

/**
 * A month of one-minute checks of `ledger` (99.9 %), with outages, a six-hour gap in monitoring and a
 * maintenance window, applied to the register as event-time history. Every expected figure is computed here
 * from the intervals below, never by Vigil's code.
 */
const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);
const PERIOD: [number, number] = [at('2026-11-01T00:00:00Z'), at('2026-12-01T00:00:00Z')];
const COMMITMENT = 99.9;
const MAINTENANCE: [number, number] = [at('2026-11-10T02:00:00Z'), at('2026-11-10T04:00:00Z')];
/** No checks strictly inside: the prober was down. */
const GAP: [number, number] = [at('2026-11-15T06:00:00Z'), at('2026-11-15T12:00:00Z')];
/** [first failed check, first good check). */
const OUTAGES: Array<[number, number]> = [
  [at('2026-11-03T09:00:00Z'), at('2026-11-03T09:20:00Z')], // 20 min
  [at('2026-11-10T02:30:00Z'), at('2026-11-10T04:10:00Z')], // 100 min, 90 of them inside maintenance
  [at('2026-11-20T14:00:00Z'), at('2026-11-20T14:12:00Z')], // 12 min
];
/** A later outage that takes the month past its allowance. */
const LAST_STRAW: [number, number] = [at('2026-11-25T10:00:00Z'), at('2026-11-25T10:05:00Z')];
/** Maintenance declared after the fact over the last outage. */
const LATE_MAINTENANCE: [number, number] = [at('2026-11-25T09:00:00Z'), at('2026-11-25T11:00:00Z')];
const NOW = at('2026-12-01T06:00:00Z');

const service: ServiceCommitment = {
  id: 'ledger',
  name: 'Ledger',
  owner: null,
  commitment: COMMITMENT,
  slo: null,
  minimumCoverage: 90,
};

const overlap = ([a, b]: [number, number], [c, d]: [number, number]) =>
  Math.max(0, Math.min(b, d) - Math.max(a, c));

/** The report's figures, by hand: overlap arithmetic on the intervals above. */
function expected(outages: Array<[number, number]>, maintenance: Array<[number, number]>) {
  const period = PERIOD[1] - PERIOD[0];
  const maintenanceMs = maintenance.reduce((sum, w) => sum + (w[1] - w[0]), 0);
  const downtime = outages.reduce(
    (sum, o) => sum + (o[1] - o[0]) - maintenance.reduce((m, w) => m + overlap(o, w), 0),
    0,
  );
  const noEvidence = GAP[1] - GAP[0];
  const monitored = period - maintenanceMs - noEvidence;
  const allowed = Math.round(((100 - COMMITMENT) * (period - maintenanceMs)) / 100);
  return {
    periodSeconds: period / 1000,
    maintenanceSeconds: maintenanceMs / 1000,
    noEvidenceSeconds: noEvidence / 1000,
    monitoredSeconds: monitored / 1000,
    downtimeSeconds: downtime / 1000,
    availability: (monitored - downtime) / monitored,
    coverage: monitored / (period - maintenanceMs),
    allowedDowntimeSeconds: allowed / 1000,
    status: downtime > allowed ? 'breached' : 'met',
  };
}

const ref = (id: string, time: number) => [
  {
    eventId: `prober:${id}`,
    topic: 'vigil.events',
    partition: 0,
    offset: String(Math.floor(time / 1000)),
    time: iso(time),
  },
];
const iso = (ms: number) => new Date(ms).toISOString();

/** The service-down rule's detections for one outage: down at its first failed check (found at the third), up at recovery. */
function outageDetections([start, end]: [number, number], detectedAt: number): Detection[] {
  const key = {
    dedupKey: 'availability.service-down:service:ledger',
    entity: { type: 'service', id: 'ledger' },
  } as const;
  return [
    serviceDownDetection({
      ...key,
      id: `down-${start}`,
      ownerKey: 'ledger',
      firstEventAt: iso(start),
      detectedAt: iso(detectedAt),
      evidence: ref(`f-${start}`, start + 2 * MIN),
    }),
    resolvedDetection({
      ...key,
      id: `up-${end}`,
      firstEventAt: iso(start),
      detectedAt: iso(detectedAt),
      evidence: ref(`ok-${end}`, end),
      attributes: { downtimeSeconds: (end - start) / 1000 },
    }),
  ];
}

/**
 * What the detector's commitment-breach rule raises, knowing nothing of maintenance: its running downtime (the
 * raw outages) passed the month's whole budget (0.1 % of 30 days = 2,592 s) at 02:53:12 on Nov 10.
 */
const detectorBreach = firingDetection({
  id: 'availability.commitment-breach:service:ledger:2026-11:prober:c-1',
  ruleId: 'availability.commitment-breach',
  ruleVersion: 2,
  title: 'ledger is below its 99.9 % commitment for 2026-11',
  summary: 'ledger: 43 min 12 s down in 2026-11, more than the month budget',
  criteria: ['A1.2'],
  category: 'availability',
  dedupKey: breachDedupKey('ledger', '2026-11'),
  entity: { type: 'service', id: 'ledger' },
  ownerKey: 'ledger',
  firstEventAt: iso(OUTAGES[0]![0]),
  detectedAt: iso(NOW),
  evidence: ref('c-1', at('2026-11-10T02:53:12Z')),
});

/** One check a minute over the month, less the gap, in the given order. */
function checks(order: 'forward' | 'backward'): Array<{ service: string; at: number }> {
  const all: Array<{ service: string; at: number }> = [];
  for (let t = PERIOD[0]; t < PERIOD[1]; t += MIN)
    if (!(t > GAP[0] && t < GAP[1])) all.push({ service: 'ledger', at: t });
  all.push({ service: 'ledger', at: PERIOD[1] });
  return order === 'forward' ? all : all.reverse();
}

async function history(pool: Pool, options: { order: 'forward' | 'backward'; batch: number }) {
  const { store, clock } = await migratedStore(pool, { services: [service] });
  clock.set(NOW);
  const availability = new PgAvailabilityStore({ pool, clock, logger: silentLogger });
  await availability.declareMaintenance(
    {
      service: 'ledger',
      startsAt: iso(MAINTENANCE[0]),
      endsAt: iso(MAINTENANCE[1]),
      reason: 'ledger schema migration, CHG-301',
    },
    { actor: 'api:sre-oncall' },
  );
  const all = checks(options.order);
  for (let i = 0; i < all.length; i += options.batch)
    await recordChecks(pool, all.slice(i, i + options.batch), 5 * MIN);
  // Per dedup key the detector's order holds (one partition: the outages come in event order); across keys any
  // order may arrive: the breach detection comes after the outages or before them.
  const outages = OUTAGES.flatMap((o) => outageDetections(o, NOW));
  const ordered = options.order === 'forward' ? [...outages, detectorBreach] : [detectorBreach, ...outages];
  const outcomes: string[] = [];
  for (const detection of ordered) outcomes.push((await store.applyDetection(detection)).outcome);
  const reconcile = () =>
    reconcileBreaches({
      pool,
      services: [service],
      applyDetection: (d) => store.applyDetection(d),
      enqueue: async () => undefined,
      clock,
      logger: silentLogger,
    });
  const report = async () => {
    const [figures] = await availability.availability([service], november);
    if (!figures) throw new Error('no figures');
    return figures;
  };
  return {
    store,
    clock,
    availability,
    reconcile,
    report,
    outcomes: new Map(ordered.map((d, i) => [d.id, outcomes[i]])),
  };
}

async function breachIncidents(pool: Pool) {
  const { rows } = await pool.query<{
    dedup_key: string;
    status: string;
    first_event_at: Date;
    resolved_by: string | null;
  }>(
    `SELECT dedup_key, status, first_event_at, resolved_by FROM incidents WHERE rule_id = 'availability.commitment-breach' ORDER BY seq`,
  );
  return rows.map((r) => ({
    dedupKey: r.dedup_key,
    status: r.status,
    firstEventAt: r.first_event_at.toISOString(),
    resolvedBy: r.resolved_by,
  }));
}

const november = { from: iso(PERIOD[0]), to: iso(PERIOD[1]) };

function reportLine(figures: ServiceAvailability) {
  return {
    periodSeconds: figures.periodSeconds,
    maintenanceSeconds: figures.maintenanceSeconds,
    noEvidenceSeconds: figures.noEvidenceSeconds,
    monitoredSeconds: figures.monitoredSeconds,
    downtimeSeconds: figures.downtimeSeconds,
    availability: figures.availability,
    coverage: figures.coverage,
    allowedDowntimeSeconds: figures.commitment.allowedDowntimeSeconds,
    status: figures.commitment.status,
  };
}

describe('breach incidents and the availability report agree (event-time history)', () => {
  test('maintenance keeps a month met and no breach opens; a later outage breaches it; late maintenance withdraws it', async ({
    database,
  }) => {
    const pool = database.pool;
    const run = await history(pool, { order: 'forward', batch: 5_000 });
    const met = expected(OUTAGES, [MAINTENANCE]);
    // By hand: 20 + 10 + 12 min counted = 2,520 s, against 0.1 % of (30 days - 2 h) = 2,584.8 s.
    expect(met).toMatchObject({ downtimeSeconds: 2_520, allowedDowntimeSeconds: 2_584.8, status: 'met' });
    expect(reportLine(await run.report())).toEqual(met);
    // The detector, blind to maintenance, said "breached" (7,920 s raw); the report does not, so no incident.
    expect(run.outcomes.get(detectorBreach.id)).toBe('ignored');
    await run.reconcile();
    expect(await breachIncidents(pool)).toEqual([]);

    // Five more minutes down on Nov 25: 2,820 s counted, past the allowance at 10:01:04.8 (2,584.8 - 2,520 s in).
    for (const detection of outageDetections(LAST_STRAW, NOW)) await run.store.applyDetection(detection);
    const breached = expected([...OUTAGES, LAST_STRAW], [MAINTENANCE]);
    expect(breached).toMatchObject({ downtimeSeconds: 2_820, status: 'breached' });
    expect(reportLine(await run.report())).toEqual(breached);
    expect(await run.reconcile()).toEqual({ opened: [breachDedupKey('ledger', '2026-11')], withdrawn: [] });
    const crossing = iso(LAST_STRAW[0] + (breached.allowedDowntimeSeconds - 2_520) * 1000);
    expect(crossing).toBe('2026-11-25T10:01:04.800Z');
    expect(await breachIncidents(pool)).toEqual([
      {
        dedupKey: 'availability.commitment-breach:service:ledger:2026-11',
        status: 'open',
        firstEventAt: crossing,
        resolvedBy: null,
      },
    ]);
    // docs/availability.md's worked example is this month, printed by this run: PRINT_AVAILABILITY_EXAMPLE=1.
    const lines = reconciliation(await run.report());
    if (process.env.PRINT_AVAILABILITY_EXAMPLE) process.stdout.write(`${lines.join('\n')}\n`);
    expect(lines.at(-1)).toBe('| status | breached | 2,820 s down > 2,584.8 s allowed |');
    // The docs show exactly what this run prints.
    const docs = readFileSync(new URL('../../../../docs/availability.md', import.meta.url), 'utf8').split(
      '\n',
    );
    const first = docs.indexOf(lines[0]!);
    expect(docs.slice(first, first + lines.length)).toEqual(lines);
    // A second pass with nothing changed does nothing.
    expect(await run.reconcile()).toEqual({ opened: [], withdrawn: [] });

    // Maintenance declared after the fact over that outage: the report says met again, and the breach is withdrawn.
    await run.availability.declareMaintenance(
      {
        service: 'ledger',
        startsAt: iso(LATE_MAINTENANCE[0]),
        endsAt: iso(LATE_MAINTENANCE[1]),
        reason: 'ledger failover test, CHG-322',
      },
      { actor: 'api:sre-oncall' },
    );
    const withdrawn = expected([...OUTAGES, LAST_STRAW], [MAINTENANCE, LATE_MAINTENANCE]);
    expect(withdrawn).toMatchObject({
      downtimeSeconds: 2_520,
      allowedDowntimeSeconds: 2_577.6,
      status: 'met',
    });
    expect(reportLine(await run.report())).toEqual(withdrawn);
    expect(await run.reconcile()).toEqual({ opened: [], withdrawn: [breachDedupKey('ledger', '2026-11')] });
    expect(await breachIncidents(pool)).toEqual([
      expect.objectContaining({ status: 'resolved', resolvedBy: 'vigil:availability.commitment-breach' }),
    ]);
    const { rows } = await pool.query<{ data: { report?: { status: string; downtimeSeconds: number } } }>(
      `SELECT t.data FROM incident_timeline t JOIN incidents i ON i.id = t.incident_id
        WHERE i.rule_id = 'availability.commitment-breach' AND t.kind = 'resolved'`,
    );
    expect(rows.map((r) => r.data.report)).toEqual([
      expect.objectContaining({ status: 'met', downtimeSeconds: 2_520 }),
    ]);
  });

  test('the same history replayed, and again in another order and batching, gives the same figures and incidents', async ({
    database,
  }) => {
    const pool = database.pool;
    const first = await history(pool, { order: 'backward', batch: 777 });
    await first.reconcile();
    const figures = await first.report();
    expect(reportLine(figures)).toEqual(expected(OUTAGES, [MAINTENANCE]));
    const incidents = await pool.query(
      'SELECT rule_id, status, first_event_at, downtime_seconds FROM incidents ORDER BY first_event_at',
    );
    // Replayed into the same register: every detection is a duplicate; checks already covered change nothing.
    for (const detection of [...OUTAGES.flatMap((o) => outageDetections(o, NOW)), detectorBreach]) {
      expect((await first.store.applyDetection(detection)).outcome).toBe('duplicate');
    }
    await recordChecks(pool, checks('forward'), 5 * MIN);
    await first.reconcile();
    expect({ ...(await first.report()), generatedAt: undefined }).toEqual({
      ...figures,
      generatedAt: undefined,
    });
    expect(
      (
        await pool.query(
          'SELECT rule_id, status, first_event_at, downtime_seconds FROM incidents ORDER BY first_event_at',
        )
      ).rows,
    ).toEqual(incidents.rows);
    expect(incidents.rows.map((r: { rule_id: string }) => r.rule_id)).toEqual(
      Array(3).fill('availability.service-down'),
    );
  });
});

const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 6 });
const hhmm = (isoTime: string) => isoTime.slice(5, 16).replace('T', ' ');

/** The month's report as reconciliation lines (markdown), every number from the report itself. */
function reconciliation(r: ServiceAvailability): string[] {
  const up = r.monitoredSeconds - r.downtimeSeconds;
  const c = r.commitment;
  return [
    '| line | seconds | from |',
    '|---|---:|---|',
    `| period ${r.from.slice(0, 7)} | ${n(r.periodSeconds)} | ${r.from} – ${r.to} |`,
    ...r.maintenance.map(
      (w) =>
        `| − maintenance #${w.id} | ${n((Date.parse(w.endsAt) - Date.parse(w.startsAt)) / 1000)} | ${hhmm(w.startsAt)} – ${hhmm(w.endsAt)}, ${w.reason} |`,
    ),
    ...r.noEvidence.map(
      (g) =>
        `| − no evidence | ${n((Date.parse(g.end) - Date.parse(g.start)) / 1000)} | ${hhmm(g.start)} – ${hhmm(g.end)}: no checks |`,
    ),
    `| = monitored | ${n(r.monitoredSeconds)} | coverage ${n((r.coverage ?? 0) * 100)} % of ${n(r.measuredSeconds)} s (minimum ${r.service.minimumCoverage} %) |`,
    ...r.incidents.map(
      (o) =>
        `| − outage ${o.ref ?? ''} | ${n(o.downtimeSecondsInPeriod)} | ${hhmm(o.startedAt)} – ${hhmm(o.endedAt ?? r.to)}: ${n(o.downtimeSeconds ?? 0)} s measured |`,
    ),
    `| = downtime | ${n(r.downtimeSeconds)} | union of the outages outside maintenance |`,
    `| = up | ${n(up)} | monitored − downtime |`,
    `| availability | ${n((r.availability ?? 0) * 100)} % | up / monitored |`,
    `| allowance | ${n(c.allowedDowntimeSeconds)} | ${n(100 - c.target)} % of ${n(r.periodSeconds - r.maintenanceSeconds)} s (period − maintenance) |`,
    `| status | ${c.status} | ${n(r.downtimeSeconds)} s down ${c.status === 'breached' ? '>' : '≤'} ${n(c.allowedDowntimeSeconds)} s allowed |`,
  ];
}
