import { BusUnavailableError, type Bus } from '@vigil/bus';
import { registerHealthRoutes, type ReadinessCheck, type VigilMetrics } from '@vigil/health';
import { collectRoutes, registerOpenApiRoute } from '@vigil/openapi';
import type { Clock } from '@vigil/runtime';
import type { TopicNames } from '@vigil/schema';
import { nameServerSpan, withSpan, type Logger } from '@vigil/telemetry';
import type { Readable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { authenticate, GITHUB_SIGNATURE_HEADER } from './authenticate';
import { DeliveryIdGuard } from './github-delivery-guard';
import { deadLetterUnparsable, ingestDelivery, type DeliveryContext } from './ingest-delivery';
import type { CountryLookup } from './ip-country-table';
import { INGEST_DOCUMENT, INGEST_ROUTE_DOCS } from './ingest-route-docs';
import { readBody } from './body-reader';
import { bodyShape } from './input-limits';
import { NORMALIZERS } from './normalizers';
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
  /** `/metrics` and events in / out / dead-lettered per source; without it, no `/metrics`. */
  metrics?: VigilMetrics;
  /** What `/readyz` checks (Kafka, and PostgreSQL when the Okta poller runs); none: always ready. */
  readiness?: readonly ReadinessCheck[];
  /** The country of an actor's address (GEOIP_COUNTRY_FILE), added to events whose source names none. */
  countryOf?: CountryLookup;
}

/** Marks a body that came with a content type other than JSON. */
const NOT_JSON = Symbol('not-json');

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

function fail(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  details?: unknown,
): FastifyReply {
  const body: ErrorBody = { error: { code, message, ...(details === undefined ? {} : { details }) } };
  return reply.code(status).send(body);
}

type BodyDecoding =
  | { ok: true; value: unknown; text: string }
  | {
      ok: false;
      status: 400 | 413 | 415;
      code: string;
      message: string;
      details?: unknown;
      deadLetterText: string;
      deadLetterReason: string;
    };

/** The body as the source's format reads it: JSON, or the format's own `decode` (gzip NDJSON, ...). */
function decodeBody(source: SourceDefinition, raw: Buffer): BodyDecoding {
  const normalizer = NORMALIZERS[source.format];
  if (normalizer.decode) {
    const decoded = normalizer.decode(raw);
    if (decoded.ok) return decoded;
    // What could not be read is kept as it came: base64, since it may be binary (a broken gzip file).
    return {
      ...decoded,
      deadLetterText: `base64:${raw.subarray(0, 64 * 1024).toString('base64')}`,
      deadLetterReason: decoded.message,
    };
  }
  if ((raw as Buffer & { [NOT_JSON]?: boolean })[NOT_JSON]) {
    return {
      ok: false,
      status: 415,
      code: 'unsupported_media_type',
      message: 'send the body as application/json',
      deadLetterText: '',
      deadLetterReason: '',
    };
  }
  const text = raw.toString('utf8');
  const json = parseJsonBody(text);
  if (json.ok) return { ok: true, value: json.value, text };
  const where =
    json.line === undefined ? {} : { position: json.position, line: json.line, column: json.column };
  return {
    ok: false,
    status: 400,
    code: 'malformed_json',
    message: `the body is not valid JSON: ${json.message}`,
    details: where,
    deadLetterText: text,
    deadLetterReason: `malformed JSON: ${json.message}`,
  };
}

/**
 * `POST /v1/events/:source` — authenticate, parse, normalise, persist to the bus, then answer.
 * 202 means every event in the body is durable on the events topic; nothing else is a 2xx.
 */
