import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { afterEach, describe, expect, test } from '../fixtures/services';
import { apiGet, apiPost, eventually, postEvents, startHarness, type Harness } from './pipeline-harness';

/**
 * Two weeks of one-check-every-two-minutes history for one service, posted as event-time history long
 * after it happened, with outages, a gap in monitoring and a maintenance window. Every figure is computed
 * here from the intervals below, not by Vigil's code.
 */
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const STEP = 2 * MIN;
const FROM = Date.parse('2026-11-02T00:00:00Z');
const TO = FROM + 14 * DAY;
const at = (day: number, hh: number, mm: number) => FROM + day * DAY + hh * HOUR + mm * MIN;

/** [first failed check, first good check). Each at least three checks long (the rule trips on the third). */
const OUTAGES: Array<[number, number]> = [
  [at(0, 9, 0), at(0, 9, 8)], //   8 min
  [at(0, 20, 8), at(0, 20, 28)], // 20 min, 11 h after the first: a separate incident
  [at(1, 15, 28), at(1, 15, 58)], // 30 min, 19 h later: separate again
  [at(6, 2, 30), at(6, 3, 30)], // 60 min, all inside maintenance
  [at(6, 3, 50), at(6, 4, 10)], // 20 min, 10 of them inside maintenance; 20 min after the last: reopens it
  [at(8, 10, 0), at(8, 10, 6)], //  6 min
  [at(8, 10, 30), at(8, 10, 36)], // 6 min, 24 min later: the gap between them was up
  [at(11, 23, 50), at(12, 0, 20)], // 30 min across midnight
];
const MAINTENANCE: [number, number] = [at(6, 2, 0), at(6, 4, 0)];
/** No checks strictly between these two (the prober was down for six hours). */
const GAP: [number, number] = [at(4, 6, 0), at(4, 12, 0)];

function history(service: string): unknown[] {
  const events: unknown[] = [];
  for (let t = FROM; t <= TO; t += STEP) {
    if (t > GAP[0] && t < GAP[1]) continue;
    const down = OUTAGES.some(([start, end]) => t >= start && t < end);
    events.push({
      id: `${service}-${t}`,
      kind: 'uptime_check',
      action: 'http',
      time: new Date(t).toISOString(),
      entity: { type: 'service', id: service },
      outcome: down ? 'failure' : 'success',
    });
  }
  return events;
}

/** The figures, from the intervals: overlap arithmetic written out, not Vigil's. */
function expectedFigures() {
  const overlap = ([a, b]: [number, number], [c, d]: [number, number]) =>
    Math.max(0, Math.min(b, d) - Math.max(a, c));
  const elapsed = TO - FROM;
  const maintenance = MAINTENANCE[1] - MAINTENANCE[0];
  const noEvidence = GAP[1] - GAP[0];
  const downtime = OUTAGES.reduce((sum, o) => sum + (o[1] - o[0]) - overlap(o, MAINTENANCE), 0);
  const monitored = elapsed - maintenance - noEvidence;
  const allowed = Math.round(((100 - 99) * (elapsed - maintenance)) / 100);
  return {
    elapsedSeconds: elapsed / 1000,
    maintenanceSeconds: maintenance / 1000,
    noEvidenceSeconds: noEvidence / 1000,
    monitoredSeconds: monitored / 1000,
    downtimeSeconds: downtime / 1000,
    availability: (monitored - downtime) / monitored,
    coverage: monitored / (elapsed - maintenance),
    allowedDowntimeSeconds: allowed / 1000,
  };
}

