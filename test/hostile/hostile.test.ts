import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { systemClock } from '@vigil/runtime';
import { topicNames } from '@vigil/schema';
import { buildIngestServer, parseSourcesConfig, type SourceDefinition } from '@vigil/sources';
import { silentLogger } from '@vigil/telemetry';
import { afterAll, beforeAll, inject } from 'vitest';
import { alertmanagerAlert, alertmanagerWebhook, awsBackupJobEvent, vigilBackupRecord } from '../../packages/sources/src/testing/availability-samples';
import { apiV2, logpushV1, logpushV2 } from '../../packages/sources/src/testing/cloudflare-samples';
import { consoleLogin, eventBridgeEvent } from '../../packages/sources/src/testing/cloudtrail-samples';
import { credentials } from '../../packages/sources/src/testing/credentials';
import { auditEvent, orgMemberAdded } from '../../packages/sources/src/testing/github-samples';
import { activitiesPage, loginFailure } from '../../packages/sources/src/testing/google-workspace-samples';
import { genericEvent, oktaHookDelivery, oktaLogEvent } from '../../packages/sources/src/testing/samples';
import { RecordingBus } from '../../packages/sources/src/testing/recording-bus';
import { eventually, startHarness, type Harness } from '../e2e/pipeline-harness';
import { describe, expect, test } from '../fixtures/services';
import { hostileBody, hostileUrlValue, pick, random, serialise, type Rand } from './poison';

/**
 * Issue 9: no input answers 5xx, and every 400 from ingest has its dead letter. The whole of Vigil
 * in one process (real HTTP, real Kafka from kcat, real PostgreSQL and Redis), each source format
 * with its real authentication, each API route family with a real token; 200 generated cases each.
 * `HOSTILE_SEED` replays a run.
 */

const CASES = 200;
const SEED = Number(process.env.HOSTILE_SEED ?? Date.now() % 1_000_000);
const runId = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const secret = (name: string) => `${name}-${randomBytes(12).toString('hex')}`;
const SECRETS: Record<string, string> = {
  H_GENERIC: secret('generic'),
  H_HEARTBEAT: secret('heartbeat'),
  H_OKTA: secret('okta'),
  H_AWS: secret('aws'),
  H_GITHUB: secret('github'),
  H_GOOGLE: secret('google'),
  H_ALERTMANAGER: secret('alertmanager'),
  H_BACKUPS: secret('backups'),
  H_CLOUDFLARE: secret('cloudflare'),
};
const SOURCES_YAML = `
sources:
  generic: { format: generic, auth: { type: bearer, secretEnv: H_GENERIC }, rateLimit: { eventsPerSecond: 1000000, burst: 1000000 } }
  heartbeat: { format: generic, auth: { type: bearer, secretEnv: H_HEARTBEAT }, rateLimit: { eventsPerSecond: 1000000, burst: 1000000 } }
  okta: { format: okta-event-hook, auth: { type: header, header: Authorization, secretEnv: H_OKTA }, rateLimit: { eventsPerSecond: 1000000, burst: 1000000 } }
  aws: { format: cloudtrail, auth: { type: bearer, secretEnv: H_AWS }, rateLimit: { eventsPerSecond: 1000000, burst: 1000000 } }
  github: { format: github, auth: { type: github-signature, secretEnv: H_GITHUB }, rateLimit: { eventsPerSecond: 1000000, burst: 1000000 } }
  google: { format: google-workspace, auth: { type: hmac-sha256, secretEnv: H_GOOGLE, toleranceSeconds: 300 }, rateLimit: { eventsPerSecond: 1000000, burst: 1000000 } }
  alertmanager: { format: alertmanager, auth: { type: bearer, secretEnv: H_ALERTMANAGER }, rateLimit: { eventsPerSecond: 1000000, burst: 1000000 } }
  backups: { format: backup, auth: { type: bearer, secretEnv: H_BACKUPS }, rateLimit: { eventsPerSecond: 1000000, burst: 1000000 } }
  cloudflare: { format: cloudflare, auth: { type: bearer, secretEnv: H_CLOUDFLARE }, rateLimit: { eventsPerSecond: 1000000, burst: 1000000 } }
`;
const sources = new Map(parseSourcesConfig(SOURCES_YAML, 'hostile.yaml', SECRETS).map((s) => [s.name, s]));
const ADMIN_TOKEN = `admin-${randomBytes(12).toString('hex')}`;
const SIGNING_SECRET = 'e2e-slack-signing-secret-0123456789';

