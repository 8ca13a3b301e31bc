import type { FastifyContextConfig, FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ResponseDoc, RouteDoc } from './route-doc';

/** One route as Fastify registered it. */
export interface CollectedRoute {
  method: string;
  url: string;
  config: FastifyContextConfig;
}

export interface OpenApiOptions {
  title: string;
  version: string;
  description?: string;
  /** The document's `components.securitySchemes`. */
  securitySchemes?: Record<string, Record<string, unknown>>;
  /**
   * The security of a route whose doc does not name its own, e.g. from the API's `access` config: scheme
   * names (none: unauthenticated) and a sentence added to the description (who may call it).
   */
  securityOf?: (config: FastifyContextConfig) => { schemes: readonly string[]; note?: string };
}

/** The error body every Vigil server answers with (`{ error: { code, message, details? } }`). */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string().describe('machine-readable, e.g. invalid_request, unauthorized, incident_not_found'),
    message: z.string(),
    details: z.unknown().optional().describe('per-field problems of a 400, when there are any'),
  }),
});

type Json = Record<string, unknown>;

/**
 * Records every route the server registers from now on. Call it before the routes are registered: the
 * document then lists every route there is, documented or not (an undocumented one is marked, and the tests
 * refuse it).
 */
export function collectRoutes(app: FastifyInstance): CollectedRoute[] {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      // Fastify adds a HEAD route beside every GET; the GET documents both.
      if (method === 'HEAD') continue;
      routes.push({ method, url: route.url, config: (route.config ?? {}) as FastifyContextConfig });
    }
  });
  return routes;
}

/** `/v1/incidents/:id/ack` → `/v1/incidents/{id}/ack`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (object.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function content(doc: ResponseDoc): Json {
  const type = doc.contentType ?? 'application/json';
  return { [type]: doc.schema ? { schema: jsonSchema(doc.schema, 'output') } : {} };
}

const ERROR_REF = { $ref: '#/components/responses/Error' };

function operation(route: CollectedRoute, doc: RouteDoc | undefined, options: OpenApiOptions): Json {
  const fallback = options.securityOf?.(route.config) ?? { schemes: [] };
  const schemes = doc?.security ?? fallback.schemes;
  if (!doc) {
    return {
      summary: `${route.method} ${route.url} (not documented)`,
      'x-vigil-undocumented': true,
      responses: { default: ERROR_REF },
    };
  }
  const params = [
    ...parameters(doc.params, 'path'),
    ...parameters(doc.query, 'query'),
    ...Object.entries(doc.headers ?? {}).map(([name, header]) => ({
      name,
      in: 'header',
      required: header.required ?? false,
      description: header.description,
      schema: { type: 'string' },
    })),
  ];
  const responses: Json = {};
  for (const [status, response] of Object.entries(doc.responses)) {
    responses[status] = { description: response.description, ...(status === '204' ? {} : { content: content(response) }) };
  }
  const errors: number[] = [];
  if (doc.params || doc.query || doc.body) errors.push(400);
  if (schemes.length > 0) errors.push(401, 403);
  if (doc.params) errors.push(404);
  if (doc.body) errors.push(413);
  errors.push(503);
  for (const status of errors) responses[status] ??= ERROR_REF;
  const description = [doc.description, doc.security ? undefined : fallback.note].filter(Boolean).join('\n\n');
  let requestBody: Json | undefined;
  if (doc.body instanceof z.ZodType) {
    requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(doc.body, 'input') } } };
  } else if (doc.body) {
    requestBody = {
      required: true,
      description: doc.body.description,
      content: { [doc.body.contentType]: doc.body.schema ? { schema: jsonSchema(doc.body.schema, 'input') } : {} },
    };
  }
  return {
    operationId: `${route.method.toLowerCase()}${route.url.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: doc.summary,
    ...(description ? { description } : {}),
    tags: [...doc.tags],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(requestBody ? { requestBody } : {}),
    security: schemes.map((name) => ({ [name]: [] })),
    responses,
  };
}

/** The OpenAPI 3.1 document of these routes. */
export function buildOpenApiDocument(routes: readonly CollectedRoute[], options: OpenApiOptions): Json {
  const paths: Record<string, Json> = {};
  const tags = new Set<string>();
  for (const route of routes) {
    const doc = route.config.openapi;
    for (const tag of doc?.tags ?? []) tags.add(tag);
    const path = (paths[openApiPath(route.url)] ??= {});
    path[route.method.toLowerCase()] = operation(route, doc, options);
  }
  return {
    openapi: '3.1.1',
    info: { title: options.title, version: options.version, ...(options.description ? { description: options.description } : {}) },
    tags: [...tags].sort().map((name) => ({ name })),
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorBodySchema, 'output') },
      responses: {
        Error: {
          description:
            'An error: 400 names each problem of the request; 401 / 403 a missing, invalid or under-privileged token; 404 an unknown id; 413 a body over the limit; 503 a dependency (database, Kafka) down, with Retry-After.',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
      ...(options.securitySchemes ? { securitySchemes: options.securitySchemes } : {}),
    },
  };
}

/**
 * Serves the document at `GET /openapi.json` (public: it says what the API is, not what is in it). Call it
 * after `collectRoutes`; the document is built at the first request, when every route is registered.
 */
export function registerOpenApiRoute(
  app: FastifyInstance,
  routes: readonly CollectedRoute[],
  options: OpenApiOptions,
  /** More route config, e.g. the API's `access: 'public'`. */
  config: FastifyContextConfig = {},
): void {
  let document: Json | undefined;
  app.get(
    '/openapi.json',
    {
      config: {
        ...config,
        openapi: {
          summary: 'This OpenAPI 3.1 document',
          tags: ['meta'],
          security: [],
          responses: { 200: { description: 'The document of every route this server answers' } },
        },
      },
    },
    async () => (document ??= buildOpenApiDocument(routes, options)),
  );
}
