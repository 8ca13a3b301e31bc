export { INCIDENT_STATUSES } from './notification-store';
export type {
  IncidentStatus,
  IncidentView,
  NotificationRecord,
  DeliveredMessage,
  NotificationStore,
} from './notification-store';
export { PgIncidentStore } from './pg-incident-store';
export type { PgIncidentStoreOptions } from './pg-incident-store';
export { migrate, MigrationError, DEFAULT_MIGRATIONS_DIR } from './migrate';
export type { MigrateOptions, MigrateResult } from './migrate';
export {
  decideDetection,
  systemActor,
  DEFAULT_DETECTION_POLICY,
  DEFAULT_REOPEN_WINDOW_MS,
} from './detection-decision';
export type {
  DetectionDecision,
  DetectionPolicy,
  IncidentResolution,
  IncidentUpdate,
  LatestIncident,
  NewIncident,
  TimelineDraft,
} from './detection-decision';
export {
  INCIDENT_ACTIONS,
  ACTION_FIELDS,
  allowedActions,
  canReopen,
  incidentRef,
  isTerminal,
  nextStatus,
  planAction,
  refusalMessage,
} from './incident-lifecycle';
export type {
  IncidentAction,
  LifecycleDecision,
  LifecyclePlan,
  LifecycleRefusal,
  LifecycleStamp,
} from './incident-lifecycle';
export {
  AcknowledgeFields,
  Actor,
  CloseFields,
  CommentFields,
  ContainFields,
  DismissFields,
  FollowUp,
  HttpUrl,
  IncidentDetailsPatch,
  ResolveFields,
  inputErrors,
} from './incident-inputs';
export type { ActionFields, IncidentDetailsPatchInput } from './incident-inputs';
export { IdempotencyKeyReusedError, IllegalTransitionError, IncidentNotFoundError } from './incident-errors';
export {
  DEFAULT_RESPONSE_TARGETS,
  ResponseTarget,
  ResponseTargets,
  responseDeadlines,
} from './response-targets';
export type { ResponseDeadlines } from './response-targets';
export { verifyChainCommand } from './cli/verify-chain-command';
export type { VerifyChainCommandOptions } from './cli/verify-chain-command';
export { GENESIS_HASH, timelineHash } from './timeline-hash';
export type { TimelineContent } from './timeline-hash';
export { canonicalJson } from './canonical-json';
export { UnknownNotificationError, NOTIFIER_ACTOR } from './notification-outbox';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './incident-queries';
export type {
  ActionOptions,
  ApplyOptions,
  ApplyOutcome,
  ApplyResult,
  BrokenEntry,
  ChainVerification,
  ChainVerifier,
  CommunicationEntry,
  DetectionApplier,
  EvidenceEntry,
  IncidentCommands,
  IncidentDetail,
  IncidentPage,
  IncidentQueries,
  IncidentRecord,
  ListIncidentsQuery,
  NotificationDetail,
  TimelineEntry,
  TransitionInput,
  TransitionResult,
} from './incident-types';
export { PgAvailabilityStore } from './availability/pg-availability-store';
export type { PgAvailabilityStoreOptions } from './availability/pg-availability-store';
export { availabilityFigures } from './availability/availability-figures';
export type { AvailabilityInput } from './availability/availability-figures';
export { clip, normalise, subtract, totalMs } from './availability/intervals';
export type { Interval } from './availability/intervals';
export { outageSpan, SERVICE_DOWN_RULE_ID } from './availability/outage-spans';
export type { OutageSpan } from './availability/outage-spans';
export {
  MAX_PERIOD_DAYS,
  MONTH_PATTERN,
  monthContaining,
  monthLabel,
  monthPeriod,
  utcDays,
} from './availability/periods';
export { NO_SERVICES, ServiceId, parseServicesConfig } from './availability/services-config';
export type { ServiceCommitment, ServicesConfig } from './availability/services-config';
export { MAX_MAINTENANCE_DAYS, MaintenanceDeclaration } from './availability/maintenance-windows';
export type {
  AvailabilityPeriod,
  AvailabilityStore,
  CountedInterval,
  DailyAvailability,
  MaintenanceDeclarationInput,
  MaintenanceQuery,
  MaintenanceWindow,
  ObjectiveFigures,
  OutageContribution,
  OutageEnd,
  ServiceAvailability,
} from './availability/availability-types';
// Auditor views: a period's population with its completeness checks, summary, report, sample, bundle.
export { PgAuditRegister } from './audit/pg-audit-register';
export type { AuditRegister, PgAuditRegisterOptions } from './audit/pg-audit-register';
export { AuditPeriodInput, auditPeriod, compactTime } from './audit/audit-period';
export { POPULATION_SQL } from './audit/audit-queries';
export { summarisePopulation, SUMMARY_DEFINITIONS } from './audit/audit-summary';
export {
  POPULATION_CSV_HEADER,
  populationCsv,
  populationDocument,
  queryText,
  recordOnly,
  sampleDocument,
  timelinesDocument,
} from './audit/population-files';
export { renderAuditReport } from './audit/audit-report';
export type { AuditReportInput } from './audit/audit-report';
export { csvCell, toCsv } from './audit/csv';
export type { CsvValue } from './audit/csv';
export {
  drawSample,
  sampleRank,
  SAMPLE_METHOD,
  SampleSeed,
  SampleSize,
  SIZE_TABLE,
  tableSampleSize,
} from './audit/sampling';
export type { SampleChoice } from './audit/sampling';
export {
  BundleManifest,
  BundleUnreadableError,
  buildEvidenceBundle,
  MANIFEST_FILE,
  sampleFromPopulation,
  verifyEvidenceBundle,
  writeEvidenceBundle,
} from './audit/evidence-bundle';
export type { BundleCheck, BundleFile, EvidenceBundle } from './audit/evidence-bundle';
export { EXPORT_FORMATS, EXPORT_KINDS, MAX_EXPORTS_PAGE } from './audit/export-log';
export type { ExportFormat, ExportKind, ExportPage, ExportRecord, NewExportRecord } from './audit/export-log';
export { connectRegister } from './audit/register-connection';
export { exportBundleCommand } from './audit/cli/export-bundle-command';
export type { ExportBundleCommandOptions } from './audit/cli/export-bundle-command';
export { verifyBundleCommand } from './audit/cli/verify-bundle-command';
export type { VerifyBundleCommandOptions } from './audit/cli/verify-bundle-command';
export type {
  AuditedIncident,
  AuditPeriod,
  AuditPopulation,
  AuditQuery,
  AuditSample,
  AuditSummary,
  Dc4Candidate,
  DismissedDetection,
  DurationFigures,
  IncidentEvidence,
  IncidentMention,
  PopulationCounts,
  SequenceCheck,
  TargetFigures,
} from './audit/audit-types';
export { RESPONSE_FINDINGS, RESPONSE_TIMER_ACTOR } from './response-findings';
export type { ResponseFindingKind, ResponseFindingInput } from './response-findings';
