import Fastify, { type FastifyInstance } from 'fastify';
import type { ChainVerifier, IncidentCommands, IncidentQueries } from '@vigil/incidents';
import { ValidationError } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import { ApiError, fromStoreError, type ErrorBody } from './api-errors';
import { createTokenVerifier, type ApiTokenConfig } from './api-tokens';
import { registerAuditRoutes, type AuditApiOptions } from './audit/audit-routes';
import { withDatabaseTokens } from './audit/database-tokens';
import { registerAvailabilityRoutes, type AvailabilityRouteDeps } from './availability/availability-routes';
import { registerDashboardRoutes } from './dashboard/dashboard-routes';
import { registerIncidentActionRoutes, type NotificationEnqueuer } from './incident-action-routes';
import { registerIncidentRoutes } from './incident-routes';
import { accessHook, principalOf } from './route-access';

export interface ApiServerOptions {
  store: IncidentQueries & IncidentCommands & ChainVerifier;
  /**
   * Sends the notifications an action causes right away. Optional: they are in the outbox either way, and
   * the notifier's sweeper sends what nobody enqueued, only later.
   */
  notifier?: NotificationEnqueuer;
  logger: Logger;
  /** Accepted bearer tokens, by hash. */
  tokens: readonly ApiTokenConfig[];
  /** Largest request body in bytes; 1 MiB when not given. */
  bodyLimit?: number;
  /** Availability figures, the monthly report, maintenance windows; without it, no /v1/availability. */
  availability?: AvailabilityRouteDeps;
  /** Auditor views (/v1/audit) and tokens kept in the database; without it, neither is served. */
  audit?: AuditApiOptions;
}

/** The HTTP API, ready to `listen` (the service does that) or to `inject` (tests do that). */
export function buildApiServer(options: ApiServerOptions): FastifyInstance {
  const logger = options.logger.child({ component: 'api' });
  const verify = withDatabaseTokens(createTokenVerifier(options.tokens), options.audit?.databaseTokens);
  if (options.tokens.length === 0 && !options.audit?.databaseTokens)
    logger.warn({}, 'no API tokens configured: every authenticated route answers 401');

  // Fastify's own logger would print request headers and URLs as they come; requests are logged below instead.
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 1024 * 1024 });

  app.addHook('onRequest', accessHook(verify, logger));

  app.addHook('onResponse', async (request, reply) => {
    logger.info(
      {
        method: request.method,
        // The path only: a query string is the caller's free text.
        path: request.url.split('?')[0],
        route: request.routeOptions.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        principal: principalOf(request)?.name,
      },
      'request',
    );
  });

  app.setNotFoundHandler(async (request, reply) => {
    const body: ErrorBody = {
      error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` },
    };
    return reply.code(404).send(body);
  });

  app.setErrorHandler(async (error: unknown, request, reply) => {
    if (error instanceof ApiError) return reply.code(error.statusCode).send(error.toBody());
    const refusal = fromStoreError(error);
    if (refusal) return reply.code(refusal.statusCode).send(refusal.toBody());
    if (error instanceof ValidationError) {
      return reply
        .code(400)
        .send(new ApiError(400, 'invalid_request', error.message, [...error.details]).toBody());
    }
    // Fastify's own client errors (body too large, malformed JSON, wrong content type) keep their status.
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code = (error as { code?: unknown }).code;
      const message = error instanceof Error ? error.message : 'bad request';
      return reply
        .code(status)
        .send({ error: { code: typeof code === 'string' ? code : 'bad_request', message } });
    }
    logger.error({ err: error, method: request.method, route: request.routeOptions.url }, 'request failed');
    const body: ErrorBody = {
      error: { code: 'internal_error', message: 'internal error; see the server log' },
    };
    return reply.code(500).send(body);
  });

  app.get('/healthz', { config: { access: 'public' } }, async () => ({ status: 'ok' }));
  registerIncidentRoutes(app, options.store);
  registerIncidentActionRoutes(app, {
    store: options.store,
    logger,
    ...(options.notifier ? { notifier: options.notifier } : {}),
  });
  if (options.availability) registerAvailabilityRoutes(app, options.availability);
  if (options.audit) registerAuditRoutes(app, { register: options.audit.register, logger });
  registerDashboardRoutes(app);
  return app;
}
