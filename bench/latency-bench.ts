import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VigilMetrics } from '@vigil/health';
import { loadStandaloneConfig, startStandalone } from '@vigil/pipeline';
import { systemClock } from '@vigil/runtime';
import { createLogger, silentLogger } from '@vigil/telemetry';
import pg from 'pg';
import { freePort } from '../test/fixtures/private-servers';
import { startSlackStandin } from '../test/fixtures/slack-standin';
import { startServiceProcess } from './detector-process';

export type Topology = 'separate' | 'one-process';

export interface LatencyFigures {
  topology: Topology;
  offeredEventsPerSecond: number;
  achievedEventsPerSecond: number;
  incidents: number;
  expectedIncidents: number;
  /** Time after the load stopped until every incident was committed and posted (or the 5-minute cap). */
  drainSeconds: number;
  /** Over the measured window, after the warm-up. */
  acceptToIncident: Percentiles;
  /** Over the warm-up: the pipeline's first seconds under load, cold (not in the figure; reported beside it). */
  acceptToIncidentWarmup: Percentiles;
  warmupSeconds: number;
  incidentToSlack: Percentiles;
}

export interface Percentiles {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
  return { samples: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

const PROBE_TOKEN = 'bench-latency-token-0123456789';
const SLACK_TOKEN = 'xoxb-bench';

interface RunningPipeline {
  ingestUrl: string;
  pids: number[];
  /** Each process's Prometheus `/metrics`, in the order of `pids` (separate processes only). */
  metricsUrls: string[];
  stop(): Promise<void>;
}

/** Ingest, detector and alerter as separate node processes (as deployed), or the standalone one-process pipeline. */
async function startPipeline(topology: Topology, env: NodeJS.ProcessEnv): Promise<RunningPipeline> {
  if (topology === 'one-process') {
    const logger = process.env.VIGIL_BENCH_LOG
      ? createLogger({ level: process.env.VIGIL_BENCH_LOG })
      : silentLogger;
    const metrics = new VigilMetrics({ service: 'vigil' });
    const vigil = await startStandalone(loadStandaloneConfig(env), {
      logger,
      clock: systemClock,
      env,
      metrics,
    });
    return { ingestUrl: vigil.ingestUrl, pids: [process.pid], metricsUrls: [], stop: () => vigil.stop() };
  }
  const services = (['alerter', 'detector', 'ingest'] as const).map((name) => ({
    name,
    process: startServiceProcess(name, env),
  }));
  try {
    await Promise.all(
      services.map(({ name, process: p }) =>
        p.logged(name === 'ingest' ? /ingest listening/ : new RegExp(`${name} consuming`)),
      ),
    );
  } catch (error) {
    await Promise.all(services.map(({ process: p }) => p.kill()));
    throw error;
  }
  return {
    ingestUrl: `http://127.0.0.1:${env.INGEST_PORT}`,
    pids: services.map(({ process: p }) => p.child.pid ?? 0).filter((pid) => pid > 0),
    metricsUrls: services.map(({ name }) => {
      const port = {
        alerter: env.ALERTER_ADMIN_PORT,
        detector: env.DETECTOR_ADMIN_PORT,
        ingest: env.INGEST_PORT,
      }[name];
      return `http://127.0.0.1:${port}/metrics`;
    }),
    async stop() {
      await Promise.all(services.map(({ process: p }) => p.stop()));
    },
  };
}

/**
 * The whole pipeline (separate processes, or one) on Kafka at a steady `rate` events/s (batches every 20 ms).
 * Every 100 ms one batch carries a burst of failed sign-ins for a fresh user, which must open one
 * incident. Accept → incident: the incident's `created_at` (stamped in the committing transaction)
 * minus the moment ingest answered 202 for the batch holding the burst. Incident → Slack: the Slack
 * stand-in's arrival time of the incident's `chat.postMessage` minus `created_at`. The per-channel
 * rate limit is off for this figure (`NOTIFY_CHANNEL_INTERVAL_MS=0`).
 */
export async function measureLatency(options: {
  /** `separate`: ingest, detector and alerter each in its own process, as deployed; `one-process`: `pnpm start`. */
  topology: Topology;
  /** Called with the pipeline's process ids and their `/metrics` URLs once it is up (for memory sampling). */
  onStarted?: (pids: number[], metricsUrls: string[]) => void;
  brokers: string[];
  redisUrl: string;
  databaseUrl: string;
  prefix: string;
  rate: number;
  seconds: number;
  /** The same load for this long first, its bursts reported apart: a long-running pipeline is not cold. */
  warmupSeconds: number;
}): Promise<LatencyFigures> {
  const admin = new pg.Client({ connectionString: options.databaseUrl });
  await admin.connect();
  const dbName = `vigil_bench_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(options.databaseUrl);
  dbUrl.pathname = `/${dbName}`;
  const slack = await startSlackStandin({ token: SLACK_TOKEN });
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  writeFileSync(
    join(dir, 'sources.yaml'),
    'sources:\n  bench:\n    format: generic\n    auth: { type: bearer, secretEnv: BENCH_TOKEN }\n    rateLimit: { eventsPerSecond: 1000000, burst: 1000000 }\n',
  );
  writeFileSync(join(dir, 'owners.yaml'), "fallbackChannel: '#bench'\nowners: []\n");
  const env: NodeJS.ProcessEnv = {
    KAFKA_BROKERS: options.brokers.join(','),
    TOPIC_PREFIX: options.prefix,
    KAFKA_CLIENT_ID: 'vigil-bench',
    ...(process.env.KAFKA_FETCH_MAX_WAIT_MS
      ? { KAFKA_FETCH_MAX_WAIT_MS: process.env.KAFKA_FETCH_MAX_WAIT_MS }
      : {}),
    REDIS_URL: options.redisUrl,
    DATABASE_URL: dbUrl.toString(),
    DETECTOR_GROUP: `${options.prefix}det`,
    ALERTER_GROUP: `${options.prefix}alert`,
    DETECTOR_KEY_PREFIX: `${options.prefix}det:`,
    NOTIFY_QUEUE: `${options.prefix}notify`.replace(/\./g, '-'),
    NOTIFY_CHANNEL_INTERVAL_MS: '0',
    // Separate processes serve /metrics (the bench reads their heap); in one process they would share a port.
    DETECTOR_ADMIN_PORT: String(options.topology === 'separate' ? await freePort() : 0),
    ALERTER_ADMIN_PORT: String(options.topology === 'separate' ? await freePort() : 0),
    INGEST_PORT: String(options.topology === 'separate' ? await freePort() : 0),
    API_PORT: '0',
    SOURCES_FILE: join(dir, 'sources.yaml'),
    OWNERS_FILE: join(dir, 'owners.yaml'),
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_API_URL: slack.url,
    BENCH_TOKEN: PROBE_TOKEN,
    STATE_EPOCH_KEY: `${options.prefix}state-epoch`,
  };
  const vigil = await startPipeline(options.topology, env);
  options.onStarted?.(vigil.pids, vigil.metricsUrls);
  const acceptedAt = new Map<string, number>();
  const warmupAcceptedAt = new Map<string, number>();
  const batchEvery = 20;
  const batchSize = Math.round((options.rate * batchEvery) / 1000);
  let sent = 0;
  let burstUser = 0;
  /** Posts a batch; `burst` is the user whose failed sign-ins it carries, noted in `burst.into` once accepted. */
  const post = async (body: unknown[], burst?: { user: string; into: Map<string, number> }) => {
    const res = await fetch(`${vigil.ingestUrl}/v1/events/bench`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PROBE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    if (res.status === 202) {
      sent += body.length;
      if (burst) burst.into.set(burst.user, Date.now());
    }
  };
  // Let the consumer groups form before the clock starts.
  await post(
    [
      {
        id: 'warmup',
        kind: 'heartbeat',
        action: 'hb',
        time: new Date().toISOString(),
        entity: { type: 'source', id: 'bench' },
      },
    ],
  );
  await new Promise((r) => setTimeout(r, 8000));

  /** Offers the rate for `seconds`: a batch every 20 ms, every fifth with a burst for a fresh user. */
  const offer = async (seconds: number, tag: string, into: Map<string, number>) => {
    const started = Date.now();
    const batches = Math.round((seconds * 1000) / batchEvery);
    const inFlight: Promise<void>[] = [];
    for (let b = 0; b < batches; b++) {
      const now = new Date().toISOString();
      const events: unknown[] = [];
      let burst: string | undefined;
      if (b % 5 === 0) {
        burst = `${tag}burst-${burstUser++}@example.com`;
        for (let k = 0; k < 5; k++)
          events.push({
            id: `${burst}-${k}`,
            kind: 'authentication',
            action: 'login',
            time: now,
            entity: { type: 'user', id: burst },
            outcome: 'failure',
          });
      }
      for (let k = events.length; k < batchSize; k++) {
        const user = `user${(b * batchSize + k) % 5000}@example.com`;
        events.push({
          id: `${tag}b${b}-${k}`,
          kind: 'authentication',
          action: 'login',
          time: now,
          entity: { type: 'user', id: user },
          outcome: 'success',
        });
      }
      inFlight.push(post(events, burst === undefined ? undefined : { user: burst, into }));
      const due = started + (b + 1) * batchEvery;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(inFlight);
  };
  if (options.warmupSeconds > 0) await offer(options.warmupSeconds, 'warm-', warmupAcceptedAt);
  const sentBefore = sent;
  const started = Date.now();
  await offer(options.seconds, '', acceptedAt);
  const achieved = (sent - sentBefore) / ((Date.now() - started) / 1000);

  const pool = new pg.Pool({ connectionString: dbUrl.toString() });
  const expected = acceptedAt.size + warmupAcceptedAt.size;
  // Drain: wait until every expected incident is committed and posted, or give up after 5 minutes,
  // and report how long it took, so backlog is told apart from loss.
  const drainStarted = Date.now();
  const deadline = drainStarted + 300_000;
  let rows: Array<{ entity_id: string; created_at: Date; seq: string }> = [];
  while (Date.now() < deadline) {
    rows = (
      await pool.query(
        `SELECT entity_id, created_at, seq FROM incidents WHERE rule_id = 'identity.brute-force'`,
      )
    ).rows;
    const posted = slack.callsTo('chat.postMessage').filter((c) => c.ok && !c.args.thread_ts).length;
    if (rows.length >= expected && posted >= rows.length) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const drainSeconds = (Date.now() - drainStarted) / 1000;
  const toIncident: number[] = [];
  const toIncidentWarmup: number[] = [];
  const createdBySeq = new Map<string, number>();
  for (const row of rows) {
    const accepted = acceptedAt.get(row.entity_id);
    if (accepted !== undefined) toIncident.push(row.created_at.getTime() - accepted);
    const warm = warmupAcceptedAt.get(row.entity_id);
    if (warm !== undefined) toIncidentWarmup.push(row.created_at.getTime() - warm);
    createdBySeq.set(String(row.seq), row.created_at.getTime());
  }
  const toSlack: number[] = [];
  for (const call of slack.callsTo('chat.postMessage')) {
    if (!call.ok || call.args.thread_ts) continue;
    const seq = /INC-(\d+)/.exec(String(call.args.text))?.[1];
    const created = seq ? createdBySeq.get(seq) : undefined;
    if (created !== undefined) toSlack.push(call.at - created);
  }
  await pool.end();
  await vigil.stop();
  await slack.stop();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  return {
    topology: options.topology,
    offeredEventsPerSecond: options.rate,
    achievedEventsPerSecond: achieved,
    incidents: rows.length,
    expectedIncidents: expected,
    drainSeconds,
    acceptToIncident: percentiles(toIncident),
    acceptToIncidentWarmup: percentiles(toIncidentWarmup),
    warmupSeconds: options.warmupSeconds,
    incidentToSlack: percentiles(toSlack),
  };
}
