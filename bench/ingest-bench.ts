import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GITHUB_DELIVERY_HEADER,
  GITHUB_EVENT_HEADER,
  GITHUB_SIGNATURE_HEADER,
  githubSignature,
  hmacSignature,
  standardWebhookSignature,
  type SourceAuthConfig,
  type SourceFormat,
} from '@vigil/sources';
import { freePort } from '../test/fixtures/private-servers';
import { startServiceProcess, type ServiceProcess } from './detector-process';
import { processCpuSeconds } from './machine';
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
  /**
   * CPU time the ingest process spent per accepted event, in µs (Linux, from /proc): unlike the rate,
   * it hardly moves with whatever else runs on the machine.
   */
  ingestCpuMicrosPerEvent?: number;
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
  cloudflare: { type: 'header', header: 'authorization', secretEnv: 'UNUSED' },
  'cloudflare-notifications': { type: 'header', header: 'cf-webhook-auth', secretEnv: 'UNUSED' },
};

/** Generic first: its figure is the one the ingest target has always been quoted against. */
export const INGEST_FORMATS: readonly SourceFormat[] = [
  'generic',
  'okta-event-hook',
  'cloudtrail',
  'google-workspace',
  'alertmanager',
  'backup',
  'github',
];

function authHeaders(auth: SourceAuthConfig, body: string): Record<string, string> {
  switch (auth.type) {
    case 'bearer':
      return { authorization: `Bearer ${SECRET}` };
    case 'header':
      return { [auth.header]: SECRET };
    case 'hmac-sha256': {
      const timestamp = String(Math.floor(Date.now() / 1000));
      return {
        [auth.timestampHeader]: timestamp,
        [auth.signatureHeader]: `${auth.signaturePrefix}${hmacSignature(SECRET, timestamp, body)}`,
      };
    }
    case 'github-signature':
      return { [GITHUB_SIGNATURE_HEADER]: githubSignature(SECRET, body) };
    case 'standard-webhooks': {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const id = `msg_${randomUUID()}`;
      return {
        'webhook-id': id,
        'webhook-timestamp': timestamp,
        'webhook-signature': standardWebhookSignature(SECRET, id, timestamp, body),
      };
    }
  }
}

interface Request {
  body: string;
  events: number;
  headers?: Record<string, string>;
}

