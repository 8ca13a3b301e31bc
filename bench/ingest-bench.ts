import { KafkaBus } from '@vigil/bus';
import { systemClock } from '@vigil/runtime';
import { topicNames } from '@vigil/schema';
import {
  buildIngestServer,
  GITHUB_DELIVERY_HEADER,
  GITHUB_EVENT_HEADER,
  GITHUB_SIGNATURE_HEADER,
  githubSignature,
  hmacSignature,
  type SourceAuthConfig,
  type SourceDefinition,
  type SourceFormat,
} from '@vigil/sources';
import { silentLogger } from '@vigil/telemetry';
import { githubDelivery, sourceBatch, type BatchFormat, type SourceBody } from './source-batches';

export interface IngestFigures {
  events: number;
  batches: number;
  eventsPerSecond: number;
  non202: number;
}

export interface SourceIngestFigures extends IngestFigures {
  format: SourceFormat;
  /** How the sender authenticates, as in config/sources.example.yaml. */
  auth: SourceAuthConfig['type'];
  /** Events in each request (1 for GitHub: one webhook per event). */
  eventsPerRequest: number;
  /** Requests kept in flight at once. */
  inFlight: number;
  /** Requests sent in the timed part. */
  requests: number;
  seconds: number;
  /** The first non-202 answer, for diagnosis. */
  firstProblem?: string;
  /** The time cap ended the format before all its events were sent. */
  cappedAtSeconds?: number;
}

const SECRET = 'bench-ingest-secret-0123456789';
const BATCH_SIZE = 1000;
const BATCH_IN_FLIGHT = 4;
const GITHUB_IN_FLIGHT = 64;
/** Distinct bodies prepared per batched format; larger runs cycle through them. */
const DISTINCT_BODIES = 20;

/** One source per format, authenticated the way the real sender does it (config/sources.example.yaml). */
const AUTH: Record<SourceFormat, SourceAuthConfig> = {
  generic: { type: 'bearer', secretEnv: 'UNUSED' },
  'okta-event-hook': { type: 'header', header: 'authorization', secretEnv: 'UNUSED' },
  cloudtrail: { type: 'bearer', secretEnv: 'UNUSED' },
  github: { type: 'github-signature', secretEnv: 'UNUSED' },
  'google-workspace': {
    type: 'hmac-sha256',
    signatureHeader: 'x-vigil-signature',
    signaturePrefix: 'v1=',
    timestampHeader: 'x-vigil-timestamp',
    toleranceSeconds: 300,
    secretEnv: 'UNUSED',
  },
  alertmanager: { type: 'bearer', secretEnv: 'UNUSED' },
  backup: { type: 'bearer', secretEnv: 'UNUSED' },
};

/** Generic first: its figure is the one the ingest target has always been quoted against. */
export const INGEST_FORMATS: readonly SourceFormat[] = ['generic', 'okta-event-hook', 'cloudtrail', 'google-workspace', 'alertmanager', 'backup', 'github'];

function authHeaders(auth: SourceAuthConfig, body: string): Record<string, string> {
  switch (auth.type) {
    case 'bearer':
      return { authorization: `Bearer ${SECRET}` };
    case 'header':
      return { [auth.header]: SECRET };
    case 'hmac-sha256': {
      const timestamp = String(Math.floor(Date.now() / 1000));
      return { [auth.timestampHeader]: timestamp, [auth.signatureHeader]: `${auth.signaturePrefix}${hmacSignature(SECRET, timestamp, body)}` };
    }
    case 'github-signature':
      return { [GITHUB_SIGNATURE_HEADER]: githubSignature(SECRET, body) };
  }
}

interface Request {
  body: string;
  events: number;
  headers?: Record<string, string>;
}

/**
 * Events accepted and persisted, per source format: `POST /v1/events/<format>` through the real ingest
 * server onto Kafka, counting only the events of 202 answers — each means every event of the request
 * was acknowledged by the broker. Batched formats send bodies of 1,000 events, a few in flight; GitHub
 * delivers one event per webhook, so it sends single-event requests with many in flight, each signed.
 * Each format stops at `maxSecondsPerFormat` so the phase stays bounded.
 */