const now = () => new Date().toISOString();
/** A valid delivery per source, and the request headers its sender adds besides credentials. */
const SAMPLES: Record<string, (rand: Rand) => { body: unknown; headers?: Record<string, string> }> = {
  generic: () => ({ body: [genericEvent({ id: `g-${randomBytes(6).toString('hex')}`, time: now() }), genericEvent({ id: `g-${randomBytes(6).toString('hex')}`, time: now() })] }),
  heartbeat: () => ({ body: { id: `hb-${randomBytes(6).toString('hex')}`, kind: 'heartbeat', action: 'heartbeat', time: now(), entity: { type: 'source', id: 'heartbeat' } } }),
  okta: () => ({ body: oktaHookDelivery([oktaLogEvent({ uuid: randomBytes(8).toString('hex') }), oktaLogEvent({ uuid: randomBytes(8).toString('hex') })]) }),
  aws: () => ({ body: eventBridgeEvent(consoleLogin({ eventID: randomBytes(8).toString('hex') }), 'AWS Console Sign In via CloudTrail') }),
  github: (rand) =>
    rand() < 0.5
      ? { body: orgMemberAdded('hacktocat', 'admin'), headers: { 'x-github-event': pick(rand, ['organization', 'o'.repeat(5_000), 'a b', '', 'organization%00']), 'x-github-delivery': pick(rand, [randomBytes(8).toString('hex'), 'd'.repeat(2_000)]) } }
      : { body: [auditEvent({ _document_id: randomBytes(8).toString('hex') }), auditEvent({ _document_id: randomBytes(8).toString('hex'), '@timestamp': '+275760-09-13T00:00:00.000Z' })] },
  google: () => ({ body: activitiesPage([loginFailure(), loginFailure()]) }),
  alertmanager: () => ({ body: alertmanagerWebhook([alertmanagerAlert({ fingerprint: randomBytes(8).toString('hex') })]) }),
  backups: (rand) => ({ body: rand() < 0.5 ? awsBackupJobEvent({}, { id: randomBytes(8).toString('hex') }) : vigilBackupRecord({ id: randomBytes(8).toString('hex') }) }),
  cloudflare: (rand) => ({
    body: pick(rand, [
      [logpushV1({ ID: randomBytes(8).toString('hex') }), logpushV2({ AuditLogID: randomBytes(8).toString('hex') })],
      [apiV2({ id: randomBytes(8).toString('hex') })],
      [{ RayID: randomBytes(8).toString('hex'), ClientIP: '192.0.2.1' }],
    ]),
  }),
};

/**
 * Cloudflare bodies go on the wire as Logpush sends them as well: NDJSON (one item a line, when the
 * hostile body is still a JSON array), gzip-compressed, or poison of the gzip kind (a bomb, a cut file).
 */
function onTheWire(name: string, body: Buffer, rand: Rand): Buffer {
  if (name !== 'cloudflare') return body;
  const roll = rand();
  if (roll < 0.03) return gzipSync(Buffer.alloc(40 * 1024 * 1024, 0x7b));
  if (roll < 0.06) return gzipSync(body).subarray(0, 12);
  let wire = body;
  if (rand() < 0.5) {
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (Array.isArray(parsed)) wire = Buffer.from(parsed.map((item) => JSON.stringify(item)).join('\n'));
    } catch {
      // Not JSON: sent as it is.
    }
  }
  return rand() < 0.7 ? gzipSync(wire) : wire;
}

interface Answer {
  /** 0: no answer at all (the connection failed or was reset); the case is a failure, named with its error. */
  status: number;
  body: { rejected?: number; error?: { code?: string } } | undefined;
  transportError?: string;
}

/** A vendors file, so the vendor routes are served (the seed incident's source is none of the vendor's). */
function vendorsFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-hostile-')), 'vendors.yaml');
  writeFileSync(
    file,
    'vendors:\n  cloudflare:\n    name: Cloudflare\n    sources: [cloudflare]\n    notify: { rules: [identity.brute-force], withinMinutes: 60 }\n' +
      '    cuecs:\n      - { id: CF-NOTIFY, text: Notify Cloudflare., criteria: [CC7.3], monitors: { rules: [identity.brute-force], duties: [vendor-notification] } }\n',
  );
  return file;
}

let harness: Harness;
let incidentId = '';

/** Runs `count` requests, `width` at a time. */
async function inParallel<T>(count: number, width: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) {
      const i = next++;
      out[i] = await run(i);
    }
  }));
  return out;
}

async function sendOnce(url: string, init: RequestInit): Promise<Answer> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, init);
    text = await res.text();
  } catch (error) {
    // Kept as this case's result, so a reset names the input that caused it instead of failing the whole run.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { status: 0, body: undefined, transportError: `${String(error)} (${cause?.code ?? cause?.message ?? 'no cause'})` };
  }
  let body: Answer['body'];
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    body = undefined;
  }
  return { status: res.status, body };
}

