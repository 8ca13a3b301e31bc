import { KAFKA_CLIENTS } from '@vigil/bus';
import { ConfigError, envBoolean, envPort, parseEnv } from '@vigil/runtime';
import { z } from 'zod';
import { WatchdogEnv } from './watchdog-env';

export { WatchdogEnv };

const brokers = z
  .string()
  .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'expected host:port[,host:port...]')
  .transform((v) => v.split(','));

/** Variables every service reads. */
export const CommonEnv = z.object({
  /** Kafka bootstrap servers; unset means the embedded in-process bus (single-process mode only). */
  KAFKA_BROKERS: brokers.optional(),
  /** Longest a Kafka fetch waits for new records, in ms: the floor of each hop's latency when traffic is light. */
  KAFKA_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(10).max(10_000).default(100),
  /**
   * A consumer that stops heartbeating (killed, hung) loses its partitions to the rest of its group
   * after this long. Kafka brokers refuse less than their `group.min.session.timeout.ms` (6000 by
   * default); lower that on the broker to fail over faster.
   */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(6000),
  /** How often a consumer heartbeats; at most a third of the session timeout. */
  KAFKA_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  /** How long a rebalance waits for live members to rejoin; longer than the slowest batch. */
  KAFKA_REBALANCE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(15_000),
  /** How long the first of a group of concurrent publishes waits for others to share its produce request, in ms. */
  KAFKA_PRODUCE_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(2),
  /** A shared produce request is sent once it holds this many bytes… */
  KAFKA_PRODUCE_BATCH_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  /** …or this many records. */
  KAFKA_PRODUCE_BATCH_RECORDS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Produce requests in flight at once; publishes made meanwhile gather for the next one. */
  KAFKA_PRODUCE_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(2),
  /** Bytes published and not yet acknowledged; past it a publish waits (back-pressure), then fails as unavailable. */
  KAFKA_PRODUCE_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .max(4 * 1024 * 1024 * 1024)
    .default(64 * 1024 * 1024),
  /** The Kafka client library: kafkajs, or platformatic (@platformatic/kafka, Node ≥ 22); docs/benchmarks.md compares them. */
  KAFKA_CLIENT: z.enum(KAFKA_CLIENTS).default('kafkajs'),
  /** Kafka client id prefix. */
  KAFKA_CLIENT_ID: z.string().default('vigil'),
  /** Prefix for every topic name, so several deployments can share a cluster. */
  TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, . _ - only')
    .default(''),
  /** pino level: trace, debug, info, warn, error. */
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** Milliseconds the shutdown may take before the process exits non-zero. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
});

export const IngestEnv = z.object({
  /** HTTP port for POST /v1/events/{source}. */
  INGEST_PORT: envPort.default(8080),
  /** Address to bind; 0.0.0.0 in containers. */
  INGEST_HOST: z.string().default('127.0.0.1'),
  /** YAML file naming each source, its format and its credential (see config/sources.example.yaml). */
  SOURCES_FILE: z.string().default('config/sources.example.yaml'),
  /** Largest request body in bytes. */
  INGEST_BODY_LIMIT: z.coerce
    .number()
    .int()
    .positive()
    .max(64 * 1024 * 1024)
    .default(5 * 1024 * 1024),
  /** Prober checks (YAML, see packages/sources/src/prober/prober.example.yaml); unset: no prober runs. */
  PROBER_FILE: z.string().optional(),
  /** This prober's region label; it runs the checks of its region and those without regions. */
  PROBER_REGION: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and -')
    .default('local'),
  /** Okta org URL for System Log polling, e.g. https://example.okta.com; unset: no polling. */
  OKTA_ORG_URL: z.url().optional(),
  /** Okta API token (read-only admin) for polling; required with OKTA_ORG_URL. */
  OKTA_API_TOKEN: z.string().min(1).optional(),
  /** Wait between polls once caught up. */
  OKTA_POLL_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Cloudflare account whose audit logs are polled (its 32-hex id); unset: no polling. */
  CLOUDFLARE_ACCOUNT_ID: z
    .string()
    .regex(/^[0-9a-f]{32}$/, 'the 32 hex digits of the account id')
    .optional(),
  /** Cloudflare API token with Account › Audit Logs › Read; required with CLOUDFLARE_ACCOUNT_ID. */
  CLOUDFLARE_API_TOKEN: z.string().min(1).optional(),
  /** The Cloudflare API base (a stand-in in tests). */
  CLOUDFLARE_API_URL: z.url().default('https://api.cloudflare.com/client/v4'),
  /** Which Audit Logs API: v2 (`/logs/audit`, cursor pages) or v1 (`/audit_logs`, numbered pages). */
  CLOUDFLARE_AUDIT_API: z.enum(['v1', 'v2']).default('v2'),
  /** Wait between polls once caught up. */
  CLOUDFLARE_POLL_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Source name of the polled events; the same as the Logpush source makes overlapping entries one event. */
  CLOUDFLARE_SOURCE: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,63}$/)
    .default('cloudflare'),
  /**
   * CSV of address ranges and their countries (`first,last,country code`, IPv4 / IPv6): events whose source
   * names no country (Cloudflare's audit log) get `vigil.country` for `identity.new-country-signin`; unset: none.
   */
  GEOIP_COUNTRY_FILE: z.string().min(1).optional(),
  /** PostgreSQL for the pollers' cursors (only needed with OKTA_ORG_URL or CLOUDFLARE_ACCOUNT_ID). */
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
});

