export {
  SOURCE_FORMATS,
  SourceFormat,
  SourcesFile,
  parseSourcesConfig,
  loadSourcesConfig,
} from './source-config';
export type { SourceDefinition, SourceAuthConfig } from './source-config';
export { readSourceIntervals } from './source-intervals';
export {
  authenticate,
  constantTimeEqual,
  hmacSignature,
  githubSignature,
  GITHUB_SIGNATURE_HEADER,
  standardWebhookSignature,
  STANDARD_WEBHOOK_HEADERS,
} from './authenticate';
export type { AuthResult } from './authenticate';
export { parseJsonBody } from './json-body';
export type { Normalizer, NormalizeResult, NormalizeContext, DeliveryMeta } from './normalizer';
export { GenericEvent, genericNormalizer, MAX_BATCH_ITEMS } from './generic-normalizer';
export { OktaLogEvent, oktaNormalizer } from './okta-normalizer';
export { AlertmanagerAlert, alertmanagerNormalizer } from './alertmanager-normalizer';
export { AwsBackupEvent, BACKUP_STATES, VigilBackupRecord, backupNormalizer } from './backup-normalizer';
export { CloudTrailRecord, cloudtrailNormalizer } from './cloudtrail-normalizer';
export {
  GithubAuditEvent,
  GithubWebhookPayload,
  githubNormalizer,
  GITHUB_EVENT_HEADER,
  GITHUB_DELIVERY_HEADER,
} from './github-normalizer';
export { DeliveryIdGuard } from './github-delivery-guard';
export { GoogleActivity, googleWorkspaceNormalizer } from './google-workspace-normalizer';
export { heartbeatEntity } from './heartbeat';
export { cloudflareNormalizer } from './cloudflare/cloudflare-normalizer';
export { startCloudflarePoller } from './cloudflare/cloudflare-poller';
export { loadIpCountryFile, parseIpCountryCsv } from './ip-country-table';
export type { CountryLookup } from './ip-country-table';
export type {
  CloudflarePoller,
  CloudflarePollerOptions,
  CloudflarePollerStats,
} from './cloudflare/cloudflare-poller';
export { NORMALIZERS } from './normalizers';
export { ingestDelivery } from './ingest-delivery';
export type { DeadLetterCode, DeliveryOutcome, RejectedItem } from './ingest-delivery';
export { RateLimiter } from './rate-limiter';
export { buildIngestServer } from './ingest-server';
export type { IngestServerOptions } from './ingest-server';
export { startProber } from './prober/prober';
export type { Prober, ProberOptions, ProberStats } from './prober/prober';
export { ProberFile, loadProberConfig, parseProberConfig } from './prober/prober-config';
export type { HttpCheck, ProbeCheck, TcpCheck } from './prober/prober-config';
export { runCheck } from './prober/run-check';
export type { CheckResult } from './prober/run-check';
export { startOktaPoller } from './okta-poller/okta-poller';
export type { OktaPoller, OktaPollerOptions, OktaPollerStats } from './okta-poller/okta-poller';
export { ensureOktaPollerSchema } from './okta-poller/cursor-store';
export type { SqlPool } from './okta-poller/cursor-store';
export { replayFile, ReplayReadError } from './replay/replay-file';
export { replayCli } from './replay/replay-cli';
export type { ReplayCliDeps } from './replay/replay-cli';
export type { ReplayOptions, ReplayProblem, ReplaySummary } from './replay/replay-file';
