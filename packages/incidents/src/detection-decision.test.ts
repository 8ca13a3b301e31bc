import { describe, expect, it } from 'vitest';
import { firingDetection, resolvedDetection } from './detection-fixtures';
import { decideDetection, type ActiveIncident } from './detection-decision';

const active: ActiveIncident = {
  status: 'open',
  severity: 'SEV2',
  criteria: ['CC7.2', 'CC7.3'],
  firstEventAt: '2026-01-01T00:00:00.000Z',
  lastSeenAt: '2026-01-01T00:05:00.000Z',
  detectionCount: 1,
};

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
    });
    expect(decision.timeline).toMatchObject({
      kind: 'detected',
      actor: 'vigil:identity.brute-force',
      data: { detectionId: 'd1', evidence: ['okta:d1'] },
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
      summary: '25 failed logins',
      firstEventAt: '2026-01-01T00:00:00.000Z',
      lastSeenAt: '2026-01-01T00:09:00.000Z',
      detectionCount: 2,
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
  });
});
