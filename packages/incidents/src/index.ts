export { INCIDENT_STATUSES } from './notification-store';
export type {
  IncidentStatus,
  IncidentView,
  NotificationRecord,
  DeliveredMessage,
  NotificationStore,
  LoadedNotification,
} from './notification-store';
export { PgIncidentStore } from './pg-incident-store';
export type { PgIncidentStoreOptions, RegisterMetrics } from './pg-incident-store';
export { migrate, MigrationError, DEFAULT_MIGRATIONS_DIR } from './migrate';
export type { MigrateOptions, MigrateResult } from './migrate';
export {
  decideDetection,
  systemActor,
  DEFAULT_DETECTION_POLICY,
  DEFAULT_REOPEN_WINDOW_MS,
  DEFAULT_HISTORICAL_AFTER_MS,
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
export { pairOutages, SERVICE_DOWN_RULE_ID } from './availability/outage-intervals';
export type { OutageIncident, OutageSpan, OutageTransition } from './availability/outage-intervals';
export { coverageSegments, recordChecks } from './availability/check-coverage';
export { BreachReconciler, reconcileBreaches } from './availability/breach-reconciler';
export type { BreachReconcilerOptions, ReconcileOutcome } from './availability/breach-reconciler';
export { breachDedupKey } from './availability/breach-verdict';
export type { CoverageSegment, ServiceCheck } from './availability/check-coverage';
export {
  MAX_PERIOD_DAYS,
  MONTH_PATTERN,
  monthContaining,
  monthLabel,
  monthPeriod,
  utcDays,
} from './availability/periods';
export {
  DEFAULT_MINIMUM_COVERAGE,
  NO_SERVICES,
  ServiceId,
  ServicesFile,
  parseServicesConfig,
} from './availability/services-config';
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
  ObjectiveStanding,
  OutageContribution,
  OutageEnd,
  PeriodProjection,
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
  buildEvidenceBundle,
  MANIFEST_FILE,
  sampleFromPopulation,
  writeEvidenceBundle,
} from './audit/evidence-bundle';
export type { BundleFile, BundleManifest, BundleProof, EvidenceBundle } from './audit/evidence-bundle';
// The register proving itself: signed checkpoints of its Merkle tree, witnesses, and rows as timeline folds.
export { MerkleTree, EMPTY_ROOT } from './proof/merkle-tree';
export { CheckpointLog, RegisterRewrittenError, toSignedCheckpoint } from './proof/checkpoint-log';
export type { CheckpointLogOptions, CheckpointReason, InclusionProof } from './proof/checkpoint-log';
export { loadRegisterSigner, registerSigner, SigningKeyError } from './proof/register-signer';
export type { RegisterSigner, SigningKeySource } from './proof/register-signer';
export { fileWitness, publishPendingCheckpoints, WITNESS_FILE } from './proof/witness';
export type { PublishOptions, Witness } from './proof/witness';
export {
  CheckpointScheduler,
  DEFAULT_CHECKPOINT_INTERVAL_MS,
  DEFAULT_WITNESS_INTERVAL_MS,
} from './proof/checkpoint-scheduler';
export type { CheckpointSchedulerOptions } from './proof/checkpoint-scheduler';
export { checkRows, compareRow, describeDifference, foldTimeline, FOLDED_COLUMNS } from './proof/row-fold';
export type { FoldedColumn, FoldedState, RowCheck, RowDifference } from './proof/row-fold';
export type { CheckpointHistory, SignedCheckpoint } from '../../../tools/verify-bundle.mjs';
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
// Findings out: OCSF on Kafka.
export { findingsForEntry } from './findings/ocsf-mapping';
export { DEFAULT_FINDINGS_INTERVAL_MS, OcsfFindingsPublisher } from './findings/ocsf-publisher';
export type { OcsfFindingsPublisherOptions } from './findings/ocsf-publisher';
// Evidence that outlives the stream: event payloads kept in the register, purged only on record.
export { EVIDENCE_PER_INCIDENT, payloadHash } from './evidence/evidence-keeper';
export type { EvidenceRecord, KeptPayloadRef } from './evidence/evidence-keeper';
export {
  DEFAULT_EVIDENCE_PURGE_INTERVAL_MS,
  DEFAULT_EVIDENCE_RETENTION_DAYS,
  EvidenceRetention,
  RETENTION_ACTOR,
} from './evidence/evidence-retention';
export type { EvidenceRetentionOptions, PurgeRound } from './evidence/evidence-retention';
export type { EvidencePayloadEntry, EvidencePurgeEntry, IncidentPayloads } from './evidence/evidence-payloads';
// Findings out to webhooks and PagerDuty: the register's outbox of deliveries.
export { PgOutboundStore } from './outbound/outbound-store';
export type { DueDelivery, OutboundMessage, OutboundRouter } from './outbound/outbound-store';
// Vendors: their CUECs as monitored controls, and notifying them as a response duty.
export { CUEC_DUTIES, NO_VENDORS, VendorsFile, loadVendorsConfig, parseVendorsConfig, vendorOfEvent } from './vendors/vendors-file';
export type { CuecDefinition, VendorDefinition, VendorsConfig } from './vendors/vendors-file';
export { recordVendorNotification, vendorDutyOf, vendorNotificationsOf } from './vendors/vendor-notifications';
export type { VendorDuty, VendorNotification, VendorNotificationInput } from './vendors/vendor-notifications';
export { buildCuecReport, cuecReportCsv, cuecReportText } from './vendors/cuec-report';
export type { CuecException, CuecGap, CuecReport, CuecResult } from './vendors/cuec-report';
export { cuecReportCommand, CUEC_REPORT_USAGE } from './vendors/cuec-report-command';
