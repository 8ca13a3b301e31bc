import { ManualClock } from '@vigil/runtime';
import { topicNames } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildIngestServer } from './ingest-server';
import type { SourceDefinition } from './source-config';
import { RecordingBus } from './testing/recording-bus';
import { genericEvent, oktaHookDelivery, oktaLogEvent } from './testing/samples';

const topics = topicNames('test.');
const oktaSecret = 'okta-static-secret-value';
const genericToken = 'generic-bearer-token-value';
const sources: SourceDefinition[] = [
  { name: 'okta', format: 'okta-event-hook', secret: oktaSecret, auth: { type: 'header', header: 'authorization', secretEnv: 'X' }, rateLimit: { eventsPerSecond: 1000, burst: 1000 } },
  { name: 'scripts', format: 'generic', secret: genericToken, auth: { type: 'bearer', secretEnv: 'X' }, rateLimit: { eventsPerSecond: 1, burst: 3 } },
];
const bearer = { authorization: `Bearer ${genericToken}`, 'content-type': 'application/json' };

describe('ingest server', () => {
  let bus: RecordingBus;
  let app: FastifyInstance;

  beforeEach(() => {
    bus = new RecordingBus();
    app = buildIngestServer({ bus, topics, sources, logger: silentLogger, clock: new ManualClock(), bodyLimit: 64 * 1024 });
  });
  afterEach(() => app.close());

  it('202: the events are on the events topic, keyed by entity', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/events/okta', headers: { authorization: oktaSecret }, payload: oktaHookDelivery([oktaLogEvent()]) });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 1, eventIds: ['okta:b9a0b2c1-2f4e-11ef-9a3c-8b2f5c1d0a01'] });
    const written = bus.written.get(topics.events) ?? [];
    expect(written.map((m) => m.key)).toEqual(['user:alice@example.com']);
    expect(bus.values(topics.events)[0]).toMatchObject({ source: 'okta', kind: 'authentication', outcome: 'failure' });
  });

  it('400 for the invalid part of a batch: the valid rest is accepted, the invalid ones dead-lettered with reasons', async () => {
    const batch = [genericEvent({ id: 'a' }), genericEvent({ id: 'b', time: 'not-a-time' })];
    const res = await app.inject({ method: 'POST', url: '/v1/events/scripts', headers: bearer, payload: batch });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: { code: 'invalid_events', details: [{ index: 1, errors: [{ path: 'time' }] }] },
      accepted: 1,
      rejected: 1,
    });
    expect(bus.values(topics.events)).toHaveLength(1);
    expect(bus.values(topics.eventsDlq)).toEqual([
      expect.objectContaining({ stage: 'ingest:scripts', reason: expect.stringContaining('item 1'), raw: batch[1], errors: [expect.objectContaining({ path: 'time' })] }),
    ]);
  });

  it('400 with line and column for malformed JSON, and the text kept on the dead-letter topic', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/events/scripts', headers: bearer, payload: '{"id": "x",\n "kind": }' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'malformed_json', details: { line: 2, column: expect.any(Number) } } });
    expect(bus.values(topics.eventsDlq)).toEqual([expect.objectContaining({ raw: '{"id": "x",\n "kind": }' })]);
  });

  it('401 names the header, never the expected value; nothing is written', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/events/okta', headers: { authorization: 'guess' }, payload: oktaHookDelivery([]) });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 'unauthenticated', message: 'header authorization: does not match the configured credential' } });
    expect(res.body).not.toContain(oktaSecret);
    expect(bus.written.size).toBe(0);
  });

  it('404 for an unknown source, 413 for an oversized body, 415 for a non-JSON content type', async () => {
    expect((await app.inject({ method: 'POST', url: '/v1/events/nope', headers: bearer, payload: {} })).statusCode).toBe(404);
    const big = await app.inject({ method: 'POST', url: '/v1/events/scripts', headers: bearer, payload: JSON.stringify({ pad: 'x'.repeat(70_000) }) });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('body_too_large');
    const xml = await app.inject({ method: 'POST', url: '/v1/events/scripts', headers: { ...bearer, 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(xml.statusCode).toBe(415);
  });

  it('503 with Retry-After when the bus cannot take the write', async () => {
    bus.down = true;
    const res = await app.inject({ method: 'POST', url: '/v1/events/scripts', headers: bearer, payload: genericEvent() });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json().error.code).toBe('bus_unavailable');
  });

  it('429 with Retry-After once a source is over its rate limit; nothing of that request is written', async () => {
    const batch = [genericEvent({ id: '1' }), genericEvent({ id: '2' }), genericEvent({ id: '3' })];
    expect((await app.inject({ method: 'POST', url: '/v1/events/scripts', headers: bearer, payload: batch })).statusCode).toBe(202);
    const res = await app.inject({ method: 'POST', url: '/v1/events/scripts', headers: bearer, payload: genericEvent({ id: '4' }) });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
    expect(bus.values(topics.events)).toHaveLength(3);
  });

  it('answers the Okta verification challenge only for an authenticated Okta hook', async () => {
    const ok = await app.inject({ method: 'GET', url: '/v1/events/okta', headers: { authorization: oktaSecret, 'x-okta-verification-challenge': 'abc123' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ verification: 'abc123' });
    const anon = await app.inject({ method: 'GET', url: '/v1/events/okta', headers: { 'x-okta-verification-challenge': 'abc123' } });
    expect(anon.statusCode).toBe(401);
  });
});
