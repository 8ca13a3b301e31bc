import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { migrate, PgIncidentStore } from '@vigil/incidents';
import { ManualClock } from '@vigil/runtime';
import { Detection } from '@vigil/schema';
import type { Logger } from '@vigil/telemetry';
import { buildApiServer, type ApiServerOptions } from './api-server';
import { hashToken } from './api-tokens';

export const TOKENS = {
  viewer: 'viewer-0b7f6c1e9d',
  auditor: 'auditor-5a2d8e4f31',
  responder: 'responder-7e4b2a9c55',
  admin: 'admin-c93e1a7b02',
} as const;

/** Every line logged, as text, so a test can look for what must never be there. */
export class RecordingLogger implements Logger {
  constructor(readonly lines: string[] = []) {}
  debug(obj: object, msg?: string): void {
    this.record('debug', obj, msg);
  }
  info(obj: object, msg?: string): void {
    this.record('info', obj, msg);
  }
  warn(obj: object, msg?: string): void {
    this.record('warn', obj, msg);
  }
  error(obj: object, msg?: string): void {
    this.record('error', obj, msg);
  }
  child(bindings: Record<string, unknown>): Logger {
    const child = new RecordingLogger(this.lines);
    child.record('debug', bindings, 'child');
    return child;
  }
  private record(level: string, obj: object, msg?: string): void {
    this.lines.push(
      `${level} ${msg ?? ''} ${JSON.stringify(obj, (_key, value: unknown) => (value instanceof Error ? value.message : value))}`,
    );
  }
}

export interface ApiHarness {
  app: FastifyInstance;
  store: PgIncidentStore;
  logger: RecordingLogger;
  clock: ManualClock;
}

/** A migrated store and an API over it with one token per role in `TOKENS`, named `<role>-user`. */
export async function apiOver(
  pool: Pool,
  options: Pick<ApiServerOptions, 'notifier'> = {},
): Promise<ApiHarness> {
  // The database fixture force-drops the database right after pool.end(), which resolves before connections
  // close; a connection killed mid-close (57P01) must not fail the run.
  pool.on('error', (error: Error & { code?: string }) => {
    if (error.code !== '57P01') throw error;
  });
  await migrate(pool);
  const logger = new RecordingLogger();
  const clock = new ManualClock(Date.parse('2026-02-01T00:00:00Z'));
  const store = new PgIncidentStore({ pool, clock, logger });
  const app = buildApiServer({
    ...options,
    store,
    logger,
    tokens: Object.entries(TOKENS).map(([role, token]) => ({
      name: `${role}-user`,
      role: role as keyof typeof TOKENS,
      sha256: hashToken(token),
    })),
  });
  return { app, store, logger, clock };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

export function detection(overrides: Partial<Detection> & { id: string }): Detection {
  return Detection.parse({
    ruleId: 'identity.brute-force',
    ruleVersion: 1,
    status: 'firing',
    title: 'Brute force against alice@example.com',
    summary: '10 failed logins in 5 minutes',
    criteria: ['CC7.2', 'CC7.3'],
    category: 'security',
    severity: 'SEV2',
    dedupKey: `identity.brute-force:user:${overrides.id}`,
    entity: { type: 'user', id: 'alice@example.com' },
    ownerKey: 'okta',
    firstEventAt: '2026-01-10T00:00:00.000Z',
    detectedAt: '2026-01-10T00:05:00.000Z',
    evidence: [
      {
        eventId: `okta:${overrides.id}`,
        topic: 'vigil.events',
        partition: 1,
        offset: '7',
        time: '2026-01-10T00:04:00Z',
      },
    ],
    ...overrides,
  });
}