/** Posts in batches as a sender would, waiting and sending again on 429/503 (Retry-After). */
async function postHistory(harness: Harness, events: unknown[], batchSize: number): Promise<void> {
  for (let i = 0; i < events.length; i += batchSize) {
    const batch = events.slice(i, i + batchSize);
    for (;;) {
      const response = await postEvents(harness, batch);
      if (response.status === 202) break;
      expect([429, 503]).toContain(response.status);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

interface Figures {
  elapsedSeconds: number;
  maintenanceSeconds: number;
  noEvidenceSeconds: number;
  monitoredSeconds: number;
  downtimeSeconds: number;
  availability: number;
  coverage: number;
  commitment: { status: string; allowedDowntimeSeconds: number };
  noEvidence: Array<{ start: string; end: string }>;
  downtime: Array<{ start: string; end: string }>;
  incidents: Array<{
    ref: string;
    startedAt: string;
    endedAt: string | null;
    downtimeSeconds: number | null;
    historical: boolean;
  }>;
}

const period = `from=${new Date(FROM).toISOString()}&to=${new Date(TO).toISOString()}`;

/** Waits until every outage has ended and the coverage reaches the end of the period, then reads the figures. */
async function settledFigures(harness: Harness, service: string): Promise<Figures> {
  return eventually(
    async () => {
      const { body } = await apiGet<{ availability: Figures }>(
        harness,
        `/v1/availability/${service}?${period}`,
      );
      const figures = body.availability;
      const done =
        figures.incidents.length === OUTAGES.length &&
        figures.incidents.every((i) => i.endedAt !== null) &&
        figures.noEvidence.length === 1;
      return done ? figures : undefined;
    },
    150_000,
    'every outage recorded and the checks covered',
  );
}

function servicesFile(service: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-avail-'));
  const file = join(dir, 'services.yaml');
  writeFileSync(
    file,
    `services:\n  ${service}:\n    name: Shop\n    commitment: 99\n    minimumCoverage: 95\n`,
  );
  return file;
}

describe('availability from event-time history (embedded bus)', { timeout: 480_000 }, () => {
  const running: Harness[] = [];
  // Stopping drains what the coverage and alerter stages still hold; on a busy machine that takes a while.
  afterEach(async () => {
    for (const harness of running.splice(0)) await harness.stop();
  }, 90_000);

  test('weeks of checks with outages, a gap and maintenance give the hand-computed figures, in any batching', async ({
    uid,
    redisUrl,
    database,
  }) => {
    const service = `shop-${uid}`;
    const env = { SERVICES_FILE: servicesFile(service), COVERAGE_MAX_GAP_MS: String(5 * MIN) };
    const first = await startHarness({ uid, redisUrl, databaseUrl: database.url, env });
    running.push(first);
    const events = history(service);
    await postHistory(first, events, 5_000);
    const declared = await apiPost(first, '/v1/availability/maintenance', {
      service,
      startsAt: new Date(MAINTENANCE[0]).toISOString(),
      endsAt: new Date(MAINTENANCE[1]).toISOString(),
      reason: 'database failover, CHG-9',
    });
    expect(declared.status).toBe(201);

    const figures = await settledFigures(first, service);
    const expected = expectedFigures();
    expect(figures).toMatchObject({
      elapsedSeconds: expected.elapsedSeconds,
      maintenanceSeconds: expected.maintenanceSeconds,
      noEvidenceSeconds: expected.noEvidenceSeconds,
      monitoredSeconds: expected.monitoredSeconds,
      downtimeSeconds: expected.downtimeSeconds,
      commitment: { status: 'met', allowedDowntimeSeconds: expected.allowedDowntimeSeconds },
      noEvidence: [{ start: new Date(GAP[0]).toISOString(), end: new Date(GAP[1]).toISOString() }],
    });
    expect(figures.availability).toBeCloseTo(expected.availability, 12);
    expect(figures.coverage).toBeCloseTo(expected.coverage, 12);
    // Every outage as measured, first failed check to first good check; marked as recorded after the fact.
    expect(figures.incidents.map((i) => [i.startedAt, i.endedAt, i.downtimeSeconds, i.historical])).toEqual(
      OUTAGES.map(([start, end]) => [
        new Date(start).toISOString(),
        new Date(end).toISOString(),
        (end - start) / 1000,
        true,
      ]),
    );
    // Outages 11 h and 19 h apart are separate incidents; those 20 and 24 minutes apart reopen theirs.
    const refs = figures.incidents.map((i) => i.ref);
    expect(new Set(refs).size).toBe(6);
    expect(refs[3]).toBe(refs[4]);
    expect(refs[5]).toBe(refs[6]);

    // Each incident's own downtime is the sum of its outages: the register, the dashboard and the report agree.
    const { body: listed } = await apiGet<{
      incidents: Array<{ seq: number; ruleId: string; downtimeSeconds: number | null }>;
    }>(first, '/v1/incidents?limit=100');
    const byRef = new Map<string, number>();
    for (const outage of figures.incidents)
      byRef.set(outage.ref, (byRef.get(outage.ref) ?? 0) + (outage.downtimeSeconds ?? 0));
    for (const incident of listed.incidents.filter((i) => i.ruleId === 'availability.service-down')) {
      expect(incident.downtimeSeconds).toBe(byRef.get(`INC-${incident.seq}`));
    }

    // The same history again, into the same pipeline: nothing changes.
    await postHistory(first, events, 3_333);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(stable(await settledFigures(first, service))).toEqual(stable(figures));

    // The same history into a fresh pipeline, in different batches: the same figures.
    const admin = new pg.Client({ connectionString: inject('databaseUrl') });
    await admin.connect();
    const second = `vigil_${uid}_replay`;
    await admin.query(`CREATE DATABASE ${second}`);
    try {
      const url = new URL(database.url);
      url.pathname = `/${second}`;
      const replay = await startHarness({ uid: `${uid}r`, redisUrl, databaseUrl: url.toString(), env });
      running.push(replay);
      await apiPost(replay, '/v1/availability/maintenance', {
        service,
        startsAt: new Date(MAINTENANCE[0]).toISOString(),
        endsAt: new Date(MAINTENANCE[1]).toISOString(),
        reason: 'database failover, CHG-9',
      });
      await postHistory(replay, events, 777);
      expect(stable(await settledFigures(replay, service))).toEqual(stable(figures));
      await running.pop()?.stop();
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${second} WITH (FORCE)`);
      await admin.end();
    }
  });
});

/**
 * The figures without what names the run: generation time, incident ids and register numbers (other
 * rules' incidents take numbers too, in an order that depends on timing). Which outages share an
 * incident is checked on its own.
 */
function stable(figures: Figures): unknown {
  return {
    ...figures,
    generatedAt: undefined,
    maintenance: undefined,
    incidents: figures.incidents.map((i) => ({ ...i, incidentId: undefined, ref: undefined, seq: undefined })),
    sameIncident: figures.incidents.map((i) => figures.incidents.findIndex((j) => j.ref === i.ref)),
  };
}
