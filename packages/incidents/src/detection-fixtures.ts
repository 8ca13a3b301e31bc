import { Detection } from '@vigil/schema';

/**
 * Detections for this package's tests. Each goes through the schema, so a test never feeds the store
 * something the alerter would have refused.
 */
export function firingDetection(overrides: Partial<Detection> & { id: string; eventId?: string }): Detection {
  const { eventId = `okta:${overrides.id}`, ...rest } = overrides;
  return Detection.parse({
    ruleId: 'identity.brute-force',
    ruleVersion: 1,
    status: 'firing',
    title: 'Brute force against alice@example.com',
    summary: '10 failed logins in 5 minutes',
    criteria: ['CC7.2', 'CC7.3'],
    category: 'security',
    severity: 'SEV2',
    dedupKey: 'identity.brute-force:user:alice@example.com',
    entity: { type: 'user', id: 'alice@example.com' },
    ownerKey: 'okta',
    firstEventAt: '2026-01-01T00:00:00.000Z',
    detectedAt: '2026-01-01T00:05:00.000Z',
    evidence: [
      { eventId, topic: 'vigil.events', partition: 2, offset: '41', time: '2026-01-01T00:04:59.000Z' },
    ],
    attributes: {},
    ...rest,
  });
}

type Overrides = Partial<Detection> & { id: string; eventId?: string };

/** A service-down detection: firing unless told otherwise, carrying its outage transition as the rule does. */
export function serviceDownDetection(overrides: Overrides): Detection {
  const firstEventAt = overrides.firstEventAt ?? '2026-01-01T00:00:00.000Z';
  return firingDetection({
    attributes: { outage: 'down', outageAt: firstEventAt, measuredBy: 'consecutive-checks' },
    ruleId: 'availability.service-down',
    title: 'api.example.com is down',
    summary: '3 consecutive failed checks',
    criteria: ['A1.2', 'CC7.4'],
    category: 'availability',
    severity: 'SEV1',
    dedupKey: 'availability.service-down:service:api',
    entity: { type: 'service', id: 'api' },
    ownerKey: 'api',
    ...overrides,
  });
}

/** The service-down rule seeing the service recover: `attributes.downtimeSeconds` after `firstEventAt`. */
export function resolvedDetection(overrides: Overrides): Detection {
  const firstEventAt = overrides.firstEventAt ?? '2026-01-01T00:00:00.000Z';
  const downtime = overrides.attributes?.downtimeSeconds;
  const recoveredAt =
    typeof downtime === 'number'
      ? new Date(Date.parse(firstEventAt) + downtime * 1000).toISOString()
      : undefined;
  return serviceDownDetection({
    summary: 'recovered',
    ...overrides,
    attributes: {
      ...(recoveredAt ? { outage: 'up', outageAt: recoveredAt, measuredBy: 'consecutive-checks' } : {}),
      ...overrides.attributes,
    },
    status: 'resolved',
  });
}
