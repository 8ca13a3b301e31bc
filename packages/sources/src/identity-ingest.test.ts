import { ManualClock } from '@vigil/runtime';
import { topicNames } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { githubSignature } from './authenticate';
import { buildIngestServer } from './ingest-server';
import type { SourceDefinition } from './source-config';
import { apiCall, cloudTrailFile, consoleLogin, eventBridgeEvent, successfulConsoleLogin } from './testing/cloudtrail-samples';
import { auditEvent, orgMemberAdded, ping } from './testing/github-samples';
import { activitiesPage, loginFailure, loginSuccess } from './testing/google-workspace-samples';
import { RecordingBus } from './testing/recording-bus';

const topics = topicNames('test.');
const githubSecret = 'github-webhook-secret-value';
const awsToken = 'aws-api-destination-token';
const channelToken = 'google-channel-token-value';
const limits = { eventsPerSecond: 1000, burst: 1000 };
const sources: SourceDefinition[] = [
  { name: 'github', format: 'github', secret: githubSecret, auth: { type: 'github-signature', secretEnv: 'X' }, rateLimit: limits },
  { name: 'github-audit', format: 'github', secret: awsToken, auth: { type: 'bearer', secretEnv: 'X' }, rateLimit: limits },
  { name: 'aws', format: 'cloudtrail', secret: awsToken, auth: { type: 'bearer', secretEnv: 'X' }, rateLimit: limits },
  { name: 'gws', format: 'google-workspace', secret: channelToken, auth: { type: 'header', header: 'x-goog-channel-token', secretEnv: 'X' }, rateLimit: limits },
];
const json = { 'content-type': 'application/json' };

function githubHeaders(body: string, event: string, delivery: string, secret = githubSecret): Record<string, string> {
  return { ...json, 'x-github-event': event, 'x-github-delivery': delivery, 'x-hub-signature-256': githubSignature(secret, body), 'user-agent': 'GitHub-Hookshot/a1b2c3d' };
}