/** Requests that got no answer the first time and were sent again; a few are allowed, see `send`. */
const resent: string[] = [];
const MAX_RESENT_PER_TEST = 3;

/**
 * One case's answer. A request that gets no answer at all (a reset) is sent once more, as an HTTP
 * client may for a request that got no response (RFC 9110 §9.2.2): about one request in several
 * thousand was reset under a loaded CI run, never the same input twice, and the same seed replays
 * clean. An input that makes the server reset the connection does it again, and fails its case; so
 * do more than MAX_RESENT_PER_TEST resets in one test.
 */
async function send(url: string, init: RequestInit, name = url): Promise<Answer> {
  const first = await sendOnce(url, init);
  if (first.status !== 0) return first;
  resent.push(`${name}: ${first.transportError}`);
  console.warn(`[hostile] no answer, sending again: ${name}: ${first.transportError}`);
  const second = await sendOnce(url, init);
  return second.status === 0 ? { ...second, transportError: `${first.transportError}, again: ${second.transportError}` } : second;
}

function failures(results: Array<{ name: string; answer: Answer }>): string[] {
  return results
    .filter((r) => r.answer.status >= 500 || r.answer.status === 0)
    .map((r) => `${r.answer.status} for ${r.name}: ${r.answer.transportError ?? JSON.stringify(r.answer.body)}`);
}