export interface IngestProcessOptions {
  /** Write a CPU profile of the ingest process here (node --cpu-prof). */
  cpuProfileDir?: string;
  /** Extra environment for the ingest process (e.g. `KAFKA_PRODUCE_LINGER_MS`). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Events accepted and persisted, per source format: `POST /v1/events/<format>` to the ingest service
 * as users run it (services/ingest in its own process, one source per format with its real
 * authentication) onto Kafka, counting only the events of 202 answers — each means every event of the
 * request was acknowledged by the broker. Batched formats send bodies of 1,000 events, a few in
 * flight; GitHub delivers one event per webhook, so it sends single-event requests with many in
 * flight, each signed. Each format stops at `maxSecondsPerFormat` so the phase stays bounded.
 */
export async function measureIngestBySource(
  brokers: string[],
  prefix: string,
  totalPerFormat: number,
  formats: readonly SourceFormat[] = INGEST_FORMATS,
  maxSecondsPerFormat = 15,
  options: IngestProcessOptions = {},
): Promise<SourceIngestFigures[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-ingest-'));
  const sourcesFile = join(dir, 'sources.json');
  const sources = Object.fromEntries(
    formats.map((format) => [
      format,
      {
        format,
        auth: { ...AUTH[format], secretEnv: 'BENCH_INGEST_SECRET' },
        rateLimit: { eventsPerSecond: 10_000_000, burst: 10_000_000 },
      },
    ]),
  );
  writeFileSync(sourcesFile, JSON.stringify({ sources }));
  const port = await freePort();
  const ingest = startServiceProcess(
    'ingest',
    {
      KAFKA_BROKERS: brokers.join(','),
      TOPIC_PREFIX: prefix,
      SOURCES_FILE: sourcesFile,
      BENCH_INGEST_SECRET: SECRET,
      INGEST_PORT: String(port),
      ...options.env,
    },
    options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {},
  );
  const client = new IngestClient(`http://127.0.0.1:${port}`);
  const runId = `r${Date.now().toString(36)}`;
  const results: SourceIngestFigures[] = [];
  try {
    await ingest.logged(/ingest listening/);
    for (const format of formats) {
      results.push(
        await withServerCpu(ingest, () => measureFormat(client, format, runId, totalPerFormat, maxSecondsPerFormat)),
      );
    }
  } finally {
    client.close();
    await ingest.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/**
 * The HTTP transport's own limit for one-event webhooks: the same client sends the same signed GitHub
 * deliveries, 64 in flight, to a bare node:http server in its own process that reads each body and
 * answers 202 (bench/raw-http-server-process.ts). Requests per second, for the GitHub figure's share.
 */
export async function measureRawHttp(total: number, maxSeconds = 15): Promise<SourceIngestFigures> {
  const port = await freePort();
  const server = startServiceProcess('raw-http-server', { INGEST_PORT: String(port) });
  const client = new IngestClient(`http://127.0.0.1:${port}`);
  try {
    await server.logged(/ingest listening/);
    return await withServerCpu(server, () =>
      measureFormat(client, 'github', `raw${Date.now().toString(36)}`, total, maxSeconds),
    );
  } finally {
    client.close();
    await server.stop();
  }
}

/** Runs one format's measurement and adds the CPU the server process spent per accepted event. */
async function withServerCpu(
  server: ServiceProcess,
  measure: () => Promise<SourceIngestFigures>,
): Promise<SourceIngestFigures> {
  const before = processCpuSeconds(server.child.pid);
  const figures = await measure();
  const after = processCpuSeconds(server.child.pid);
  if (before !== undefined && after !== undefined && figures.events > 0) {
    figures.ingestCpuMicrosPerEvent = ((after - before) * 1e6) / figures.events;
  }
  return figures;
}

/** Keep-alive HTTP/1.1 posts with node:http: lighter than fetch, so the load generator is not the limit. */
class IngestClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  constructor(private readonly url: string) {}

  post(
    path: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        `${this.url}${path}`,
        {
          method: 'POST',
          agent: this.agent,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

async function measureFormat(
  client: IngestClient,
  format: SourceFormat,
  runId: string,
  total: number,
  maxSeconds: number,
): Promise<SourceIngestFigures> {
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
    client.post(
      `/v1/events/${format}`,
      { 'content-type': 'application/json', ...r.headers, ...authHeaders(auth, r.body) },
      r.body,
    );
  // Warm-up: topic metadata, JIT of this format's normaliser.
  const warm = await post(single ? request(requests + 1) : request(-1));
  if (warm.status !== 202) {
    return {
      format,
      auth: auth.type,
      eventsPerRequest,
      inFlight,
      requests: 0,
      batches: 0,
      events: 0,
      eventsPerSecond: 0,
      non202: 1,
      seconds: 0,
      firstProblem: `warm-up answered ${warm.status}: ${problemText(warm.text)}`,
    };
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
        const answer = JSON.parse(res.text) as { accepted?: number };
        accepted += answer.accepted ?? r.events;
      } else {
        non202++;
        firstProblem ??= `${res.status}: ${problemText(res.text)}`;
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

function problemText(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** The generic figure alone (`POST /v1/events/generic`, 1,000 events a request, 4 in flight). */
export async function measureIngest(
  brokers: string[],
  prefix: string,
  total: number,
): Promise<IngestFigures> {
  const [generic] = await measureIngestBySource(
    brokers,
    prefix,
    total,
    ['generic'],
    Number.POSITIVE_INFINITY,
  );
  const { events, batches, eventsPerSecond, non202 } = generic as SourceIngestFigures;
  return { events, batches, eventsPerSecond, non202 };
}