/** Address the admin ports (detector, alerter) bind; 0.0.0.0 in containers so Prometheus can scrape them. */
const ADMIN_HOST = z.string().default('127.0.0.1');

export const DetectorEnv = z.object({
  /** Port of the detector's /livez, /readyz and /metrics; 0 turns it off. */
  DETECTOR_ADMIN_PORT: envPort.default(9464),
  /** Address the admin port binds. */
  ADMIN_HOST,
  /** The sources file ingest reads: each source's `expectedIntervalSeconds` arms the source-silent rule. */
  SOURCES_FILE: z.string().default('config/sources.example.yaml'),
  /** Redis holding the rules' windows and states. */
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  /**
   * Bytes of recently read events the detector keeps in memory, so a window rule's earlier events travel whole
   * with its detection into the register's evidence (default 32 MiB; 0: only the batch's own events).
   */
  DETECTOR_RECENT_EVENT_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(32 * 1024 * 1024),
  /** Consumer group of the detectors; processes in one group split the partitions. */
  DETECTOR_GROUP: z.string().default('vigil-detector'),
  /** Prefix of every Redis key the detector writes. */
  DETECTOR_KEY_PREFIX: z.string().default('vigil:det:'),
  /** How often absence timers (source silent, backup missed, ...) are checked. */
  DETECTOR_TICK_MS: z.coerce.number().int().min(100).default(5000),
  /** Entity-scoped windows (brute force's) in the detector's process, a Redis hash a scope (docs/configuration.md). */
  DETECTOR_LOCAL_WINDOWS: envBoolean.default(false),
  /** Partitions one detector takes at once; their batches are evaluated together. Cover every partition it may own. */
  DETECTOR_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(12),
  /**
   * How far back a detector replays the events topic when it finds its Redis state lost: the longest
   * window of any rule plus its lateness (the catalog's longest is the 3-day burn-rate window). Keep
   * the events topic's retention longer than this.
   */
  DETECTOR_REBUILD_HORIZON_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .default(73 * 3_600_000),
  /**
   * PostgreSQL for the detector's offset index (table `detector_offset_index`): where each partition was, and
   * when, so a rebuild finds its start on any broker. Unset: no index; a rebuild asks Kafka by time alone.
   */
  DATABASE_URL: z.string().optional(),
  /** How often each partition's position is written to the offset index. */
  DETECTOR_OFFSET_INDEX_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  /**
   * Consent to a new partition count of the events topic: the detector refuses to start on a count other
   * than the one its state was built for, unless this names the new count; then it drops that state and
   * rebuilds it from the topic. Unset it after that start.
   */
  DETECTOR_ACCEPT_PARTITIONS: z.coerce.number().int().min(1).optional(),
  /** Redis key of the shared state epoch the detector keeps (and the watchdog reads) to tell a lost Redis. */
  STATE_EPOCH_KEY: z.string().min(1).default('vigil:state-epoch'),
  /** Optional YAML overriding rules: enabled, severity, owner, parameters (see config/rules.example.yaml). */
  RULES_FILE: z.string().optional(),
  /**
   * The services file the api reports from (config/services.example.yaml); set, its commitments and SLOs
   * are the commitment-breach and slo-burn rules' targets.
   */
  SERVICES_FILE: z.string().optional(),
  /**
   * Optional directory of rules written as code: every *.yaml / *.yml in it, native or Sigma
   * (docs/rules.md). Reloaded on SIGHUP; an invalid set is refused and the rules in force stay.
   */
  RULES_DIR: z.string().optional(),
});