describe('ingest of identity and logging sources', () => {
  let bus: RecordingBus;
  let app: FastifyInstance;

  beforeEach(() => {
    bus = new RecordingBus();
    app = buildIngestServer({ bus, topics, sources, logger: silentLogger, clock: new ManualClock(Date.parse('2026-11-22T10:00:05Z')) });
  });
  afterEach(() => app.close());

  describe('GitHub signature (X-Hub-Signature-256)', () => {
    const body = JSON.stringify(orgMemberAdded('hacktocat', 'admin'));
    const post = (headers: Record<string, string>, payload = body) => app.inject({ method: 'POST', url: '/v1/events/github', headers, payload });

    it('right: 202, the delivery id is the event id, and the event is on the bus keyed by the new owner', async () => {
      const res = await post(githubHeaders(body, 'organization', 'd-1001'));
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ accepted: 1, eventIds: ['github:d-1001'] });
      expect(bus.written.get(topics.events)?.map((m) => m.key)).toEqual(['user:hacktocat']);
      expect(bus.values(topics.events)[0]).toMatchObject({ kind: 'account_change', attributes: { 'vigil.change': 'admin-granted', 'github.delivery': 'd-1001' } });
    });

    it('wrong secret, missing header, malformed value, tampered body: 401 naming the header; nothing written', async () => {
      const cases: Array<[Record<string, string>, string, string]> = [
        [githubHeaders(body, 'organization', 'd-1', 'some-other-secret-value'), body, 'signature does not match the body'],
        [{ ...json, 'x-github-event': 'organization', 'x-github-delivery': 'd-1' }, body, 'missing'],
        [{ ...githubHeaders(body, 'organization', 'd-1'), 'x-hub-signature-256': 'sha1=abc' }, body, 'expected sha256=<64 hex digits>'],
        [githubHeaders(body, 'organization', 'd-1'), body.replace('"admin"', '"member"'), 'signature does not match the body'],
      ];
      for (const [headers, payload, problem] of cases) {
        const res = await post(headers, payload);
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ error: { code: 'unauthenticated', message: `header x-hub-signature-256: ${problem}` } });
        expect(res.body).not.toContain(githubSecret);
      }
      expect(bus.written.size).toBe(0);
    });

    it('a signed delivery replayed under a new delivery id is accepted with the first id, so it is not counted twice', async () => {
      const first = await post(githubHeaders(body, 'organization', 'd-2001'));
      const redelivered = await post(githubHeaders(body, 'organization', 'd-2001'));
      const replayed = await post(githubHeaders(body, 'organization', 'd-9999'));
      for (const res of [first, redelivered, replayed]) {
        expect(res.statusCode).toBe(202);
        expect(res.json().eventIds).toEqual(['github:d-2001']);
      }
    });

    it('the ping GitHub sends on creating the hook is a heartbeat of the source', async () => {
      const payload = JSON.stringify(ping());
      const res = await post(githubHeaders(payload, 'ping', 'd-ping'), payload);
      expect(res.statusCode).toBe(202);
      expect(bus.written.get(topics.events)?.map((m) => m.key)).toEqual(['source:github']);
    });

    it('audit-log events forwarded with another credential need no GitHub headers', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/events/github-audit',
        headers: { ...json, authorization: `Bearer ${awsToken}` },
        payload: [auditEvent(), auditEvent({ _document_id: 'doc-2', action: 'org.update_member', user: 'hacktocat', permission: 'admin' })],
      });
      expect(res.statusCode).toBe(202);
      expect(res.json().eventIds).toEqual(['github-audit:xJJFlFOhQ6b-5vaAFy9Rjw', 'github-audit:doc-2']);
    });
  });

  describe('CloudTrail', () => {
    const bearer = { ...json, authorization: `Bearer ${awsToken}` };

    it('an EventBridge API destination delivery: 202 and the record eventID as id', async () => {
      const res = await app.inject({ method: 'POST', url: '/v1/events/aws', headers: bearer, payload: eventBridgeEvent(successfulConsoleLogin(), 'AWS Console Sign In via CloudTrail') });
      expect(res.statusCode).toBe(202);
      expect(res.json().eventIds).toEqual(['aws:3fcfb182-98f8-4744-bd45-10a395ab61cb']);
    });

    it('a log file with one bad record: the rest is accepted, the bad one dead-lettered with its path', async () => {
      const { eventName: _n, ...nameless } = apiCall('CreateAccessKey', { userName: 'bob' });
      const file = cloudTrailFile([consoleLogin(), nameless, successfulConsoleLogin()]);
      const res = await app.inject({ method: 'POST', url: '/v1/events/aws', headers: bearer, payload: file });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        error: { code: 'invalid_events', details: [{ index: 1, reason: 'does not match the CloudTrail record format', errors: [{ path: 'eventName' }] }] },
        accepted: 2,
        rejected: 1,
      });
      expect(bus.values(topics.events)).toHaveLength(2);
      expect(bus.values(topics.eventsDlq)).toEqual([expect.objectContaining({ stage: 'ingest:aws', reason: expect.stringContaining('item 1'), raw: nameless })]);
    });

    it('a log file with no records, or a Reports API page with no activities, is accepted as nothing', async () => {
      const empty = await app.inject({ method: 'POST', url: '/v1/events/aws', headers: bearer, payload: cloudTrailFile([]) });
      expect(empty.statusCode).toBe(202);
      expect(empty.json()).toEqual({ accepted: 0, eventIds: [] });
      const page = await app.inject({ method: 'POST', url: '/v1/events/gws', headers: { ...json, 'x-goog-channel-token': channelToken }, payload: { kind: 'admin#reports#activities', etag: '"e"' } });
      expect(page.statusCode).toBe(202);
      expect(bus.written.size).toBe(0);
    });

    it('a body in no CloudTrail envelope: 400 invalid_delivery with what was expected and where', async () => {
      const res = await app.inject({ method: 'POST', url: '/v1/events/aws', headers: bearer, payload: { records: [consoleLogin()] } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        error: { code: 'invalid_delivery', message: expect.stringContaining('{"Records": [...]}'), details: [{ path: '(root)' }] },
      });
      expect(bus.values(topics.events)).toHaveLength(0);
      expect(bus.values(topics.eventsDlq)).toHaveLength(1);
    });
  });

  describe('Google Workspace', () => {
    const channel = { ...json, 'x-goog-channel-token': channelToken };

    it('a Reports API page: 202; a page with one broken activity keeps the others', async () => {
      expect((await app.inject({ method: 'POST', url: '/v1/events/gws', headers: channel, payload: activitiesPage([loginSuccess(), loginFailure()]) })).statusCode).toBe(202);
      const broken = { ...loginFailure(), events: [] };
      const res = await app.inject({ method: 'POST', url: '/v1/events/gws', headers: channel, payload: activitiesPage([broken, loginSuccess()]) });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ accepted: 1, rejected: 1, error: { details: [{ index: 0, errors: [{ path: 'events' }] }] } });
    });

    it('a wrong channel token is refused', async () => {
      const res = await app.inject({ method: 'POST', url: '/v1/events/gws', headers: { ...json, 'x-goog-channel-token': 'nope' }, payload: loginSuccess() });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.message).toBe('header x-goog-channel-token: does not match the configured credential');
    });
  });
});