export function buildIngestServer(options: IngestServerOptions): FastifyInstance {
  const { bus, topics, logger, clock, metrics } = options;
  const retryAfter = String(options.retryAfterSeconds ?? 5);
  const sources = new Map(options.sources.map((s) => [s.name, s]));
  const limiter = new RateLimiter(clock);
  const deliveryIds = new DeliveryIdGuard();
  const bodyLimit = options.bodyLimit ?? 5 * 1024 * 1024;
  const app = Fastify({ bodyLimit, logger: false, return503OnClosing: true });

  // Keep the raw bytes: signatures are computed over them, and the body is only parsed once authenticated.
  // Read by `readBody` rather than Fastify's own reader, which closes on an over-limit body mid-upload.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/json', 'application/cloudevents+json', 'text/plain'],
    (request: FastifyRequest, payload: Readable) =>
      readBody(payload, bodyLimit, Number(request.headers['content-length'])),
  );
  // Other content types are read too (Cloudflare Logpush sends gzip files whatever its content type says);
  // only formats with their own `decode` accept them, the rest answer 415.
  app.addContentTypeParser('*', (request: FastifyRequest, payload: Readable) =>
    readBody(payload, bodyLimit, Number(request.headers['content-length'])).then((body) =>
      Object.assign(body, { [NOT_JSON]: true }),
    ),
  );

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413)
      return fail(reply, 413, 'body_too_large', `the body is larger than ${bodyLimit} bytes`);
    if (status === 415) return fail(reply, 415, 'unsupported_media_type', error.message);
    if (status < 500) return fail(reply, status, error.code ?? 'bad_request', error.message);
    logger.error({ err: error }, 'ingest request failed');
    return fail(reply, 500, 'internal', 'internal error');
  });
  app.setNotFoundHandler((request, reply) =>
    fail(reply, 404, 'not_found', `no route ${request.method} ${request.url}`),
  );

  const routes = collectRoutes(app);
  app.addHook('onRequest', async (request) => nameServerSpan(request.method, request.routeOptions.url));
  registerHealthRoutes(app, { ...(metrics ? { metrics } : {}), checks: options.readiness ?? [] });
  registerOpenApiRoute(app, routes, INGEST_DOCUMENT);

  // Okta event hooks verify an endpoint once: GET with X-Okta-Verification-Challenge, echoed back.
  app.get<{ Params: { source: string } }>(
    '/v1/events/:source',
    { config: { openapi: INGEST_ROUTE_DOCS.verify } },
    async (request, reply) => {
      const source = sources.get(request.params.source);
      if (!source)
        return fail(reply, 404, 'unknown_source', `no source named "${request.params.source}" is configured`);
      const auth = authenticate(source, request.headers, Buffer.alloc(0), clock.now());
      if (!auth.ok) return fail(reply, 401, 'unauthenticated', `header ${auth.header}: ${auth.problem}`);
      const challenge = request.headers['x-okta-verification-challenge'];
      if (source.format !== 'okta-event-hook' || typeof challenge !== 'string') {
        return fail(
          reply,
          400,
          'not_a_verification',
          'GET is only for Okta event hook verification (X-Okta-Verification-Challenge)',
        );
      }
      return reply.send({ verification: challenge });
    },
  );

  app.post<{ Params: { source: string }; Body: Buffer | undefined }>(
    '/v1/events/:source',
    { config: { openapi: INGEST_ROUTE_DOCS.deliver } },
    async (request, reply) => {
      const source = sources.get(request.params.source);
      if (!source)
        return fail(reply, 404, 'unknown_source', `no source named "${request.params.source}" is configured`);
      const raw = request.body ?? Buffer.alloc(0);
      const auth = authenticate(source, request.headers, raw, clock.now());
      if (!auth.ok) {
        logger.warn(
          { source: source.name, header: auth.header, problem: auth.problem, ip: request.ip },
          'ingest authentication failed',
        );
        return fail(reply, 401, 'unauthenticated', `header ${auth.header}: ${auth.problem}`);
      }

      const done = metrics?.startBatch('ingest');
      return withSpan(
        'ingest.delivery',
        { 'vigil.source': source.name, 'http.request.body.size': raw.length },
        async (span) => {
          const ctx: DeliveryContext = {
            bus,
            topics,
            receivedAt: new Date(clock.now()).toISOString(),
            admit: (count) => limiter.take(source.name, count, source.rateLimit),
            ...(options.countryOf ? { countryOf: options.countryOf } : {}),
            headers:
              source.auth.type === 'github-signature'
                ? deliveryIds.stabilize(source.name, GITHUB_SIGNATURE_HEADER, request.headers)
                : request.headers,
          };
          try {
            const decoded = decodeBody(source, raw);
            if (!decoded.ok) {
              // Like any other 413 or 415, an over-limit or wrongly typed body is refused, not kept.
              if (decoded.status !== 400)
                return fail(reply, decoded.status, decoded.code, decoded.message, decoded.details);
              await deadLetterUnparsable(ctx, source.name, decoded.deadLetterText, decoded.deadLetterReason);
              metrics?.eventsIn('ingest', source.name);
              metrics?.deadLettered('ingest', source.name);
              metrics?.ingestDeadLettered(source.name, decoded.code);
              return fail(reply, decoded.status, decoded.code, decoded.message, decoded.details);
            }
            const outcome = await ingestDelivery(ctx, source, decoded.value, bodyShape(decoded.text));
            if (outcome.kind === 'rate_limited') {
              reply.header('retry-after', String(outcome.retryAfterSeconds));
              return fail(
                reply,
                429,
                'rate_limited',
                `source ${source.name} is over its rate limit; nothing was accepted`,
              );
            }
            if (outcome.kind === 'unreadable') {
              metrics?.eventsIn('ingest', source.name);
              metrics?.deadLettered('ingest', source.name);
              metrics?.ingestDeadLettered(source.name, outcome.code);
              return fail(reply, 400, 'invalid_delivery', outcome.reason, outcome.errors);
            }
            metrics?.eventsIn('ingest', source.name, outcome.accepted + outcome.rejected.length);
            metrics?.eventsOut('ingest', source.name, outcome.accepted);
            metrics?.deadLettered('ingest', source.name, outcome.rejected.length);
            for (const item of outcome.rejected) metrics?.ingestDeadLettered(source.name, item.code);
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
              metrics?.dependencyError('kafka', 'ingest.publish');
              logger.warn({ source: source.name, err: error }, 'bus unavailable; answering 503');
              reply.header('retry-after', retryAfter);
              return fail(
                reply,
                503,
                'bus_unavailable',
                'the event stream cannot take writes right now; nothing was accepted, retry later',
              );
            }
            throw error;
          } finally {
            done?.();
          }
        },
      );
    },
  );

  return app;
}
