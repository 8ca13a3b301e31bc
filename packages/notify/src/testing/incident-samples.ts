import { randomUUID } from 'node:crypto';
import type { IncidentView } from '@vigil/incidents';

/** An open brute-force incident; override what a test is about. */
export function sampleIncident(overrides: Partial<IncidentView> = {}): IncidentView {
  return {
    id: randomUUID(),
    seq: 42,
    ruleId: 'identity.brute-force',
    ruleVersion: 1,
    title: 'Brute force against alice@example.com',
    summary: '14 failed logins for alice@example.com within 5 minutes',
    criteria: ['CC7.2', 'CC7.3'],
    category: 'security',
    severity: 'SEV2',
    status: 'open',
    dedupKey: 'user:alice@example.com',
    entity: { type: 'user', id: 'alice@example.com' },
    ownerKey: 'identity.brute-force',
    detectionCount: 1,
    firstEventAt: '2026-01-01T09:58:00.000Z',
    detectedAt: '2026-01-01T10:00:00.000Z',
    lastSeenAt: '2026-01-01T10:00:00.000Z',
    lastEventAt: '2026-01-01T09:59:30.000Z',
    resolvedAt: null,
    downtimeSeconds: null,
    slack: null,
    ...overrides,
  };
}

/** A service-down incident on `checkout`, open. */
export function sampleOutage(overrides: Partial<IncidentView> = {}): IncidentView {
  return sampleIncident({
    seq: 7,
    ruleId: 'availability.service-down',
    title: 'checkout is down',
    summary: '3 consecutive failed checks from 2 regions',
    criteria: ['A1.2', 'CC7.4'],
    category: 'availability',
    severity: 'SEV1',
    dedupKey: 'service:checkout',
    entity: { type: 'service', id: 'checkout' },
    ownerKey: 'checkout',
    ...overrides,
  });
}
