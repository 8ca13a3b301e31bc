import { connect, type AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { ManualClock } from '@vigil/runtime';
import { DEAD_LETTER_LIMITS, DeadLetter, topicNames } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { githubSignature } from './authenticate';
import { buildIngestServer } from './ingest-server';
import type { SourceDefinition } from './source-config';
import { auditEvent, orgMemberAdded } from './testing/github-samples';
import { activitiesPage, loginFailure } from './testing/google-workspace-samples';
import { RecordingBus } from './testing/recording-bus';
import { genericEvent, oktaHookDelivery, oktaLogEvent } from './testing/samples';

/** Issue 9, observed items 3 and 9: input that answered 500 (or a broken pipe) and lost valid events. */

const topics = topicNames('edge.');
const limits = { eventsPerSecond: 100_000, burst: 100_000 };
const sources: SourceDefinition[] = [
  { name: 'okta', format: 'okta-event-hook', secret: 'okta-secret', auth: { type: 'header', header: 'authorization', secretEnv: 'X' }, rateLimit: limits },
  { name: 'scripts', format: 'generic', secret: 'generic-token', auth: { type: 'bearer', secretEnv: 'X' }, rateLimit: limits },
  { name: 'gh', format: 'github', secret: 'gh-secret', auth: { type: 'github-signature', secretEnv: 'X' }, rateLimit: limits },
  { name: 'google', format: 'google-workspace', secret: 'google-token', auth: { type: 'bearer', secretEnv: 'X' }, rateLimit: limits },
];
const bearer = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

describe('ingest refuses unusable items one by one, never with a 500', () => {
  let bus: RecordingBus;
  let app: FastifyInstance;

  beforeEach(() => {
    bus = new RecordingBus();
    app = buildIngestServer({ bus, topics, sources, logger: silentLogger, clock: new ManualClock(), bodyLimit: 1024 * 1024 });
  });
  afterEach(() => app.close());

  const deadLetters = () => bus.values(topics.eventsDlq).map((v) => DeadLetter.parse(v));

  async function post(source: string, headers: Record<string, string>, payload: string) {
    const res = await app.inject({ method: 'POST', url: `/v1/events/${source}`, headers, payload });
    return { status: res.statusCode, body: res.json<{ accepted?: number; rejected?: number; error: { code: string; details: unknown } }>() };
  }

  it('an Okta delivery with one id over 300 characters: 400 for that event, the other accepted', async () => {
    const delivery = oktaHookDelivery([oktaLogEvent({ uuid: 'x'.repeat(400) }), oktaLogEvent({ uuid: 'good-one' })]);
    const res = await post('okta', { authorization: 'okta-secret', 'content-type': 'application/json' }, JSON.stringify(delivery));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ accepted: 1, rejected: 1, error: { code: 'invalid_events', details: [{ index: 0, errors: [{ path: '(normalised) id' }] }] } });
    expect(bus.values(topics.events)).toEqual([expect.objectContaining({ id: 'okta:good-one' })]);
    expect(deadLetters()).toEqual([expect.objectContaining({ stage: 'ingest:okta', reason: expect.stringContaining('item 0') })]);
  });

  it('a lone surrogate or a NUL anywhere in an item: 400 naming the field, the valid item accepted', async () => {
    // Written by hand: JSON.stringify would escape the same way, this keeps the exact bytes visible.
    const body = `[${JSON.stringify(genericEvent({ id: 'ok-1' }))},{"id":"bad\\ud800","kind":"authentication","action":"login","time":"2026-11-22T10:00:00Z","entity":{"type":"user","id":"a\\u0000b"}}]`;
    const res = await post('scripts', bearer('generic-token'), body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      accepted: 1,
      rejected: 1,
      error: { details: [{ index: 1, errors: [{ path: 'id', message: expect.stringContaining('lone UTF-16 surrogate') }, { path: 'entity.id', message: expect.stringContaining('NUL') }] }] },
    });
    expect(bus.values(topics.events)).toHaveLength(1);
    expect(deadLetters()).toHaveLength(1);
  });

  it('JSON nested 10,000 deep inside an item: 400 with a dead letter holding a prefix and the digest', async () => {
    const deep = `${'['.repeat(10_000)}1${']'.repeat(10_000)}`;
    const body = `[${JSON.stringify(genericEvent({ id: 'ok-2' }))},{"id":"deep","nested":${deep}}]`;
    const res = await post('scripts', bearer('generic-token'), body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ accepted: 1, rejected: 1, error: { details: [{ index: 1, errors: [{ message: 'nested deeper than 32 levels' }] }] } });
    const [letter] = deadLetters();
    const whole = `{"id":"deep","nested":${deep}}`;
    expect(letter?.rawCapped).toEqual({ bytes: whole.length, sha256: createHash('sha256').update(whole).digest('hex'), reason: expect.stringContaining('nested deeper') });
    expect(letter?.raw).toBe(whole);
  });

  it('a whole body nested 10,000 deep that no format can read: 400 and a bounded dead letter', async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const res = await post('okta', { authorization: 'okta-secret', 'content-type': 'application/json' }, deep);
    expect(res.status).toBe(400);
    expect(deadLetters()[0]?.rawCapped?.bytes).toBe(deep.length);
  });

  it('GitHub: a 5,000-character X-GitHub-Event and an @timestamp in year 275760 are refused items, not 500s', async () => {
    const hook = JSON.stringify(orgMemberAdded());
    const longEvent = await post('gh', { 'content-type': 'application/json', 'x-hub-signature-256': githubSignature('gh-secret', hook), 'x-github-event': 'o'.repeat(5000), 'x-github-delivery': 'd-1' }, hook);
    expect(longEvent.status).toBe(400);
    expect(longEvent.body.error.code).toBe('invalid_events');

    const audit = JSON.stringify([auditEvent({ _document_id: 'far', '@timestamp': '+275760-09-13T00:00:00.000Z' }), auditEvent({ _document_id: 'fine' })]);
    const absurd = await post('gh', { 'content-type': 'application/json', 'x-hub-signature-256': githubSignature('gh-secret', audit) }, audit);
    expect(absurd.status).toBe(400);
    expect(absurd.body).toMatchObject({ accepted: 1, rejected: 1 });
    expect(JSON.stringify(absurd.body.error.details)).toMatch(/outside the accepted range \[2000-01-01T00:00:00.000Z, 2100-01-01T00:00:00.000Z\)/);
    expect(deadLetters()).toHaveLength(2);
  });

  it('Google Workspace: an id over 300 characters is one refused item', async () => {
    const page = activitiesPage([loginFailure({ id: { time: '2026-11-22T10:00:00.000Z', uniqueQualifier: 'q'.repeat(400), applicationName: 'login', customerId: 'C0' } }), loginFailure()]);
    const res = await post('google', bearer('google-token'), JSON.stringify(page));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ accepted: 1, rejected: 1 });
  });

  it('the dead letter of an unparsable 900 KiB body keeps a 64 KiB prefix, the byte length and the SHA-256', async () => {
    const text = `{"broken": "${'z'.repeat(900 * 1024)}`;
    const res = await post('scripts', bearer('generic-token'), text);
    expect(res.status).toBe(400);
    const written = bus.written.get(topics.eventsDlq) ?? [];
    expect(Buffer.byteLength(written[0]?.value ?? '')).toBeLessThan(DEAD_LETTER_LIMITS.rawBytes + 8 * 1024);
    expect(deadLetters()[0]?.rawCapped).toMatchObject({ bytes: text.length, sha256: createHash('sha256').update(text).digest('hex') });
  });
});

