import type { Detection } from '@vigil/schema';
import { describe, expect, test } from '../../../test/fixtures/services';
import { firingDetection } from './detection-fixtures';
import { checkRows } from './proof/row-fold';
import { migratedStore } from './store-test-helpers';

/** Evidence of failure `n` of a burst (event time 00:00:n0), from one of three addresses. */
const ref = (n: number) => ({
  eventId: `okta:f${n}`,
  topic: 'vigil.events',
  partition: 2,
  offset: String(40 + n),
  time: `2026-01-01T00:0${Math.floor(n / 6)}:${String((n % 6) * 10).padStart(2, '0')}.000Z`,
});
const ips = (n: number) => `203.0.113.${(n % 3) + 1}`;

const ruleConfig = {
  parameters: { threshold: 5, window: 600_000, allowedLateness: 300_000, maxEvidence: 50 },
  rulesHash: 'a'.repeat(64),
};

/** The crossing: failures 1..5 open the incident. */
const crossing: Detection = firingDetection({
  id: 'identity.brute-force:identity.brute-force:user:alice@example.com:okta:f5',
  evidence: [1, 2, 3, 4, 5].map(ref),
  firstEventAt: ref(1).time,
  detectedAt: '2026-01-01T00:00:51.000Z',
  burst: { id: 'okta:f5', events: 5, continuation: false },
  observed: { ips: [1, 2, 3, 4, 5].map(ips).filter((ip, i, all) => all.indexOf(ip) === i), userAgents: ['curl/8.5.0'] },
  ruleConfig,
});

/** The detector's coalesced continuation of a batch: its newest event's id, the burst's count by then. */
function continuation(events: number[], userAgent = 'curl/8.5.0'): Detection {
  const last = events[events.length - 1] ?? 0;
  return firingDetection({
    id: `identity.brute-force:identity.brute-force:user:alice@example.com:okta:f${last}:burst`,
    evidence: events.map(ref),
    firstEventAt: ref(events[0] ?? 0).time,
    detectedAt: ref(last).time,
    burst: { id: 'okta:f5', events: last, continuation: true },
    observed: { ips: events.map(ips), userAgents: [userAgent] },
    ruleConfig,
  });
}

describe('an open incident absorbs its burst', () => {
  test('12 failed sign-ins show 12: count, last event time, addresses and clients; repeats change nothing', async ({
    database,
  }) => {
    const { store } = await migratedStore(database.pool);
    const opened = await store.applyDetection(crossing);
    const id = opened.incident?.id ?? '';
    expect(opened.incident).toMatchObject({ eventCount: 5, backfill: false, timeToDetectMs: 1_000 });

    const second = await store.applyDetection(continuation([6, 7, 8]));
    expect(second.outcome).toBe('updated');
    expect(second.notifications.map((n) => n.facts)).toEqual([
      expect.objectContaining({ change: 'detections', eventCount: 8, eventsAdded: 3 }),
    ]);
    // While that update waits for Slack, the next batch joins it instead of adding a reply of its own.
    const third = await store.applyDetection(continuation([9, 10, 11, 12], 'python-requests/2.31.0'));
    expect(third.notifications).toEqual([]);
    // A redelivered batch cut differently (9..10 again): the burst's count is a maximum, nothing is added twice.
    await store.applyDetection(continuation([9, 10]));

    const detail = await store.getIncident(id);
    expect(detail).toMatchObject({
      eventCount: 12,
      lastEventAt: ref(12).time,
      sourceIps: ['203.0.113.2', '203.0.113.3', '203.0.113.1'],
      userAgents: ['curl/8.5.0', 'python-requests/2.31.0'],
      detectionCount: 4,
    });
    expect(detail?.evidence.map((e) => e.eventId)).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((n) => `okta:f${n}`),
    );
    const updates = detail?.notifications.filter((n) => n.kind === 'updated') ?? [];
    expect(updates).toHaveLength(1);
    expect(updates[0]?.facts).toMatchObject({ eventCount: 12, eventsAdded: 7, lastEventAt: ref(12).time });
    // Each detection's timeline entry says which rule configuration fired and what it added.
    expect(detail?.timeline[0]?.data).toMatchObject({ ruleConfig, eventCount: 5, timeToDetectMs: 1_000 });
    expect(detail?.timeline.at(-1)?.data).toMatchObject({
      ruleConfig,
      burst: { id: 'okta:f5', events: 10, continuation: true },
      eventCount: 12,
      eventsAdded: 0,
    });
    const applied = await database.pool.query<{ rule_config: unknown }>(
      'SELECT rule_config FROM applied_detections ORDER BY applied_at, detection_id LIMIT 1',
    );
    expect(applied.rows[0]?.rule_config).toEqual(ruleConfig);
    // The row is the fold of its timeline, the new columns too.
    expect(checkRows([{ record: detail!, timeline: detail!.timeline }]).differences).toEqual([]);
    expect(await store.verifyChain()).toMatchObject({ ok: true });
  });

  test("a burst's later events after the incident was resolved add to nothing and page no one", async ({
    database,
  }) => {
    const { store } = await migratedStore(database.pool);
    const opened = await store.applyDetection(crossing);
    await store.transition(opened.incident?.id ?? '', 'resolve', { actor: 'api:soc' });
    const late = await store.applyDetection(continuation([6, 7]));
    expect(late).toEqual({ outcome: 'ignored', incident: null, notifications: [] });
    const detail = await store.getIncident(opened.incident?.id ?? '');
    expect(detail).toMatchObject({ status: 'resolved', eventCount: 5 });
  });

  test('a backfill is marked and has no time to detect', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    const opened = await store.applyDetection({ ...crossing, detectedAt: '2026-01-13T00:00:00.000Z' });
    expect(opened.incident).toMatchObject({ backfill: true, timeToDetectMs: null });
    expect(opened.notifications[0]?.facts).toMatchObject({ historical: true });
  });
});