export async function measureIngestBySource(
  brokers: string[],
  prefix: string,
  totalPerFormat: number,
  formats: readonly SourceFormat[] = INGEST_FORMATS,
  maxSecondsPerFormat = 15,
): Promise<SourceIngestFigures[]> {
  const bus = new KafkaBus({ brokers, clientId: 'vigil-bench-ingest', logger: silentLogger });
  await bus.start();
  const sources: SourceDefinition[] = formats.map((format) => ({
    name: format,
    format,
    secret: SECRET,
    auth: AUTH[format],
    rateLimit: { eventsPerSecond: 10_000_000, burst: 10_000_000 },
  }));
  const server = buildIngestServer({ bus, topics: topicNames(prefix), sources, logger: silentLogger, clock: systemClock });
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  const runId = `r${Date.now().toString(36)}`;
  const results: SourceIngestFigures[] = [];
  try {
    for (const format of formats) {
      results.push(await measureFormat(url, format, runId, totalPerFormat, maxSecondsPerFormat));
    }
  } finally {
    await server.close();
    await bus.stop();
  }
  return results;
}

async function measureFormat(url: string, format: SourceFormat, runId: string, total: number, maxSeconds: number): Promise<SourceIngestFigures> {
  const auth = AUTH[format];
  const single = format === 'github';
  const eventsPerRequest = single ? 1 : BATCH_SIZE;
  const requests = Math.ceil(total / eventsPerRequest);
  const inFlight = single ? GITHUB_IN_FLIGHT : BATCH_IN_FLIGHT;

  // Bodies are built before the clock starts; signatures are made per request, as a sender would.
  let request: (n: number) => Request;
  if (single) {
    request = (n) => {
      const d = githubDelivery(n, runId);
      return {
        body: d.body,
        events: 1,
        headers: { [GITHUB_EVENT_HEADER]: d.event, [GITHUB_DELIVERY_HEADER]: d.delivery },
      };
    };
  } else {
    const bodies: SourceBody[] = Array.from({ length: Math.min(requests, DISTINCT_BODIES) + 1 }, (_, b) =>
      sourceBatch(format as BatchFormat, b * BATCH_SIZE, BATCH_SIZE, runId),
    );
    // The last body is kept for the warm-up, so the timed requests' events are not already on the topic.
    const warmUp = bodies.pop() as SourceBody;
    request = (n) => (n < 0 ? warmUp : (bodies[n % bodies.length] as SourceBody));
  }

  const post = (r: Request) =>
    fetch(`${url}/v1/events/${format}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...r.headers, ...authHeaders(auth, r.body) },
      body: r.body,
    });
  // Warm-up: topic metadata, JIT of this format's normaliser.
  const warm = await post(single ? request(requests + 1) : request(-1));
  await warm.arrayBuffer();
  if (warm.status !== 202) {
    return { format, auth: auth.type, eventsPerRequest, inFlight, requests: 0, batches: 0, events: 0, eventsPerSecond: 0, non202: 1, seconds: 0, firstProblem: `warm-up answered ${warm.status}: ${await problemText(warm)}` };
  }

  let accepted = 0;
  let non202 = 0;
  let sent = 0;
  let firstProblem: string | undefined;
  let capped = false;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  const worker = async () => {
    while (sent < requests) {
      if (performance.now() > deadline) {
        capped = true;
        return;
      }
      const r = request(sent++);
      const res = await post(r);
      if (res.status === 202) {
        const answer = (await res.json()) as { accepted?: number };
        accepted += answer.accepted ?? r.events;
      } else {
        non202++;
        firstProblem ??= `${res.status}: ${await problemText(res)}`;
        if (!res.bodyUsed) await res.arrayBuffer();
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    format,
    auth: auth.type,
    eventsPerRequest,
    inFlight,
    requests: sent,
    batches: sent,
    events: accepted,
    eventsPerSecond: accepted / seconds,
    non202,
    seconds,
    ...(firstProblem === undefined ? {} : { firstProblem }),
    ...(capped ? { cappedAtSeconds: maxSeconds } : {}),
  };
}

async function problemText(res: Response): Promise<string> {
  const text = await res.text();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** The generic figure alone (`POST /v1/events/generic`, 1,000 events a request, 4 in flight). */
export async function measureIngest(brokers: string[], prefix: string, total: number): Promise<IngestFigures> {
  const [generic] = await measureIngestBySource(brokers, prefix, total, ['generic'], Number.POSITIVE_INFINITY);
  const { events, batches, eventsPerSecond, non202 } = generic as SourceIngestFigures;
  return { events, batches, eventsPerSecond, non202 };
}
