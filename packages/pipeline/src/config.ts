import { ConfigError, envPort, parseEnv } from '@vigil/runtime';
import { z } from 'zod';

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
  /** Kafka client id prefix. */
  KAFKA_CLIENT_ID: z.string().default('vigil'),
  /** Prefix for every topic name, so several deployments can share a cluster. */
  TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, . _ - only').default(''),
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
  INGEST_BODY_LIMIT: z.coerce.number().int().positive().max(64 * 1024 * 1024).default(5 * 1024 * 1024),
  /** Prober checks (YAML, see packages/sources/src/prober/prober.example.yaml); unset: no prober runs. */
  PROBER_FILE: z.string().optional(),
  /** This prober's region label; it runs the checks of its region and those without regions. */
  PROBER_REGION: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and -').default('local'),
  /** Okta org URL for System Log polling, e.g. https://example.okta.com; unset: no polling. */
  OKTA_ORG_URL: z.string().url().optional(),
  /** Okta API token (read-only admin) for polling; required with OKTA_ORG_URL. */
  OKTA_API_TOKEN: z.string().min(1).optional(),
  /** Wait between polls once caught up. */
  OKTA_POLL_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  /** PostgreSQL for the Okta poller's cursor (only needed with OKTA_ORG_URL). */
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
});

export const DetectorEnv = z.object({
  /** Redis holding the rules' windows and states. */
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Consumer group of the detectors; processes in one group split the partitions. */
  DETECTOR_GROUP: z.string().default('vigil-detector'),
  /** Prefix of every Redis key the detector writes. */
  DETECTOR_KEY_PREFIX: z.string().default('vigil:det:'),
  /** How often absence timers (source silent, backup missed, ...) are checked. */
  DETECTOR_TICK_MS: z.coerce.number().int().min(100).default(5000),
  /** Partitions one detector works on at once. */
  DETECTOR_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Optional YAML overriding rules: enabled, severity, owner, parameters (see config/rules.example.yaml). */
  RULES_FILE: z.string().optional(),
});

export const AlerterEnv = z.object({
  /** PostgreSQL holding the incident register. */
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
  /** Redis for the BullMQ notification queue. */
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Consumer group of the alerters. */
  ALERTER_GROUP: z.string().default('vigil-alerter'),
  /** Owners map: rule / service / source to team and Slack channel (see config/owners.example.yaml). */
  OWNERS_FILE: z.string().default('config/owners.example.yaml'),
  /** Slack bot token (xoxb-...). Unset: notifications are written to the log, clearly marked. */
  SLACK_BOT_TOKEN: z.string().optional(),
  /** Slack Web API base URL, e.g. a local stand-in: http://127.0.0.1:9000/api/ */
  SLACK_API_URL: z.string().url().optional(),
  /** BullMQ queue name for notifications. */
  NOTIFY_QUEUE: z.string().default('vigil-notifications'),
  /** BullMQ queue of the response timers (acknowledgement / resolution overdue, postmortem missing). */
  RESPONSE_TIMERS_QUEUE: z.string().default('vigil-response-timers'),
  /** Days after resolution a SEV1/SEV2 may go without root cause and postmortem link. */
  POSTMORTEM_AFTER_DAYS: z.coerce.number().int().min(1).max(365).default(5),
  /** Minimum gap between new Slack messages in one channel (Slack allows about one a second). */
  NOTIFY_CHANNEL_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),
});

export const ApiEnv = z.object({
  /** Redis of the notification queue: incident actions taken through the API update Slack at once. */
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
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
  SLACK_API_URL: z.string().url().optional(),
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
});

export type CommonConfig = z.infer<typeof CommonEnv>;
export type IngestConfig = CommonConfig & z.infer<typeof IngestEnv>;
export type DetectorConfig = CommonConfig & z.infer<typeof DetectorEnv>;
export type AlerterConfig = CommonConfig & z.infer<typeof AlerterEnv>;
export type ApiConfig = CommonConfig & z.infer<typeof ApiEnv>;
export type StandaloneConfig = IngestConfig & DetectorConfig & AlerterConfig & ApiConfig;

export const loadIngestConfig = (env: NodeJS.ProcessEnv): IngestConfig => checkIngest(parseEnv(CommonEnv.extend(IngestEnv.shape), env));
export const loadDetectorConfig = (env: NodeJS.ProcessEnv): DetectorConfig => parseEnv(CommonEnv.extend(DetectorEnv.shape), env);
export const loadAlerterConfig = (env: NodeJS.ProcessEnv): AlerterConfig => parseEnv(CommonEnv.extend(AlerterEnv.shape), env);
export const loadApiConfig = (env: NodeJS.ProcessEnv): ApiConfig => parseEnv(CommonEnv.extend(ApiEnv.shape), env);
export const loadStandaloneConfig = (env: NodeJS.ProcessEnv): StandaloneConfig =>
  checkIngest(parseEnv(CommonEnv.extend(IngestEnv.shape).extend(DetectorEnv.shape).extend(AlerterEnv.shape).extend(ApiEnv.shape), env));

function checkIngest<C extends IngestConfig>(config: C): C {
  if (config.OKTA_ORG_URL && !config.OKTA_API_TOKEN) {
    throw new ConfigError(['OKTA_API_TOKEN: required when OKTA_ORG_URL is set']);
  }
  return config;
}

/** `name:role:hash,...` as the API's token list. */
export function parseApiTokens(value: string | undefined): Array<{ name: string; role: 'viewer' | 'responder' | 'admin' | 'auditor'; sha256: string }> {
  if (!value) return [];
  return value.split(',').map((entry) => {
    const [name, role, sha256] = entry.split(':') as [string, 'viewer' | 'responder' | 'admin' | 'auditor', string];
    return { name, role, sha256 };
  });
}
