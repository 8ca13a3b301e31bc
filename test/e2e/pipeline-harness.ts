import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VigilMetrics } from '@vigil/health';
import { loadStandaloneConfig, startStandalone, type Standalone } from '@vigil/pipeline';
import { systemClock } from '@vigil/runtime';
import { createLogger, silentLogger } from '@vigil/telemetry';
import { startSlackStandin, type SlackStandin } from '../fixtures/slack-standin';

export const PROBES_TOKEN = 'e2e-probes-token-0123456789';
export const API_TOKEN = 'e2e-api-token-0123456789';
export const SLACK_TOKEN = 'xoxb-e2e-test-token';
export const SLACK_SIGNING_SECRET = 'e2e-slack-signing-secret-0123456789';

export interface Harness {
  vigil: Standalone;
  slack: SlackStandin;
  stop(): Promise<void>;
}

/** The whole pipeline in this process against real Kafka (or the embedded bus), Redis, PostgreSQL and the Slack stand-in. */
export async function startHarness(options: {
  uid: string;
  kafkaBrokers?: string[];
  redisUrl: string;
  databaseUrl: string;
  /** Replaces the sources file (default: one generic source, `probes`); secrets come in `env`. */
  sourcesYaml?: string;
  /** Replaces the owners file (default: security and sre owners, Slack only). */
  ownersYaml?: string;
  /** Variables over the harness's own, e.g. to turn the watchdog on with short thresholds, source secrets, API tokens. */
  env?: Record<string, string>;
}): Promise<Harness> {
  const slack = await startSlackStandin({ token: SLACK_TOKEN });
  const dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
  writeFileSync(
    join(dir, 'sources.yaml'),
    options.sourcesYaml ?? 'sources:\n  probes:\n    format: generic\n    auth: { type: bearer, secretEnv: E2E_PROBES_TOKEN }\n',
  );
  writeFileSync(
    join(dir, 'owners.yaml'),
    options.ownersYaml ?? [
      "fallbackChannel: '#e2e-fallback'",
      'owners:',
      "  - match: { rule: 'identity.*' }",
      '    team: security',
      "    channel: '#e2e-security'",
      "  - match: { rule: 'availability.*' }",
      '    team: sre',
      "    channel: '#e2e-sre'",
      '',
    ].join('\n'),
  );
  const apiHash = createHash('sha256').update(API_TOKEN).digest('hex');
  const env: NodeJS.ProcessEnv = {
    ...(options.kafkaBrokers ? { KAFKA_BROKERS: options.kafkaBrokers.join(',') } : {}),
    KAFKA_CLIENT_ID: options.uid,
    TOPIC_PREFIX: `${options.uid}.`,
    REDIS_URL: options.redisUrl,
    DATABASE_URL: options.databaseUrl,
    DETECTOR_GROUP: `${options.uid}-detector`,
    ALERTER_GROUP: `${options.uid}-alerter`,
    DETECTOR_KEY_PREFIX: `${options.uid}:det:`,
    NOTIFY_QUEUE: `${options.uid}-notify`,
    // Each harness its own timers queue: on the shared one, another test's alerter took this one's timers.
    RESPONSE_TIMERS_QUEUE: `${options.uid}-timers`,
    INGEST_PORT: '0',
    API_PORT: '0',
    SOURCES_FILE: join(dir, 'sources.yaml'),
    OWNERS_FILE: join(dir, 'owners.yaml'),
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_API_URL: slack.url,
    SLACK_SIGNING_SECRET,
    API_TOKENS: `e2e:responder:${apiHash}`,
    E2E_PROBES_TOKEN: PROBES_TOKEN,
    STATE_EPOCH_KEY: `${options.uid}:state-epoch`,
    // The watchdog would add pipeline incidents to what a test counts; tests of it turn it on.
    WATCHDOG_ENABLED: 'false',
    ...options.env,
  };
  // VIGIL_TEST_LOG=debug shows the pipeline's own log while a test runs.
  const logger = process.env.VIGIL_TEST_LOG ? createLogger({ level: process.env.VIGIL_TEST_LOG }) : silentLogger;
  const metrics = new VigilMetrics({ service: 'vigil', defaultMetrics: false });
  const vigil = await startStandalone(loadStandaloneConfig(env), { logger, clock: systemClock, env, metrics });
  return {
    vigil,
    slack,
    stop: async () => {
      await vigil.stop();
      await slack.stop();
    },
  };
}

export async function postEvents(harness: Harness, events: unknown[]): Promise<Response> {
  return fetch(`${harness.vigil.ingestUrl}/v1/events/probes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${PROBES_TOKEN}` },
    body: JSON.stringify(events),
  });
}

export async function apiGet<T = unknown>(harness: Harness, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${harness.vigil.apiUrl}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
  return { status: res.status, body: (await res.json()) as T };
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export async function apiPost<T = unknown>(harness: Harness, path: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${harness.vigil.apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** A click on one of the incident message's buttons, signed the way Slack signs it. */
export async function slackClick(
  harness: Harness,
  action: { actionId: string; incidentId: string; user: string; ts: string; messageTs: string; channel: string },
  sign: (secret: string, timestamp: string, body: string) => string,
  secret = SLACK_SIGNING_SECRET,
): Promise<Response> {
  const payload = {
    type: 'block_actions',
    user: { id: action.user, username: action.user.toLowerCase() },
    trigger_id: `trig-${action.ts}`,
    container: { type: 'message', message_ts: action.messageTs, channel_id: action.channel },
    channel: { id: action.channel },
    message: { ts: action.messageTs },
    actions: [{ action_id: action.actionId, value: action.incidentId, action_ts: action.ts, type: 'button' }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(`${harness.vigil.apiUrl}/v1/slack/interactions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': sign(secret, timestamp, body),
    },
    body,
  });
}
