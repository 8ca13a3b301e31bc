import { describe, expect, it } from 'vitest';
import { firingDetection, resolvedDetection, serviceDownDetection } from './detection-fixtures';
import {
  decideDetection,
  DEFAULT_DETECTION_POLICY,
  isHistorical,
  type DetectionPolicy,
  type LatestIncident,
} from './detection-decision';

const active: LatestIncident = {
  id: '0b9d2f4e-3c1a-4e8b-9f7d-6a5b4c3d2e1f',
  seq: 7,
  status: 'open',
  severity: 'SEV2',
  criteria: ['CC7.2', 'CC7.3'],
  summary: '10 failed logins in 5 minutes since 00:00',
  firstEventAt: '2026-01-01T00:00:00.000Z',
  detectedAt: '2026-01-01T00:05:00.000Z',
  lastSeenAt: '2026-01-01T00:05:00.000Z',
  detectionCount: 1,
  resolvedAt: null,
  resolvedBy: null,
  lastEventAt: '2026-01-01T00:04:59.000Z',
  evidence: { eventCount: 10, lastEventAt: '2026-01-01T00:04:59.000Z', sourceIps: [], userAgents: [], burstEvents: {} },
  // SEV2: 30 minutes to acknowledge, 24 hours to resolve.
  ackDueAt: '2026-01-01T00:35:00.000Z',
  resolveDueAt: '2026-01-02T00:05:00.000Z',
};

/** The same incident, resolved by the rule at 01:00 (wall clock) on an event of 00:59:30. */
const resolved: LatestIncident = {
  ...active,
  status: 'resolved',
  lastEventAt: '2026-01-01T00:59:30.000Z',
  resolvedAt: '2026-01-01T01:00:00.000Z',
  resolvedBy: 'vigil:identity.brute-force',
};

const tenMinuteWindow: DetectionPolicy = { ...DEFAULT_DETECTION_POLICY, reopenWindowMs: 10 * 60_000 };