describe('ingest over real HTTP: over-limit bodies', () => {
  let app: FastifyInstance;
  let port: number;

  beforeEach(async () => {
    app = buildIngestServer({ bus: new RecordingBus(), topics, sources, logger: silentLogger, clock: new ManualClock(), bodyLimit: 64 * 1024 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  afterEach(() => app.close());

  /**
   * Writes the whole request first and only then reads, as many senders (curl, scripts) do: a server
   * that answers and closes while bytes are still coming resets the connection and the answer is lost.
   */
  function upload(bytes: number, chunked: boolean): Promise<{ status: number; body: string } | { error: string }> {
    return new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      const received: Buffer[] = [];
      socket.on('data', (c: Buffer) => received.push(c));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      socket.on('close', () => {
        const text = Buffer.concat(received).toString('utf8');
        const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0);
        const split = text.indexOf('\r\n\r\n');
        const body = text.slice(split + 4);
        const chunkedAnswer = /transfer-encoding: chunked/i.test(text.slice(0, split));
        resolve(status === 0 ? { error: 'no answer' } : { status, body: chunkedAnswer ? (body.split('\r\n')[1] ?? '') : body });
      });
      const head = [
        'POST /v1/events/scripts HTTP/1.1',
        'host: 127.0.0.1',
        'authorization: Bearer generic-token',
        'content-type: application/json',
        chunked ? 'transfer-encoding: chunked' : `content-length: ${bytes}`,
        'connection: close',
        '',
        '',
      ].join('\r\n');
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const write = (): void => {
        if (sent === 0 && !socket.write(head)) return void socket.once('drain', write);
        while (sent < bytes) {
          const part = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
          sent += part.length;
          const frame = chunked ? Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]) : part;
          if (!socket.write(frame)) return void socket.once('drain', write);
        }
        if (chunked) socket.write('0\r\n\r\n');
      };
      write();
    });
  }

  it('31 over-limit uploads (declared and chunked) all read a 413 with its JSON body, none a broken pipe', async () => {
    const answers = await Promise.all(Array.from({ length: 31 }, (_, i) => upload(2 * 1024 * 1024 + i * 65_536, i % 2 === 0)));
    expect(answers.filter((a) => 'error' in a)).toEqual([]);
    for (const answer of answers) {
      if ('error' in answer) continue;
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'body_too_large' } });
    }
  });
});
