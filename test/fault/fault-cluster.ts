import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topicNames, type TopicNames } from '@vigil/schema';
import { startSlackStandin, type SlackStandin } from '../fixtures/slack-standin';
import { freePort } from '../fixtures/private-servers';
import { buildServices, ROOT, ServiceProcess, type ServiceName } from './service-process';

export const PROBES_TOKEN = 'fault-probes-token-0123456789';
export const SLACK_TOKEN = 'xoxb-fault-suite-token';

export interface ClusterOptions {
  uid: string;
  kafkaBrokers: string[];
  redisUrl: string;
  databaseUrl: string;
  /** Per service, the variables of its successive runs (e.g. a fault point for the first run). */
  faults?: Partial<Record<ServiceName, Array<Record<string, string>>>>;
  /** Variables over the cluster's own, for every service. */
  env?: Record<string, string>;
}

export interface FaultCluster {
  uid: string;
  topics: TopicNames;
  slack: SlackStandin;
  ingestUrl: string;
  /** Where each service's log is written (kept after the run). */
  logDir: string;
  /** Admin ports (`/livez`, `/readyz`, `/metrics`). */
  detectorAdminUrl: string;
  alerterAdminUrl: string;
  services: Record<ServiceName, ServiceProcess>;
  /** Starts the three services and waits until each has started. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The environment of the suite's own process, less what would leak the test runner into the services. */
function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(OTEL_|KAFKA_|VITEST|NODE_OPTIONS|VIGIL_FAULT_|NODE_ENV$)/.test(key))
      env[key] = value;
  }
  return env;
}

/**
 * Ingest, detector and alerter as three processes on Kafka, Redis, PostgreSQL and the Slack stand-in:
 * the production topology of docs/deploy.md, with every timing that decides how fast a crash is
 * noticed turned down so a fault run fits in CI (session timeout, job lock, outbox sweep, epoch checks).
 */
export async function createFaultCluster(options: ClusterOptions): Promise<FaultCluster> {
  const { uid } = options;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-fault-'));
  writeFileSync(
    join(dir, 'sources.yaml'),
    'sources:\n  probes:\n    format: generic\n    auth: { type: bearer, secretEnv: FAULT_PROBES_TOKEN }\n',
  );
  writeFileSync(
    join(dir, 'owners.yaml'),
    [
      "fallbackChannel: '#fault-fallback'",
      'owners:',
      "  - match: { rule: 'identity.*' }",
      '    team: security',
      "    channel: '#fault-security'",
      '',
    ].join('\n'),
  );
  // Many users failing sign-ins is also what the spray rules look for; the workload's expectations are brute force only.
  writeFileSync(
    join(dir, 'rules.yaml'),
    'rules:\n  identity.password-spray: { enabled: false }\n  identity.password-spray-distributed: { enabled: false }\n',
  );
  const slack = await startSlackStandin({ token: SLACK_TOKEN });
  const [ingestPort, detectorAdmin, alerterAdmin] = [await freePort(), await freePort(), await freePort()];
  const env: Record<string, string> = {
    ...inheritedEnv(),
    LOG_LEVEL: 'info',
    KAFKA_BROKERS: options.kafkaBrokers.join(','),
    KAFKA_CLIENT_ID: uid,
    TOPIC_PREFIX: `${uid}.`,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    KAFKA_HEARTBEAT_INTERVAL_MS: '500',
    REDIS_URL: options.redisUrl,
    DATABASE_URL: options.databaseUrl,
    SOURCES_FILE: join(dir, 'sources.yaml'),
    OWNERS_FILE: join(dir, 'owners.yaml'),
    RULES_FILE: join(dir, 'rules.yaml'),
    FAULT_PROBES_TOKEN: PROBES_TOKEN,
    INGEST_PORT: String(ingestPort),
    DETECTOR_ADMIN_PORT: String(detectorAdmin),
    ALERTER_ADMIN_PORT: String(alerterAdmin),
    DETECTOR_GROUP: `${uid}-detector`,
    ALERTER_GROUP: `${uid}-alerter`,
    DETECTOR_KEY_PREFIX: `${uid}:det:`,
    STATE_EPOCH_KEY: `${uid}:state-epoch`,
    NOTIFY_QUEUE: `${uid}-notify`,
    RESPONSE_TIMERS_QUEUE: `${uid}-timers`,
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_API_URL: slack.url,
    // Slack's one-a-second a channel would make the run as long as the incidents are many.
    NOTIFY_CHANNEL_INTERVAL_MS: '0',
    NOTIFY_JOB_LOCK_MS: '2000',
    NOTIFY_SWEEP_AFTER_MS: '2000',
    STATE_CHECK_INTERVAL_MS: '500',
    OCSF_FINDINGS_INTERVAL_MS: '0',
    // The watchdog raises its own incident when Redis state is lost, and when dead letters arrive faster than
    // 2 a minute (only the poison items make dead letters here); its other rules stay quiet (a kill -9 is lag
    // and a stall for a few seconds, a Slack outage a backlog for as long: by design under their thresholds).
    WATCHDOG_ENABLED: 'true',
    WATCHDOG_INTERVAL_MS: '500',
    WATCHDOG_LAG_FOR_MS: '600000',
    WATCHDOG_STALL_FOR_MS: '600000',
    WATCHDOG_DLQ_PER_MINUTE: '2',
    WATCHDOG_DLQ_WINDOW_MS: '60000',
    WATCHDOG_NOTIFY_BACKLOG_FOR_MS: '600000',
    WATCHDOG_RESOLVE_AFTER_MS: '600000',
    ...options.env,
  };
  const build = await buildServices(uid);
  // Each service's log, kept after the run for whoever reads a failure (test-artifacts/ is not committed).
  const logDir = join(ROOT, 'test-artifacts/fault', uid);
  mkdirSync(logDir, { recursive: true });
  const command = (name: ServiceName) => ({
    argv: [process.execPath, '--enable-source-maps', join(build, `${name}.js`)],
    cwd: build,
  });
  const services = {
    ingest: new ServiceProcess(
      'ingest',
      env,
      command('ingest'),
      options.faults?.ingest,
      join(logDir, 'ingest.log'),
    ),
    detector: new ServiceProcess(
      'detector',
      env,
      command('detector'),
      options.faults?.detector,
      join(logDir, 'detector.log'),
    ),
    alerter: new ServiceProcess(
      'alerter',
      env,
      command('alerter'),
      options.faults?.alerter,
      join(logDir, 'alerter.log'),
    ),
  };
  return {
    uid,
    topics: topicNames(`${uid}.`),
    slack,
    ingestUrl: `http://127.0.0.1:${ingestPort}`,
    logDir,
    detectorAdminUrl: `http://127.0.0.1:${detectorAdmin}`,
    alerterAdminUrl: `http://127.0.0.1:${alerterAdmin}`,
    services,
    async start() {
      await Promise.all(Object.values(services).map((service) => service.start()));
    },
    async stop() {
      await Promise.all(Object.values(services).map((service) => service.stop()));
      await slack.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(build, { recursive: true, force: true });
    },
  };
}
