import { Detection } from '@vigil/schema';
import { describe, expect, it, vi } from 'vitest';
import type { ConsecutiveStateResult, StateTransition } from '../consecutive-state';
import { SECOND, fixtureTime, uptimeCheck } from '../fixture-events';
import { position, stubContext as baseContext } from '../test-support';
import { serviceDownRule } from './service-down.rule';

const failed = uptimeCheck({ id: 'c3', service: 'checkout', at: 60 * SECOND, outcome: 'failure' });
const recovered = uptimeCheck({ id: 'c5', service: 'checkout', at: 150 * SECOND, outcome: 'success' });

function stubContext(result: ConsecutiveStateResult) {
  const consecutiveState = vi.fn(() => Promise.resolve(result));
  const ctx = baseContext(serviceDownRule, { consecutiveState }, position(2));
  return { ctx, consecutiveState };
}

const evidenceAt = (id: string, seconds: number, offset: number) => ({
  eventId: id,
  topic: 'vigil.events',
  partition: 0,
  offset: String(offset),
  time: fixtureTime(seconds * SECOND),
});

const down: StateTransition = {
  to: 'down',
  triggerEventId: 'prober:c3',
  triggerTimeMs: Date.parse(fixtureTime(60 * SECOND)),
  sinceMs: Date.parse(fixtureTime(0)),
  detectedAtMs: Date.parse('2026-01-01T00:00:00Z'),
  failures: 3,
  evidence: [evidenceAt('prober:c1', 0, 0), evidenceAt('prober:c2', 30, 1), evidenceAt('prober:c3', 60, 2)],
};

const up: StateTransition = {
  to: 'up',
  triggerEventId: 'prober:c5',
  triggerTimeMs: Date.parse(fixtureTime(150 * SECOND)),
  sinceMs: Date.parse(fixtureTime(0)),
  detectedAtMs: Date.parse('2026-01-01T00:01:00Z'),
  failures: 0,
  evidence: [evidenceAt('prober:c1', 0, 0), evidenceAt('prober:c5', 150, 4)],
};

describe('availability.service-down', () => {
  it('matches successful and failed checks of services; unknown outcomes say nothing', () => {
    expect(serviceDownRule.match(failed, serviceDownRule.params)).toBe(true);
    expect(serviceDownRule.match(recovered, serviceDownRule.params)).toBe(true);
    expect(serviceDownRule.match({ ...failed, outcome: 'unknown' }, serviceDownRule.params)).toBe(false);
    expect(
      serviceDownRule.match(
        { ...failed, entity: { type: 'source', id: 'checkout' } },
        serviceDownRule.params,
      ),
    ).toBe(false);
    expect(serviceDownRule.match({ ...failed, kind: 'heartbeat' }, serviceDownRule.params)).toBe(false);
  });

  it('passes the outcome and its parameters to the state primitive', async () => {
    const { ctx, consecutiveState } = stubContext({ kind: 'unchanged', status: 'up' });
    await serviceDownRule.evaluate(recovered, ctx);
    expect(consecutiveState).toHaveBeenCalledWith({
      succeeded: true,
      failuresToTrip: 3,
      latenessMs: 120 * SECOND,
      region: 'eu-west-1',
      regionsToTrip: 2,
      regionWindowMs: 120 * SECOND,
    });
  });

  it('fires when the service goes down, owned by the service', async () => {
    const { detections } = await serviceDownRule.evaluate(
      failed,
      stubContext({ kind: 'transition', transition: down, replayed: false }).ctx,
    );
    expect(detections.map((d) => Detection.parse(d))).toEqual([
      expect.objectContaining({
        id: 'availability.service-down:availability.service-down:service:checkout:prober:c3',
        status: 'firing',
        dedupKey: 'availability.service-down:service:checkout',
        ownerKey: 'checkout',
        criteria: ['A1.2', 'CC7.4'],
        category: 'availability',
        firstEventAt: fixtureTime(0),
        evidence: down.evidence,
        attributes: {
          consecutiveFailures: 3,
          downSince: fixtureTime(0),
          outage: 'down',
          outageAt: fixtureTime(0),
          measuredBy: 'consecutive-checks',
        },
      }),
    ]);
  });

  it('resolves on recovery with the downtime since the first failure, on the same dedup key', async () => {
    const { detections } = await serviceDownRule.evaluate(
      recovered,
      stubContext({ kind: 'transition', transition: up, replayed: true }).ctx,
    );
    const [detection] = detections.map((d) => Detection.parse(d));
    expect(detection).toMatchObject({
      id: 'availability.service-down:availability.service-down:service:checkout:prober:c5:resolved',
      status: 'resolved',
      dedupKey: 'availability.service-down:service:checkout',
      firstEventAt: fixtureTime(0),
      detectedAt: '2026-01-01T00:01:00.000Z',
      attributes: { downtimeSeconds: 150, downSince: fixtureTime(0), recoveredAt: fixtureTime(150 * SECOND) },
    });
    expect(detection?.summary).toBe(`checkout recovered at ${fixtureTime(150 * SECOND)} after 150s down.`);
  });

  it('reports a late check and emits nothing for an unchanged state', async () => {
    const late = await serviceDownRule.evaluate(
      failed,
      stubContext({ kind: 'late', newestMs: Date.parse(fixtureTime(600 * SECOND)) }).ctx,
    );
    expect(late.late).toContain('the allowed lateness is 2m');
    expect(
      await serviceDownRule.evaluate(failed, stubContext({ kind: 'unchanged', status: 'down' }).ctx),
    ).toEqual({ detections: [] });
  });
});