beforeAll(async () => {
  const uid = runId;
  const apiHash = createHash('sha256').update(ADMIN_TOKEN).digest('hex');
  harness = await startHarness({
    uid,
    kafkaBrokers: inject('kafkaBrokers'),
    redisUrl: inject('redisUrl'),
    databaseUrl: `${inject('databaseUrl')}`,
    sourcesYaml: SOURCES_YAML,
    env: { ...SECRETS, API_TOKENS: `hostile:admin:${apiHash}`, SLACK_SIGNING_SECRET: SIGNING_SECRET, VENDORS_FILE: vendorsFile() },
  });
  // One real incident, so the actions have something to act on.
  const user = `hostile-${uid}@example.com`;
  const burst = Array.from({ length: 6 }, (_, i) => ({ id: `${uid}-burst-${i}`, kind: 'authentication', action: 'login', time: now(), entity: { type: 'user', id: user }, outcome: 'failure' }));
  const text = JSON.stringify(burst);
  const def = sources.get('generic') as SourceDefinition;
  const posted = await send(`${harness.vigil.ingestUrl}/v1/events/generic`, { method: 'POST', headers: { 'content-type': 'application/json', ...credentials(def, text, def.secret) }, body: text });
  expect(posted.status).toBe(202);
  incidentId = await eventually(async () => {
    const res = await send(`${harness.vigil.apiUrl}/v1/incidents?limit=50`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const items = (res.body as { incidents?: Array<{ id: string; entity: { id: string } }> } | undefined)?.incidents ?? [];
    return items.find((i) => i.entity.id === user)?.id;
  }, 30_000, 'the seed incident');
}, 60_000);

afterAll(async () => {
  await harness?.stop();
}, 60_000);

describe(`hostile input (seed ${SEED})`, { timeout: 120_000 }, () => {
  test(`ingest over Kafka: ${CASES} cases per source format, 0 answers ≥ 500`, async () => {
    const results = await Promise.all(
      [...sources.keys()].map(async (name, s) => {
        const def = sources.get(name) as SourceDefinition;
        const rand = random(SEED + s * 7919);
        return inParallel(CASES, 4, async (i) => {
          const sample = SAMPLES[name]?.(rand) ?? { body: {} };
          const made = i === 0 ? { name: 'valid sample', body: serialise(sample.body) } : hostileBody(sample.body, rand);
          const hostile = { ...made, body: onTheWire(name, made.body, rand) };
          const answer = await send(`${harness.vigil.ingestUrl}/v1/events/${name}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...sample.headers, ...credentials(def, hostile.body, def.secret) },
            body: hostile.body,
          }, `${name} #${i}: ${hostile.name}`);
          return { name: `${name} #${i}: ${hostile.name}`, answer };
        });
      }),
    );
    const all = results.flat();
    expect(failures(all)).toEqual([]);
    const again = resent.splice(0);
    expect(again.length, again.join('\n')).toBeLessThanOrEqual(MAX_RESENT_PER_TEST);
    expect(all.filter((r) => r.answer.status === 400).length).toBeGreaterThan(sources.size * CASES * 0.5);
    expect(all.filter((r) => r.answer.status === 202).length).toBeGreaterThan(0);
    // No answer other than 202 accepted, 400 refused (with dead letters, below), 413 too large.
    expect([...new Set(all.map((r) => r.answer.status))].filter((s) => ![202, 400, 413].includes(s))).toEqual([]);
  });

  test(`ingest: every 400 has exactly its dead letters (${CASES} cases per source format, request by request)`, async () => {
    // Counted on a recording bus, request by request: the kcat mock broker keeps only the recent tail
    // of a partition, too little to count hundreds of 64 KiB dead letters after the fact.
    const bus = new RecordingBus();
    const topics = topicNames('hostile.');
    const app = buildIngestServer({ bus, topics, sources: [...sources.values()], logger: silentLogger, clock: systemClock });
    const wrong: string[] = [];
    try {
      for (const [s, name] of [...sources.keys()].entries()) {
        const def = sources.get(name) as SourceDefinition;
        const rand = random(SEED + s * 7919);
        for (let i = 0; i < CASES; i++) {
          const sample = SAMPLES[name]?.(rand) ?? { body: {} };
          const made = i === 0 ? { name: 'valid sample', body: serialise(sample.body) } : hostileBody(sample.body, rand);
          const hostile = { ...made, body: onTheWire(name, made.body, rand) };
          const before = bus.written.get(topics.eventsDlq)?.length ?? 0;
          const res = await app.inject({ method: 'POST', url: `/v1/events/${name}`, headers: { 'content-type': 'application/json', ...sample.headers, ...credentials(def, hostile.body, def.secret) }, payload: hostile.body });
          const written = (bus.written.get(topics.eventsDlq)?.length ?? 0) - before;
          const body = res.json<{ rejected?: number; error?: { code?: string } }>();
          const want = res.statusCode === 400 ? (body.error?.code === 'invalid_events' ? (body.rejected ?? 0) : 1) : 0;
          if (res.statusCode >= 500 || written !== want) wrong.push(`${name} #${i} ${hostile.name}: ${res.statusCode} ${body.error?.code}, ${written} dead letters for ${want}`);
        }
      }
    } finally {
      await app.close();
    }
    expect(wrong).toEqual([]);
    for (const m of bus.written.get(topics.eventsDlq) ?? []) expect(Buffer.byteLength(m.value)).toBeLessThan(100 * 1024);
  });

  test(`api: ${CASES} cases per route family, 0 answers ≥ 500`, async () => {
    const api = harness.vigil.apiUrl;
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const families: Record<string, (rand: Rand) => { name: string; url: string; init: RequestInit }> = {
      'incidents list/get': (rand) => {
        const v = hostileUrlValue(rand);
        const param = pick(rand, ['status', 'severity', 'limit', 'cursor', 'from', 'to', 'rule', 'entity', '__proto__', 'status[]']);
        return rand() < 0.4
          ? { name: `get ${v.name}`, url: `${api}/v1/incidents/${v.encoded}`, init: { headers: auth } }
          : { name: `list ${param}=${v.name}`, url: `${api}/v1/incidents?${param}=${v.encoded}&${param}=${v.encoded}`, init: { headers: auth } };
      },
      'incident actions': (rand) => {
        const segment = pick(rand, ['ack', 'contain', 'resolve', 'close', 'dismiss', 'comment', '']);
        const valid = pick(rand, [{ comment: 'looking' }, { note: 'n' }, { reason: 'r' }, { rootCause: 'x', postmortemUrl: 'https://example.com/pm' }, { severity: 'SEV2' }, {}]);
        const hostile = hostileBody(valid, rand);
        const key = pick(rand, [randomBytes(8).toString('hex'), 'k k', 'x'.repeat(300), '']);
        const id = rand() < 0.8 ? incidentId : hostileUrlValue(rand).encoded;
        return segment === ''
          ? { name: `patch ${hostile.name}`, url: `${api}/v1/incidents/${id}`, init: { method: 'PATCH', headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': key }, body: hostile.body } }
          : { name: `${segment} ${hostile.name}`, url: `${api}/v1/incidents/${id}/${segment}`, init: { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': key }, body: hostile.body } };
      },
      'audit exports': (rand) => {
        const path = pick(rand, ['population', 'summary', 'report', 'sample', 'exports', `incidents/${rand() < 0.5 ? incidentId : hostileUrlValue(rand).encoded}/timeline`]);
        const from = rand() < 0.5 ? '2026-01-01T00:00:00Z' : hostileUrlValue(rand).encoded;
        const to = rand() < 0.5 ? '2027-01-01T00:00:00Z' : hostileUrlValue(rand).encoded;
        const extra = pick(rand, ['', `&format=${hostileUrlValue(rand).encoded}`, `&size=${hostileUrlValue(rand).encoded}`, `&seed=${hostileUrlValue(rand).encoded}`, '&__proto__=1']);
        return { name: `audit ${path} from=${from.slice(0, 30)} to=${to.slice(0, 30)}${extra.slice(0, 30)}`, url: `${api}/v1/audit/${path}?from=${from}&to=${to}${extra}`, init: { headers: auth } };
      },
      availability: (rand) => {
        const v = hostileUrlValue(rand);
        const kind = rand();
        if (kind < 0.3) return { name: `service ${v.name}`, url: `${api}/v1/availability/${v.encoded}`, init: { headers: auth } };
        if (kind < 0.6) return { name: `list ${v.name}`, url: `${api}/v1/availability?${pick(rand, ['from', 'to', 'month', 'period', 'service'])}=${v.encoded}`, init: { headers: auth } };
        if (kind < 0.75) return { name: `report ${v.name}`, url: `${api}/v1/availability/report?month=${v.encoded}`, init: { headers: auth } };
        const hostile = hostileBody({ service: 'checkout-api', from: '2026-12-01T00:00:00Z', to: '2026-12-01T01:00:00Z', reason: 'upgrade' }, rand);
        return { name: `maintenance ${hostile.name}`, url: `${api}/v1/availability/maintenance`, init: { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: hostile.body } };
      },
      'vendor notifications': (rand) => {
        const valid = pick(rand, [{ vendor: 'cloudflare', reference: 'CF-1' }, { notifiedAt: '2026-12-01T10:00:00Z', notifiedBy: 'alice' }, { vendor: 'cloudflare', notifiedAt: '2099-01-01T00:00:00Z' }, {}]);
        const hostile = hostileBody(valid, rand);
        const id = rand() < 0.8 ? incidentId : hostileUrlValue(rand).encoded;
        return { name: `vendor-notification ${hostile.name}`, url: `${api}/v1/incidents/${id}/vendor-notifications`, init: { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: hostile.body } };
      },
      'cuec report': (rand) => {
        const from = rand() < 0.5 ? '2026-01-01' : hostileUrlValue(rand).encoded;
        const to = rand() < 0.5 ? '2027-01-01T00:00:00Z' : hostileUrlValue(rand).encoded;
        const extra = pick(rand, ['', `&format=${hostileUrlValue(rand).encoded}`, '&format=csv', '&format=text', '&__proto__=1']);
        return { name: `cuec-report from=${from.slice(0, 30)} to=${to.slice(0, 30)}${extra.slice(0, 30)}`, url: `${api}/v1/vendors/cuec-report?from=${from}&to=${to}${extra}`, init: { headers: auth } };
      },
      'slack interactions': (rand) => {
        const payload = {
          type: 'block_actions',
          user: { id: 'U1', username: 'u1' },
          trigger_id: 't',
          container: { type: 'message', message_ts: '1.1', channel_id: 'C1' },
          channel: { id: 'C1' },
          message: { ts: '1.1' },
          actions: [{ action_id: pick(rand, ['ack', 'resolve', 'vigil.ack', 'x']), value: incidentId, action_ts: '1.2', type: 'button' }],
        };
        const hostile = hostileBody(payload, rand);
        const form = rand() < 0.8 ? Buffer.from(`payload=${encodeURIComponent(hostile.body.toString('latin1'))}`) : hostile.body;
        const timestamp = String(Math.floor(Date.now() / 1000));
        const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:`).update(form).digest('hex')}`;
        return {
          name: `slack ${hostile.name}`,
          url: `${api}/v1/slack/interactions`,
          init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature }, body: form },
        };
      },
    };
    const results = await Promise.all(
      Object.entries(families).map(async ([family, make], f) => {
        const rand = random(SEED + 104_729 * (f + 1));
        return inParallel(CASES, 4, async (i) => {
          const request = make(rand);
          const answer = await send(request.url, request.init, `${family} #${i}: ${request.name}`);
          return { name: `${family} #${i}: ${request.name}`, answer };
        });
      }),
    );
    const all = results.flat();
    expect(failures(all)).toEqual([]);
    const again = resent.splice(0);
    expect(again.length, again.join('\n')).toBeLessThanOrEqual(MAX_RESENT_PER_TEST);
    expect(all.filter((r) => r.answer.status === 401 || r.answer.status === 403).map((r) => r.name).filter((n) => !n.startsWith('slack'))).toEqual([]);
  });
});