describe('decideDetection', () => {
  it('opens an incident from a firing detection when none is live', () => {
    const decision = decideDetection(firingDetection({ id: 'd1' }), null);
    expect(decision.kind).toBe('open');
    if (decision.kind !== 'open') return;
    expect(decision.notify).toBe('opened');
    expect(decision.incident).toMatchObject({
      ruleId: 'identity.brute-force',
      severity: 'SEV2',
      detectedAt: '2026-01-01T00:05:00.000Z',
      lastSeenAt: '2026-01-01T00:05:00.000Z',
      entity: { type: 'user', id: 'alice@example.com' },
      ackDueAt: '2026-01-01T00:35:00.000Z',
      resolveDueAt: '2026-01-02T00:05:00.000Z',
      recurrenceOf: null,
      affectedSystems: [],
    });
    expect(decision.timeline).toMatchObject({
      kind: 'detected',
      actor: 'vigil:identity.brute-force',
      data: { detectionId: 'd1', evidence: ['okta:d1'], ackDueAt: '2026-01-01T00:35:00.000Z' },
    });
    expect(decision.timeline.data).not.toHaveProperty('recurrenceOf');
  });

  it('takes response targets from the policy, and a service entity as the affected system', () => {
    const policy: DetectionPolicy = {
      ...DEFAULT_DETECTION_POLICY,
      responseTargets: {
        ...DEFAULT_DETECTION_POLICY.responseTargets,
        SEV1: { ackMinutes: 5, resolveMinutes: 60 },
      },
    };
    const decision = decideDetection(
      serviceDownDetection({ id: 'down', detectedAt: '2026-01-01T00:05:00.000Z' }),
      null,
      policy,
    );
    if (decision.kind !== 'open') throw new Error(`expected an open, got ${decision.kind}`);
    expect(decision.incident).toMatchObject({
      severity: 'SEV1',
      ackDueAt: '2026-01-01T00:10:00.000Z',
      resolveDueAt: '2026-01-01T01:05:00.000Z',
      affectedSystems: ['api'],
    });
  });

  it('adds a repeat to the live incident, counting it and moving last seen forward', () => {
    const decision = decideDetection(
      firingDetection({ id: 'd2', detectedAt: '2026-01-01T00:09:00.000Z', summary: '25 failed logins' }),
      active,
    );
    expect(decision.kind).toBe('update');
    if (decision.kind !== 'update') return;
    expect(decision.notify).toBe('updated');
    expect(decision.update).toEqual({
      severity: 'SEV2',
      criteria: ['CC7.2', 'CC7.3'],
      summary: '10 failed logins in 5 minutes since 00:00',
      firstEventAt: '2026-01-01T00:00:00.000Z',
      lastSeenAt: '2026-01-01T00:09:00.000Z',
      detectionCount: 2,
      ackDueAt: '2026-01-01T00:35:00.000Z',
      resolveDueAt: '2026-01-02T00:05:00.000Z',
      // Its one evidence event adds to the ten already counted.
      evidence: {
        eventCount: 11,
        lastEventAt: '2026-01-01T00:04:59.000Z',
        sourceIps: [],
        userAgents: [],
        burstEvents: {},
      },
    });
    expect(decision.timeline.kind).toBe('detection-added');
    expect(decision.timeline.data).not.toHaveProperty('severityChanged');
  });

  it('raises severity and adds criteria from a more serious repeat, and says so in the timeline', () => {
    const decision = decideDetection(
      firingDetection({ id: 'd3', severity: 'SEV1', criteria: ['CC7.2', 'CC6.1'] }),
      active,
    );
    if (decision.kind !== 'update') throw new Error(`expected an update, got ${decision.kind}`);
    expect(decision.update.severity).toBe('SEV1');
    expect(decision.update.criteria).toEqual(['CC7.2', 'CC7.3', 'CC6.1']);
    expect(decision.timeline.data).toMatchObject({
      severityChanged: { from: 'SEV2', to: 'SEV1' },
      criteriaAdded: ['CC6.1'],
      targetsTightened: { ackDueAt: '2026-01-01T00:20:00.000Z', resolveDueAt: '2026-01-01T04:05:00.000Z' },
    });
    // SEV1 from the original detection time: 15 minutes and 4 hours.
    expect(decision.update).toMatchObject({
      ackDueAt: '2026-01-01T00:20:00.000Z',
      resolveDueAt: '2026-01-01T04:05:00.000Z',
    });
  });

  it('never lowers severity, keeps the earliest first event and the latest last seen', () => {
    const decision = decideDetection(
      firingDetection({
        id: 'd4',
        severity: 'SEV4',
        firstEventAt: '2025-12-31T23:59:00.000Z',
        detectedAt: '2026-01-01T00:01:00.000Z',
      }),
      active,
    );
    if (decision.kind !== 'update') throw new Error(`expected an update, got ${decision.kind}`);
    expect(decision.update.severity).toBe('SEV2');
    expect(decision.update.firstEventAt).toBe('2025-12-31T23:59:00.000Z');
    expect(decision.update.lastSeenAt).toBe('2026-01-01T00:05:00.000Z');
    expect(decision.update.ackDueAt).toBe(active.ackDueAt);
    expect(decision.timeline.data).not.toHaveProperty('targetsTightened');
  });

  it('resolves the live incident at the detection time, by the rule, with measured downtime', () => {
    const decision = decideDetection(
      resolvedDetection({
        id: 'r1',
        detectedAt: '2026-01-01T01:00:00.000Z',
        attributes: { downtimeSeconds: 3300 },
      }),
      { ...active, status: 'acknowledged' },
    );
    if (decision.kind !== 'resolve') throw new Error(`expected a resolution, got ${decision.kind}`);
    expect(decision.resolution).toEqual({
      resolvedAt: '2026-01-01T01:00:00.000Z',
      resolvedBy: 'vigil:availability.service-down',
      downtimeSeconds: 3300,
    });
    expect(decision.notify).toBe('resolved');
    expect(decision.timeline).toMatchObject({
      kind: 'resolved',
      data: { detectionId: 'r1', downtimeSeconds: 3300 },
    });
  });

  it('records no downtime when the attribute is missing or not a usable number', () => {
    const unusable: Array<Record<string, string | number>> = [
      {},
      { downtimeSeconds: 'long' },
      { downtimeSeconds: -5 },
    ];
    for (const attributes of unusable) {
      const decision = decideDetection(resolvedDetection({ id: 'r2', attributes }), active);
      if (decision.kind !== 'resolve') throw new Error(`expected a resolution, got ${decision.kind}`);
      expect(decision.resolution.downtimeSeconds).toBeNull();
    }
  });

  it('ignores a resolution when nothing is live for the dedup key', () => {
    expect(decideDetection(resolvedDetection({ id: 'r3' }), null).kind).toBe('ignore');
    for (const status of ['resolved', 'closed', 'dismissed'] as const) {
      expect(decideDetection(resolvedDetection({ id: 'r4' }), { ...resolved, status }).kind).toBe('ignore');
    }
  });

  it('reopens a resolved incident firing again within the window, saying what it was resolved as', () => {
    const decision = decideDetection(
      firingDetection({
        id: 'again',
        firstEventAt: '2026-01-01T01:09:29.999Z',
        detectedAt: '2026-01-01T01:09:59.999Z',
      }),
      resolved,
      tenMinuteWindow,
    );
    if (decision.kind !== 'reopen') throw new Error(`expected a reopen, got ${decision.kind}`);
    expect(decision.notify).toBe('updated');
    expect(decision.update).toMatchObject({ detectionCount: 2, lastSeenAt: '2026-01-01T01:09:59.999Z' });
    expect(decision.timeline).toEqual({
      kind: 'reopened',
      actor: 'vigil:identity.brute-force',
      data: {
        detectionId: 'again',
        detectedAt: '2026-01-01T01:09:59.999Z',
        detectionSummary: '10 failed logins in 5 minutes',
        detectionCount: 2,
        // The columns the reopen sets, as the row gets them.
        summary: decision.update.summary,
        firstEventAt: decision.update.firstEventAt,
        lastSeenAt: '2026-01-01T01:09:59.999Z',
        evidence: ['okta:again'],
        eventCount: 11,
        eventsAdded: 1,
        // Event time, not when it was detected: the evidence event is from 00:04:59, detected 65 minutes on.
        lastEventAt: '2026-01-01T00:04:59.000Z',
        timeToDetectMs: 3_900_999,
        backfill: true,
        previousResolution: {
          resolvedAt: '2026-01-01T01:00:00.000Z',
          resolvedBy: 'vigil:identity.brute-force',
        },
        reopenWindowMs: 600_000,
      },
    });
  });

  it('opens a recurrence, not a reopen, at the end of the window or after a final state', () => {
    const atWindowEnd = decideDetection(
      firingDetection({
        id: 'later',
        firstEventAt: '2026-01-01T01:09:30.000Z',
        detectedAt: '2026-01-01T01:10:00.000Z',
      }),
      resolved,
      tenMinuteWindow,
    );
    if (atWindowEnd.kind !== 'open') throw new Error(`expected an open, got ${atWindowEnd.kind}`);
    expect(atWindowEnd.incident.recurrenceOf).toBe(resolved.id);
    expect(atWindowEnd.incident.detectedAt).toBe('2026-01-01T01:10:00.000Z');
    expect(atWindowEnd.timeline.data.recurrenceOf).toEqual({
      incidentId: resolved.id,
      ref: 'INC-7',
      status: 'resolved',
      resolvedAt: '2026-01-01T01:00:00.000Z',
    });

    // Closed and dismissed are final: even a moment later, a detection opens a new incident.
    for (const status of ['closed', 'dismissed'] as const) {
      const decision = decideDetection(
        firingDetection({ id: 'soon', detectedAt: '2026-01-01T01:00:01.000Z' }),
        { ...resolved, status },
        tenMinuteWindow,
      );
      expect(decision).toMatchObject({ kind: 'open', incident: { recurrenceOf: resolved.id } });
    }
  });

  it('counts a late detection stamped before the resolution as within the window', () => {
    const decision = decideDetection(
      firingDetection({
        id: 'late',
        firstEventAt: '2026-01-01T00:59:00.000Z',
        detectedAt: '2026-01-03T00:00:00.000Z',
      }),
      resolved,
      tenMinuteWindow,
    );
    expect(decision.kind).toBe('reopen');
  });

  it('compares event times only: history posted now, hours apart in event time, never reopens', () => {
    // The detector saw both outages within a second of each other (a replay), 11 hours apart in event time.
    const replayed = {
      ...resolved,
      resolvedAt: '2026-03-01T12:00:00.000Z',
      lastEventAt: '2026-01-01T09:07:00.000Z',
    };
    const decision = decideDetection(
      firingDetection({
        id: 'next',
        firstEventAt: '2026-01-01T20:07:00.000Z',
        detectedAt: '2026-03-01T12:00:01.000Z',
      }),
      replayed,
    );
    expect(decision.kind).toBe('open');
  });

  it("keeps the incident's summary from what opened it; a later detection's summary goes to the timeline", () => {
    const decision = decideDetection(
      firingDetection({ id: 'd9', summary: 'still failing since 09:00 day 2' }),
      active,
    );
    if (decision.kind !== 'update') throw new Error(`expected an update, got ${decision.kind}`);
    expect(decision.update.summary).toBe('10 failed logins in 5 minutes since 00:00');
    expect(decision.timeline.data.detectionSummary).toBe('still failing since 09:00 day 2');
  });

  it('marks a detection made long after its triggering event as historical', () => {
    const live = firingDetection({ id: 'h1', detectedAt: '2026-01-01T00:05:00.000Z' });
    const backfill = firingDetection({ id: 'h2', detectedAt: '2026-01-01T00:20:00.000Z' });
    expect(isHistorical(live, DEFAULT_DETECTION_POLICY)).toBe(false);
    expect(isHistorical(backfill, DEFAULT_DETECTION_POLICY)).toBe(true);
  });
});
