import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import {
  migrate,
  PgAvailabilityStore,
  PgIncidentStore,
  recordChecks,
  type ServicesConfig,
} from '@vigil/incidents';
import { ManualClock } from '@vigil/runtime';
import { Detection } from '@vigil/schema';
import { buildApiServer } from '../api-server';
import { RecordingLogger, TOKENS } from '../api-test-helpers';
import { hashToken } from '../api-tokens';

export const SERVICES: ServicesConfig = {
  services: [
    {
      id: 'checkout',
      name: 'Checkout',
      owner: 'payments-sre',
      commitment: 99.9,
      slo: 99.95,
      minimumCoverage: 90,
    },
    { id: 'search', name: 'Search', owner: null, commitment: 99.5, slo: null, minimumCoverage: 90 },
  ],
};

export interface AvailabilityHarness {
  app: FastifyInstance;
  store: PgIncidentStore;
  availability: PgAvailabilityStore;
  clock: ManualClock;
  logger: RecordingLogger;
  pool: Pool;
}

/** The API with availability over a migrated register; one token per role in `TOKENS`, named `<role>-user`. */
export async function availabilityApiOver(
  pool: Pool,
  services: ServicesConfig = SERVICES,
  now = '2026-12-02T00:00:00.000Z',
): Promise<AvailabilityHarness> {
  pool.on('error', (error: Error & { code?: string }) => {
    if (error.code !== '57P01') throw error;
  });
  await migrate(pool);
  const logger = new RecordingLogger();
  const clock = new ManualClock(Date.parse(now));
  const store = new PgIncidentStore({ pool, clock, logger });
  const availability = new PgAvailabilityStore({ pool, clock, logger });
  const app = buildApiServer({
    store,
    logger,
    tokens: Object.entries(TOKENS).map(([role, token]) => ({
      name: `${role}-user`,
      role: role as keyof typeof TOKENS,
      sha256: hashToken(token),
    })),
    availability: { store: availability, services, clock },
  });
  return { app, store, availability, clock, logger, pool };
}

/** A check every five minutes over [from, to], recorded as the coverage recorder does (10-minute gap). */
export async function checkedThroughout(
  pool: Pool,
  services: string[],
  from: string,
  to: string,
): Promise<void> {
  const checks = services.flatMap((service) =>
    Array.from({ length: (Date.parse(to) - Date.parse(from)) / 300_000 + 1 }, (_, i) => ({
      service,
      at: Date.parse(from) + i * 300_000,
    })),
  );
  await recordChecks(pool, checks, 600_000);
}

/** What the service-down rule emits: down at the first failed check, and up with the measured downtime. */
export function outageDetections(
  service: string,
  key: string,
  startedAt: string,
  downtimeSeconds?: number,
): Detection[] {
  const common = {
    ruleId: 'availability.service-down',
    ruleVersion: 3,
    criteria: ['A1.2', 'CC7.4'],
    category: 'availability',
    severity: 'SEV2',
    dedupKey: `availability.service-down:service:${service}`,
    entity: { type: 'service', id: service },
    ownerKey: service,
    firstEventAt: startedAt,
  };
  const at = (seconds: number) => new Date(Date.parse(startedAt) + seconds * 1000).toISOString();
  const detections = [
    Detection.parse({
      ...common,
      id: `${key}-down`,
      status: 'firing',
      title: `Service ${service} is down`,
      summary: `3 consecutive failed checks for ${service} since ${startedAt}.`,
      detectedAt: at(61),
      evidence: [0, 30, 60].map((s, i) => ({
        eventId: `prober:${key}-f${i}`,
        topic: 'vigil.events',
        partition: 0,
        offset: String(i),
        time: at(s),
      })),
      attributes: {
        consecutiveFailures: 3,
        downSince: startedAt,
        outage: 'down',
        outageAt: startedAt,
        measuredBy: 'consecutive-checks',
      },
    }),
  ];
  if (downtimeSeconds !== undefined) {
    detections.push(
      Detection.parse({
        ...common,
        id: `${key}-up`,
        status: 'resolved',
        title: `Service ${service} is back up`,
        summary: `${service} recovered.`,
        detectedAt: at(downtimeSeconds + 2),
        evidence: [
          {
            eventId: `prober:${key}-ok`,
            topic: 'vigil.events',
            partition: 0,
            offset: '9',
            time: at(downtimeSeconds),
          },
        ],
        attributes: {
          downtimeSeconds,
          downSince: startedAt,
          recoveredAt: at(downtimeSeconds),
          outage: 'up',
          outageAt: at(downtimeSeconds),
          measuredBy: 'consecutive-checks',
        },
      }),
    );
  }
  return detections;
}
