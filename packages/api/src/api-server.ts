import Fastify, { type FastifyInstance } from 'fastify';
import type { ChainVerifier, IncidentCommands, IncidentQueries } from '@vigil/incidents';
import { errorMessage, knownFailureClass, sqlState, ValidationError } from '@vigil/runtime';
import { nameServerSpan, type Logger } from '@vigil/telemetry';
import type { ReadinessCheck, VigilMetrics } from '@vigil/health';
import { registerHealthRoutes } from '@vigil/health';
import { collectRoutes, registerOpenApiRoute } from '@vigil/openapi';
import { ApiError, DATABASE_RETRY_AFTER_SECONDS, fromStoreError, isDatabaseUnavailable, type ErrorBody } from './api-errors';
import { createTokenVerifier, type ApiTokenConfig } from './api-tokens';
import { registerAuditRoutes, type AuditApiOptions } from './audit/audit-routes';
import { withDatabaseTokens } from './audit/database-tokens';
import { registerProofRoutes, type RegisterProofOptions } from './audit/register-proof-routes';
import { registerAvailabilityRoutes, type AvailabilityRouteDeps } from './availability/availability-routes';
import { registerDashboardRoutes } from './dashboard/dashboard-routes';
import { registerIncidentActionRoutes, type NotificationEnqueuer } from './incident-action-routes';
import { registerIncidentRoutes } from './incident-routes';
import { accessHook, principalOf, type RouteAccess } from './route-access';
import { registerTokenHolderRoute } from './token-holder-route';
import { registerVendorRoutes, type VendorRouteDeps } from './vendors/vendor-routes';

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
  /** Signed checkpoints, proofs and the public key (/v1/register); without it, not served. */
  proofs?: RegisterProofOptions;
  /** Vendors and their CUECs: vendor notifications and the CUEC report; without it, neither is served. */
  vendors?: VendorRouteDeps;
  /** `/metrics` from these metrics and `/readyz` over these checks; without it, only `/livez` and `/healthz`. */
  health?: { metrics: VigilMetrics; checks: readonly ReadinessCheck[] };
}

/** The HTTP API, ready to `listen` (the service does that) or to `inject` (tests do that). */
export function buildApiServer(options: ApiServerOptions): FastifyInstance {
  const logger = options.logger.child({ component: 'api' });
  const verify = withDatabaseTokens(createTokenVerifier(options.tokens), options.audit?.databaseTokens);
  if (options.tokens.length === 0 && !options.audit?.databaseTokens)
    logger.warn({}, 'no API tokens configured: every authenticated route answers 401');

  // Fastify's own logger would print request headers and URLs as they come; requests are logged below instead.
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 1024 * 1024 });

  app.addHook('onRequest', async (request) => nameServerSpan(request.method, request.routeOptions.url));
  app.addHook('onRequest', accessHook(verify, logger));
  const routes = collectRoutes(app);

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
    // PostgreSQL refusing a value of the request (a NUL, a lone surrogate, a number out of range) is the
    // caller's to fix, not an internal error.
    if (knownFailureClass(error) === 'poison' && sqlState(error) !== undefined) {
      return reply.code(400).send(new ApiError(400, 'invalid_request', `a value in the request cannot be stored: ${errorMessage(error)}`).toBody());
    }
    if (isDatabaseUnavailable(error)) {
      options.health?.metrics.dependencyError('postgres', 'api.request');
      logger.warn({ err: error, method: request.method, route: request.routeOptions.url }, 'database unavailable; answering 503');
      const body: ErrorBody = {
        error: { code: 'database_unavailable', message: 'the incident register is unavailable right now; retry later' },
      };
      return reply.code(503).header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS)).send(body);
    }
    logger.error({ err: error, method: request.method, route: request.routeOptions.url }, 'request failed');
    const body: ErrorBody = {
      error: { code: 'internal_error', message: 'internal error; see the server log' },
    };
    return reply.code(500).send(body);
  });

  registerHealthRoutes(app, {
    ...(options.health?.metrics ? { metrics: options.health.metrics } : {}),
    checks: options.health?.checks ?? [],
    routeConfig: { access: 'public' },
  });
  registerIncidentRoutes(app, options.store);
  registerTokenHolderRoute(app);
  registerIncidentActionRoutes(app, {
    store: options.store,
    logger,
    ...(options.notifier ? { notifier: options.notifier } : {}),
  });
  if (options.availability) registerAvailabilityRoutes(app, options.availability);
  if (options.audit) registerAuditRoutes(app, { register: options.audit.register, logger });
  if (options.vendors) registerVendorRoutes(app, options.vendors);
  if (options.proofs) registerProofRoutes(app, { ...options.proofs, incidents: options.store });
  registerDashboardRoutes(app);
  registerOpenApiRoute(app, routes, API_DOCUMENT, { access: 'public' });
  return app;
}

/** Who may call a route, in the document's words. */
function accessNote(access: RouteAccess | undefined): { schemes: readonly string[]; note?: string } {
  if (access === 'public') return { schemes: [] };
  const roles = access?.roles ?? ['admin'];
  return { schemes: ['bearer'], note: `Roles: ${roles.join(', ')}.` };
}

const API_DOCUMENT = {
  title: 'Vigil API',
  version: '1',
  description:
    'Incidents, responses, availability and the auditor views of the Vigil register. Every route but the public ones takes `Authorization: Bearer <token>`; a token has one role (viewer, responder, admin, auditor), and each operation names the roles it accepts. docs/api.md explains each route with examples.',
  securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token (API_TOKENS, or issued with `vigil tokens`).' } },
  securityOf: (config: { access?: RouteAccess }) => accessNote(config.access),
};
