import type { z } from 'zod';

/** A response a route documents: its description, and its body when the body has a fixed shape. */
export interface ResponseDoc {
  description: string;
  /** The body's shape (its output side); omit for bodies with no fixed shape. */
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
}

/**
 * What a route says about itself for the OpenAPI document, next to its handler in the route's `config`:
 * `app.get('/v1/x', { config: { access, openapi: { summary, tags, query, responses } } }, handler)`.
 * The same zod schemas the handler parses with describe its inputs, so the document cannot drift from them.
 */
export interface RouteDoc {
  summary: string;
  description?: string;
  tags: readonly string[];
  /** Path parameters (`:id` in the URL). */
  params?: z.ZodType;
  query?: z.ZodType;
  /** A JSON body parsed with this schema, or a body described in words (webhooks, signed raw bodies). */
  body?: z.ZodType | { contentType: string; description: string; schema?: z.ZodType };
  /** Named request headers the route reads beyond authentication. */
  headers?: Readonly<Record<string, { description: string; required?: boolean }>>;
  /** The success responses; the shared error responses are added by the document builder. */
  responses: Readonly<Record<number, ResponseDoc>>;
  /** Security requirement names (keys of the document's securitySchemes); [] for an unauthenticated route. */
  security?: readonly string[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    openapi?: RouteDoc;
  }
}