/** The register's signing key: set, the alerter makes signed checkpoints (see docs/audit.md). */
export const RegisterKeyEnv = z.object({
  /** PEM file of the register's Ed25519 private key (`openssl genpkey -algorithm ed25519`). */
  REGISTER_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** The PEM itself, from a secret store (`\\n` may stand for line ends); the file wins when both are set. */
  REGISTER_SIGNING_KEY: z.string().min(1).optional(),
});

export const AlerterEnv = z.object({
  /** Port of the alerter's /livez, /readyz and /metrics; 0 turns it off. */
  ALERTER_ADMIN_PORT: envPort.default(9465),
  /** Address the admin port binds. */
  ADMIN_HOST,
  /** PostgreSQL holding the incident register. */
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
  /** Redis for the BullMQ notification queue. */
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  /** Consumer group of the alerters. */
  ALERTER_GROUP: z.string().default('vigil-alerter'),
  /** Owners map: rule / service / source to team and Slack channel (see config/owners.example.yaml). */
  OWNERS_FILE: z.string().default('config/owners.example.yaml'),
  /** Slack bot token (xoxb-...). Unset: notifications are written to the log, clearly marked. */
  SLACK_BOT_TOKEN: z.string().optional(),
  /** Slack Web API base URL, e.g. a local stand-in: http://127.0.0.1:9000/api/ */
  SLACK_API_URL: z.url().optional(),
  /** BullMQ queue name for notifications. */
  NOTIFY_QUEUE: z.string().default('vigil-notifications'),
  /** BullMQ queue of the response timers (acknowledgement / resolution overdue, postmortem missing). */
  RESPONSE_TIMERS_QUEUE: z.string().default('vigil-response-timers'),
  /** Days after resolution a SEV1/SEV2 may go without root cause and postmortem link. */
  POSTMORTEM_AFTER_DAYS: z.coerce.number().int().min(1).max(365).default(5),
  /** Vendors and their CUECs (YAML, config/vendors.example.yaml): who must be told of incidents on their accounts. */
  VENDORS_FILE: z.string().optional(),
  /** Minimum gap between new Slack messages in one channel (Slack allows about one a second). */
  NOTIFY_CHANNEL_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),
  /**
   * Lock of a notification job being delivered, and how often stalled jobs are looked for: a job whose
   * alerter died mid-delivery is taken up by another within about twice this. Above the Slack call timeout (10 s).
   */
  NOTIFY_JOB_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** A notification still pending in the register this long after its change, without a job, is queued again (outbox sweep). */
  NOTIFY_SWEEP_AFTER_MS: z.coerce.number().int().min(0).default(30_000),
  /**
   * How often the alerter checks its own state epoch (`<STATE_EPOCH_KEY>:alerter`); a change re-arms the
   * response timers and re-sends the outbox from the register.
   */
  STATE_CHECK_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
  /**
   * Uptime checks of a service no more than this far apart (event time) make the time between them
   * monitored; a longer gap is time with no evidence. A few times the slowest check interval.
   */
  COVERAGE_MAX_GAP_MS: z.coerce.number().int().min(1000).max(86_400_000).default(300_000),
  /**
   * The services file (the api's): set, the register decides each commitment breach of its services
   * against the availability report, and reconciles breach incidents with it every
   * BREACH_RECONCILE_INTERVAL_MS.
   */
  SERVICES_FILE: z.string().optional(),
  /** How often breach incidents are compared with the availability report; 0 turns it off. */
  BREACH_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  /**
   * A detection made this long or more after its triggering event is historical (backfill, replay): marked
   * so in the register and in its timeline.
   */
  HISTORICAL_AFTER_MS: z.coerce.number().int().min(1000).default(900_000),
  ...RegisterKeyEnv.shape,
  /** How often a signed checkpoint of the register is made, when the timeline grew since the last one. */
  CHECKPOINT_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(60 * 60 * 1000),
  /** How often checkpoints not yet published (an export's, a failed try) go to the witnesses. */
  CHECKPOINT_WITNESS_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(60 * 1000),
  /** Directory of the append-only witness file `checkpoints.jsonl`; unset: no file witness. */
  CHECKPOINT_WITNESS_DIR: z.string().min(1).optional(),
  /** Slack channel that receives one message per checkpoint (needs SLACK_BOT_TOKEN); unset: none. */
  CHECKPOINT_SLACK_CHANNEL: z.string().min(1).optional(),
  /** How often new timeline entries go out as OCSF findings on vigil.findings.ocsf; 0 turns that off. */
  OCSF_FINDINGS_INTERVAL_MS: z.coerce.number().int().min(0).default(2000),
  /**
   * Days an incident's event payloads are kept after they were taken in (and always while it is live); then they
   * are purged on record. Default 400: a 12-month Type 2 period and the audit after it.
   */
  EVIDENCE_RETENTION_DAYS: z.coerce.number().int().min(1).default(400),
  /** How often payloads past their retention are purged (default hourly); 0: never purged. */
  EVIDENCE_PURGE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(60 * 60 * 1000),
  /** How often incident changes go out to the owners file's webhooks and PagerDuty services; 0: never. */
  OUTBOUND_INTERVAL_MS: z.coerce.number().int().min(0).default(2000),
  /** Attempts of one webhook / PagerDuty delivery before it is dead (and reported in the fallback channel). */
  OUTBOUND_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** First wait after a failed delivery; each next one doubles, up to 10 minutes. */
  OUTBOUND_RETRY_BASE_MS: z.coerce.number().int().min(100).default(5000),
  /** Base URL of PagerDuty's Events API v2 (events go to <url>/v2/enqueue); a stand-in's in tests. */
  PAGERDUTY_EVENTS_URL: z.url().default('https://events.pagerduty.com'),
});

