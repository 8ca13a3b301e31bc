import { BusUnavailableError, type Bus } from '@vigil/bus';
import type { Clock } from '@vigil/runtime';
import type { TopicNames } from '@vigil/schema';
import { withSpan, type Logger } from '@vigil/telemetry';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { authenticate, GITHUB_SIGNATURE_HEADER } from './authenticate';
import { DeliveryIdGuard } from './github-delivery-guard';
import { deadLetterUnparsable, ingestDelivery, type DeliveryContext } from './ingest-delivery';
import { parseJsonBody } from './json-body';
import { RateLimiter } from './rate-limiter';
import type { SourceDefinition } from './source-config';

export interface IngestServerOptions {
  bus: Bus;
  topics: TopicNames;
  sources: SourceDefinition[];
  logger: Logger;
  clock: Clock;
  /** Largest accepted body in bytes; larger requests get 413 before they are read. */
  bodyLimit?: number;
  /** Seconds a sender should wait when the bus is down. */
  retryAfterSeconds?: number;
}

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

function fail(reply: FastifyReply, status: number, code: string, message: string, details?: unknown): FastifyReply {
  const body: ErrorBody = { error: { code, message, ...(details === undefined ? {} : { details }) } };
  return reply.code(status).send(body);
}

/**
 * `POST /v1/events/:source` — authenticate, parse, normalise, persist to the bus, then answer.
 * 202 means every event in the body is durable on the events topic; nothing else is a 2xx.
 */
export function buildIngestServer(options: IngestServerOptions): FastifyInstance {
  const { bus, topics, logger, clock } = options;
  const retryAfter = String(options.retryAfterSeconds ?? 5);
  const sources = new Map(options.sources.map((s) => [s.name, s]));
  const limiter = new RateLimiter(clock);
  const deliveryIds = new DeliveryIdGuard();
  const app = Fastify({ bodyLimit: options.bodyLimit ?? 5 * 1024 * 1024, logger: false, return503OnClosing: true });

  // Keep the raw bytes: signatures are computed over them, and the body is only parsed once authenticated.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/cloudevents+json', 'text/plain'], { parseAs: 'buffer' }, (_req, body, done) => {
    done(null, body);
  });
  app.addContentTypeParser('*', (_req, _payload, done) => {
    done(Object.assign(new Error('send the body as application/json'), { statusCode: 415, code: 'unsupported_media_type' }));
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) return fail(reply, 413, 'body_too_large', `the body is larger than ${app.initialConfig.bodyLimit} bytes`);
    if (status === 415) return fail(reply, 415, 'unsupported_media_type', error.message);
    if (status < 500) return fail(reply, status, error.code ?? 'bad_request', error.message);
    logger.error({ err: error }, 'ingest request failed');
    return fail(reply, 500, 'internal', 'internal error');
  });
  app.setNotFoundHandler((request, reply) => fail(reply, 404, 'not_found', `no route ${request.method} ${request.url}`));

  app.get('/healthz', async () => ({ status: 'ok' }));

  // Okta event hooks verify an endpoint once: GET with X-Okta-Verification-Challenge, echoed back.
  app.get<{ Params: { source: string } }>('/v1/events/:source', async (request, reply) => {
    const source = sources.get(request.params.source);
    if (!source) return fail(reply, 404, 'unknown_source', `no source named "${request.params.source}" is configured`);
    const auth = authenticate(source, request.headers, Buffer.alloc(0), clock.now());
    if (!auth.ok) return fail(reply, 401, 'unauthenticated', `header ${auth.header}: ${auth.problem}`);
    const challenge = request.headers['x-okta-verification-challenge'];
    if (source.format !== 'okta-event-hook' || typeof challenge !== 'string') {
      return fail(reply, 400, 'not_a_verification', 'GET is only for Okta event hook verification (X-Okta-Verification-Challenge)');
    }
    return reply.send({ verification: challenge });
  });

  app.post<{ Params: { source: string }; Body: Buffer | undefined }>('/v1/events/:source', async (request, reply) => {
    const source = sources.get(request.params.source);
    if (!source) return fail(reply, 404, 'unknown_source', `no source named "${request.params.source}" is configured`);
    const raw = request.body ?? Buffer.alloc(0);
    const auth = authenticate(source, request.headers, raw, clock.now());
    if (!auth.ok) {
      logger.warn({ source: source.name, header: auth.header, problem: auth.problem, ip: request.ip }, 'ingest authentication failed');
      return fail(reply, 401, 'unauthenticated', `header ${auth.header}: ${auth.problem}`);
    }

    return withSpan('ingest.delivery', { 'vigil.source': source.name, 'http.request.body.size': raw.length }, async (span) => {
      const ctx: DeliveryContext = {
        bus,
        topics,
        receivedAt: new Date(clock.now()).toISOString(),
        admit: (count) => limiter.take(source.name, count, source.rateLimit),
        headers:
          source.auth.type === 'github-signature'
            ? deliveryIds.stabilize(source.name, GITHUB_SIGNATURE_HEADER, request.headers)
            : request.headers,
      };
      try {
        const text = raw.toString('utf8');
        const json = parseJsonBody(text);
        if (!json.ok) {
          await deadLetterUnparsable(ctx, source.name, text, `malformed JSON: ${json.message}`);
          const where = json.line === undefined ? {} : { position: json.position, line: json.line, column: json.column };
          return fail(reply, 400, 'malformed_json', `the body is not valid JSON: ${json.message}`, where);
        }
        const outcome = await ingestDelivery(ctx, source, json.value);
        if (outcome.kind === 'rate_limited') {
          reply.header('retry-after', String(outcome.retryAfterSeconds));
          return fail(reply, 429, 'rate_limited', `source ${source.name} is over its rate limit; nothing was accepted`);
        }
        if (outcome.kind === 'unreadable') {
          return fail(reply, 400, 'invalid_delivery', outcome.reason, outcome.errors);
        }
        span.setAttribute('vigil.events.accepted', outcome.accepted);
        span.setAttribute('vigil.events.rejected', outcome.rejected.length);
        if (outcome.rejected.length > 0) {
          const total = outcome.accepted + outcome.rejected.length;
          return reply.code(400).send({
            error: {
              code: 'invalid_events',
              message: `${outcome.rejected.length} of ${total} events were rejected and kept on the dead-letter topic; the other ${outcome.accepted} were accepted`,
              details: outcome.rejected,
            },
            accepted: outcome.accepted,
            rejected: outcome.rejected.length,
          });
        }
        return reply.code(202).send({ accepted: outcome.accepted, eventIds: outcome.eventIds });
      } catch (error) {
        if (error instanceof BusUnavailableError) {
          logger.warn({ source: source.name, err: error }, 'bus unavailable; answering 503');
          reply.header('retry-after', retryAfter);
          return fail(reply, 503, 'bus_unavailable', 'the event stream cannot take writes right now; nothing was accepted, retry later');
        }
        throw error;
      }
    });
  });

  return app;
}
