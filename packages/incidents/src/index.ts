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
export { decideDetection, systemActor } from './detection-decision';
export type {
  ActiveIncident,
  DetectionDecision,
  IncidentResolution,
  IncidentUpdate,
  NewIncident,
  TimelineDraft,
} from './detection-decision';
export { GENESIS_HASH, timelineHash } from './timeline-hash';
export type { TimelineContent } from './timeline-hash';
export { canonicalJson } from './canonical-json';
export { UnknownNotificationError, NOTIFIER_ACTOR } from './notification-outbox';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './incident-queries';
export type {
  ApplyOptions,
  ApplyOutcome,
  ApplyResult,
  ChainVerification,
  CommunicationEntry,
  DetectionApplier,
  EvidenceEntry,
  IncidentDetail,
  IncidentPage,
  IncidentQueries,
  IncidentRecord,
  ListIncidentsQuery,
  NotificationDetail,
  TimelineEntry,
} from './incident-types';