export const ApiEnv = z.object({
  /** Vendors and their CUECs (YAML, config/vendors.example.yaml): the CUEC report and vendor notifications. */
  VENDORS_FILE: z.string().optional(),
  /** Redis of the notification queue: incident actions taken through the API update Slack at once. */
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  /** BullMQ queue name for notifications (the alerter's). */
  NOTIFY_QUEUE: z.string().default('vigil-notifications'),
  /** Owners map, needed to address notifications. */
  OWNERS_FILE: z.string().default('config/owners.example.yaml'),
  /** Slack app signing secret; set, the api serves POST /v1/slack/interactions (buttons and modals). */
  SLACK_SIGNING_SECRET: z.string().min(16, 'a Slack signing secret is longer').optional(),
  /** The previous signing secret while rotating; both are accepted. */
  SLACK_SIGNING_SECRET_PREVIOUS: z.string().min(16).optional(),
  /** Slack bot token, for the modals and private replies of interactivity. */
  SLACK_BOT_TOKEN: z.string().optional(),
  /** Slack Web API base URL (a stand-in in tests). */
  SLACK_API_URL: z.url().optional(),
  /** HTTP port for the incidents API. */
  API_PORT: envPort.default(8081),
  /** Address to bind; 0.0.0.0 in containers. */
  API_HOST: z.string().default('127.0.0.1'),
  /** PostgreSQL holding the incident register. */
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
  /**
   * API tokens as `name:role:sha256-hex` separated by commas; roles viewer, responder, admin, auditor.
   * Only hashes are configured: `printf %s "$TOKEN" | sha256sum`.
   */
  API_TOKENS: z
    .string()
    .regex(
      /^[\w.-]+:(viewer|responder|admin|auditor):[0-9a-f]{64}(,[\w.-]+:(viewer|responder|admin|auditor):[0-9a-f]{64})*$/,
      'expected name:role:sha256hex[,...] with role viewer, responder, admin or auditor',
    )
    .optional(),
  /** Services and their availability commitments (YAML, see config/services.example.yaml); unset: none. */
  SERVICES_FILE: z.string().optional(),
  /** PEM file of the register's public key, served at GET /v1/register/public-key; unset: 404 there. */
  REGISTER_PUBLIC_KEY_FILE: z.string().min(1).optional(),
});

