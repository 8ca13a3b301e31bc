import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { migrate, PgAuditRegister, PgIncidentStore } from '@vigil/incidents';
import { ManualClock } from '@vigil/runtime';
import { buildApiServer } from '../api-server';
import { RecordingLogger, TOKENS } from '../api-test-helpers';
import { hashToken } from '../api-tokens';
import type { DatabaseTokens } from './database-tokens';

export interface AuditHarness {
  app: FastifyInstance;
  store: PgIncidentStore;
  logger: RecordingLogger;
  clock: ManualClock;
}

/**
 * A migrated register and an API serving /v1/audit, with one configured token per role in `TOKENS`
 * (named `<role>-user`) and, when given, the database's tokens.
 */
export async function auditApiOver(
  pool: Pool,
  options: { databaseTokens?: (logger: RecordingLogger) => DatabaseTokens } = {},
): Promise<AuditHarness & { databaseTokens?: DatabaseTokens }> {
  // The database fixture force-drops the database right after pool.end(); a connection killed mid-close
  // (57P01) must not fail the run.
  pool.on('error', (error: Error & { code?: string }) => {
    if (error.code !== '57P01') throw error;
  });
  await migrate(pool);
  const logger = new RecordingLogger();
  const clock = new ManualClock(Date.parse('2026-03-10T00:00:00Z'));
  const store = new PgIncidentStore({ pool, clock, logger });
  const databaseTokens = options.databaseTokens?.(logger);
  await databaseTokens?.start();
  const app = buildApiServer({
    store,
    logger,
    tokens: Object.entries(TOKENS).map(([role, token]) => ({
      name: `${role}-user`,
      role: role as keyof typeof TOKENS,
      sha256: hashToken(token),
    })),
    audit: {
      register: new PgAuditRegister({ pool, clock }),
      ...(databaseTokens ? { databaseTokens } : {}),
    },
  });
  app.addHook('onClose', async () => {
    await databaseTokens?.stop();
  });
  return { app, store, logger, clock, ...(databaseTokens ? { databaseTokens } : {}) };
}
