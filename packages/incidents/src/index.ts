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