export type CommonConfig = z.infer<typeof CommonEnv>;
export type IngestConfig = CommonConfig & z.infer<typeof IngestEnv>;
export type DetectorConfig = CommonConfig & z.infer<typeof DetectorEnv>;
export type AlerterConfig = CommonConfig & z.infer<typeof AlerterEnv> & z.infer<typeof WatchdogEnv>;
export type ApiConfig = CommonConfig & z.infer<typeof ApiEnv>;
export type StandaloneConfig = IngestConfig & DetectorConfig & AlerterConfig & ApiConfig;

export const loadIngestConfig = (env: NodeJS.ProcessEnv): IngestConfig =>
  checkIngest(parseEnv(CommonEnv.extend(IngestEnv.shape), env));
export const loadDetectorConfig = (env: NodeJS.ProcessEnv): DetectorConfig =>
  parseEnv(CommonEnv.extend(DetectorEnv.shape), env);
export const loadAlerterConfig = (env: NodeJS.ProcessEnv): AlerterConfig =>
  parseEnv(CommonEnv.extend(AlerterEnv.shape).extend(WatchdogEnv.shape), env);
export const loadApiConfig = (env: NodeJS.ProcessEnv): ApiConfig =>
  parseEnv(CommonEnv.extend(ApiEnv.shape), env);
export const loadStandaloneConfig = (env: NodeJS.ProcessEnv): StandaloneConfig =>
  checkIngest(
    parseEnv(
      CommonEnv.extend(IngestEnv.shape)
        .extend(DetectorEnv.shape)
        .extend(AlerterEnv.shape)
        .extend(WatchdogEnv.shape)
        .extend(ApiEnv.shape),
      env,
    ),
  );

/** The bus settings every service takes from its environment (spread into `createBus`). */
export function busSettings(config: CommonConfig) {
  return {
    brokers: config.KAFKA_BROKERS,
    client: config.KAFKA_CLIENT,
    maxWaitTimeMs: config.KAFKA_FETCH_MAX_WAIT_MS,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: config.KAFKA_HEARTBEAT_INTERVAL_MS,
    rebalanceTimeoutMs: config.KAFKA_REBALANCE_TIMEOUT_MS,
    publishBatching: {
      lingerMs: config.KAFKA_PRODUCE_LINGER_MS,
      maxBatchBytes: config.KAFKA_PRODUCE_BATCH_BYTES,
      maxBatchRecords: config.KAFKA_PRODUCE_BATCH_RECORDS,
      maxInFlight: config.KAFKA_PRODUCE_MAX_IN_FLIGHT,
      maxBufferedBytes: config.KAFKA_PRODUCE_BUFFER_BYTES,
    },
  };
}

function checkIngest<C extends IngestConfig>(config: C): C {
  if (config.OKTA_ORG_URL && !config.OKTA_API_TOKEN) {
    throw new ConfigError(['OKTA_API_TOKEN: required when OKTA_ORG_URL is set']);
  }
  if (config.CLOUDFLARE_ACCOUNT_ID && !config.CLOUDFLARE_API_TOKEN) {
    throw new ConfigError(['CLOUDFLARE_API_TOKEN: required when CLOUDFLARE_ACCOUNT_ID is set']);
  }
  return config;
}

/** `name:role:hash,...` as the API's token list. */
export function parseApiTokens(
  value: string | undefined,
): Array<{ name: string; role: 'viewer' | 'responder' | 'admin' | 'auditor'; sha256: string }> {
  if (!value) return [];
  return value.split(',').map((entry) => {
    const [name, role, sha256] = entry.split(':') as [
      string,
      'viewer' | 'responder' | 'admin' | 'auditor',
      string,
    ];
    return { name, role, sha256 };
  });
}
