import { createDetector, catalog, type BatchMessage } from '@vigil/rules';
import { ManualClock } from '@vigil/runtime';
import { googleWorkspaceNormalizer, oktaNormalizer, type Normalizer } from '@vigil/sources';
import type { Detection, VigilEvent } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from '../fixtures/services';
import { activitiesPage, loginFailure, GOOGLE_CUSTOMER } from '../../packages/sources/src/testing/google-workspace-samples';
import { oktaHookDelivery, oktaLogEvent } from '../../packages/sources/src/testing/samples';

/**
 * A password spray through rotating IPs (issue 11): many users of one organisation, a few failures each,
 * from addresses that change so no single IP reaches the per-IP threshold. Real-format deliveries (an Okta
 * event hook, a Google Reports API page) go through the normalisers and the whole catalog on real Redis.
 */
const START = Date.parse('2026-11-22T10:00:00.000Z');
const receivedAt = new Date(START + 20 * 60_000).toISOString();

function normalised(normalizer: Normalizer, body: unknown, source: string): VigilEvent[] {
  const split = normalizer.split(body);
  if (!split.ok) throw new Error(JSON.stringify(split));
  return split.items.map((item) => {
    const result = normalizer.normalize(item, { source, receivedAt });
    if (!result.ok) throw new Error(JSON.stringify(result));
    return result.event;
  });
}

async function detect(redis: Parameters<typeof createDetector>[0]['redis'], uid: string, events: VigilEvent[]) {
  const clock = new ManualClock(START + 20 * 60_000);
  const detector = createDetector({ redis, keyPrefix: `${uid}:`, rules: catalog, clock, logger: silentLogger });
  const messages: BatchMessage[] = events.map((event, offset) => ({
    event,
    position: { topic: 'vigil.events', partition: 0, offset: String(offset) },
  }));
  const first = await detector.processBatch(messages);
  // Redelivered whole: the same detections, nothing more.
  const again = await detector.processBatch(messages);
  expect(again.detections).toEqual(first.detections);
  return first.detections;
}

/** What opens an incident; a burst's continuations (its later events) only add to it. */
const byRule = (detections: Detection[], ruleId: string) =>
  detections.filter((d) => d.ruleId === ruleId && !d.burst?.continuation);
const continued = (detections: Detection[], ruleId: string) =>
  detections.filter((d) => d.ruleId === ruleId && d.burst?.continuation).map((d) => d.burst?.events);

describe('password spray across rotating IPs', () => {
  test('an Okta org: 24 users, one or two failures each, from 12 addresses fires the distributed rule once', async ({
    redis,
    uid,
  }) => {
    const failures = Array.from({ length: 24 }, (_, i) =>
      oktaLogEvent({
        uuid: `a1f0c9d2-2f4e-11ef-9a3c-${String(i).padStart(12, '0')}`,
        published: new Date(START + i * 25_000).toISOString(),
        actor: { id: `00u${i}spray`, type: 'User', alternateId: `staff${i}@example.com`, displayName: `Staff ${i}` },
        client: {
          ipAddress: `185.220.101.${(i % 12) + 10}`,
          userAgent: { rawUserAgent: i % 2 ? 'python-requests/2.31.0' : 'Mozilla/5.0 (X11; Linux x86_64)' },
          zone: 'null',
        },
        outcome: { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' },
      }),
    );
    const events = normalised(oktaNormalizer, oktaHookDelivery(failures), 'okta');
    expect(events[0]?.attributes['vigil.user_agent']).toBe('Mozilla/5.0 (X11; Linux x86_64)');
    const detections = await detect(redis, uid, events);

    const spray = byRule(detections, 'identity.password-spray-distributed');
    expect(spray).toHaveLength(1);
    expect(spray[0]).toMatchObject({
      entity: { type: 'account', id: 'okta' },
      dedupKey: 'identity.password-spray-distributed:tenant:okta',
      attributes: { distinctUsers: 20, distinctSourceIps: 12, tenant: 'okta' },
    });
    expect(spray[0]?.evidence).toHaveLength(20);
    // The four failures after the crossing add to the same incident: 24 in all.
    expect(continued(detections, 'identity.password-spray-distributed')).toEqual([24]);
    // No address saw ten users: the per-IP rule stays quiet, and no user reached brute force.
    expect(byRule(detections, 'identity.password-spray')).toEqual([]);
    expect(byRule(detections, 'identity.brute-force')).toEqual([]);
  });

  test('a Google customer sprayed from a fresh address per attempt fires for that customer', async ({ redis, uid }) => {
    const items = Array.from({ length: 21 }, (_, i) =>
      loginFailure({
        id: {
          time: new Date(START + i * 40_000).toISOString(),
          uniqueQualifier: String(-4002873813067000000 - i),
          applicationName: 'login',
          customerId: GOOGLE_CUSTOMER,
        },
        actor: { callerType: 'USER', email: `person${i}@example.com`, profileId: `1145111473${i}` },
        ipAddress: `45.134.26.${i + 1}`,
      }),
    );
    const events = normalised(googleWorkspaceNormalizer, activitiesPage(items), 'google');
    const detections = await detect(redis, uid, events);

    const spray = byRule(detections, 'identity.password-spray-distributed');
    expect(spray).toHaveLength(1);
    expect(spray[0]).toMatchObject({
      entity: { type: 'account', id: `google/${GOOGLE_CUSTOMER}` },
      attributes: { distinctUsers: 20, distinctSourceIps: 20 },
    });
    expect(continued(detections, 'identity.password-spray-distributed')).toEqual([21]);
  });

  test('ordinary failures (a few users mistyping from their own addresses) fire nothing', async ({ redis, uid }) => {
    const failures = Array.from({ length: 8 }, (_, i) =>
      oktaLogEvent({
        uuid: `b2f0c9d2-2f4e-11ef-9a3c-${String(i).padStart(12, '0')}`,
        published: new Date(START + i * 60_000).toISOString(),
        actor: { id: `00u${i % 4}typo`, type: 'User', alternateId: `typo${i % 4}@example.com`, displayName: 'T' },
        client: { ipAddress: `192.0.2.${(i % 4) + 1}`, userAgent: { rawUserAgent: 'Mozilla/5.0' }, zone: 'null' },
      }),
    );
    const detections = await detect(redis, uid, normalised(oktaNormalizer, oktaHookDelivery(failures), 'okta'));
    expect(detections).toEqual([]);
  });
});
