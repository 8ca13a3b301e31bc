import Fastify from 'fastify';
import { z } from 'zod';
import { describe, expect, test } from 'vitest';
import { buildOpenApiDocument, collectRoutes, openApiPath, registerOpenApiRoute } from './openapi-document';

type Doc = { paths: Record<string, Record<string, Record<string, unknown>>> };

describe('the OpenAPI document', () => {
  test('lists every route registered after collectRoutes, plugins included, and marks the undocumented', async () => {
    const app = Fastify();
    const routes = collectRoutes(app);
    app.get('/v1/things/:id', { config: { openapi: { summary: 'one thing', tags: ['t'], params: z.object({ id: z.uuid() }), responses: { 200: { description: 'it' } } } } }, async () => ({}));
    await app.register(async (child) => {
      child.post('/v1/child', async () => ({}));
    });
    registerOpenApiRoute(app, routes, { title: 't', version: '1' });
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json<Doc>();
    expect(Object.keys(doc.paths).sort()).toEqual(['/openapi.json', '/v1/child', '/v1/things/{id}']);
    expect(doc.paths['/v1/things/{id}']!.get!.summary).toBe('one thing');
    expect(doc.paths['/v1/things/{id}']!.head).toBeUndefined();
    expect(doc.paths['/v1/child']!.post!['x-vigil-undocumented']).toBe(true);
    expect(doc.paths['/openapi.json']!.get!['x-vigil-undocumented']).toBeUndefined();
  });

  test('parameters and bodies come from the zod schemas the handlers parse with (input side)', () => {
    const query = z.strictObject({ limit: z.coerce.number().int().min(1).max(50).optional(), from: z.string().describe('start') });
    const body = z.strictObject({ reason: z.string().min(1) });
    const doc = buildOpenApiDocument(
      [
        {
          method: 'POST',
          url: '/v1/x/:id/act',
          config: { openapi: { summary: 's', tags: ['x'], params: z.object({ id: z.string() }), query, body, responses: { 200: { description: 'ok' } } } },
        },
      ],
      { title: 't', version: '1', securityOf: () => ({ schemes: ['bearer'], note: 'Roles: admin.' }) },
    ) as unknown as Doc;
    const op = doc.paths['/v1/x/{id}/act']!.post! as {
      parameters: Array<{ name: string; in: string; required: boolean; description?: string; schema: Record<string, unknown> }>;
      requestBody: { content: Record<string, { schema: Record<string, unknown> }> };
      responses: Record<string, unknown>;
      security: unknown[];
      description: string;
    };
    expect(op.parameters.map((p) => [p.in, p.name, p.required])).toEqual([
      ['path', 'id', true],
      ['query', 'limit', false],
      ['query', 'from', true],
    ]);
    expect(op.parameters[1]!.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 50 });
    expect(op.parameters[2]!.description).toBe('start');
    expect(op.requestBody.content['application/json']!.schema).toMatchObject({ required: ['reason'], additionalProperties: false });
    expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '401', '403', '404', '413', '503']);
    expect(op.security).toEqual([{ bearer: [] }]);
    expect(op.description).toBe('Roles: admin.');
  });

  test('paths use OpenAPI templates', () => {
    expect(openApiPath('/v1/incidents/:id/ack')).toBe('/v1/incidents/{id}/ack');
    expect(openApiPath('/v1/availability/:service')).toBe('/v1/availability/{service}');
  });
});
