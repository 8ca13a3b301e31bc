export {
  EVENT_KINDS,
  EventKind,
  OCSF_CLASS_BY_KIND,
  EntityType,
  Entity,
  Outcome,
  Timestamp,
  PeriodBound,
  SOURCE_NAME,
  VigilEvent,
  entityKey,
  safeText,
  AttributeValue,
} from './event';
export { isExactVigilEvent } from './event-check';
export { exactDetection } from './detection-check';
export {
  Severity,
  Category,
  Criterion,
  EvidenceRef,
  EvidencePayload,
  Detection,
  MAX_OBSERVED,
} from './detection';
export {
  DeadLetter,
  DeadLetterError,
  DEAD_LETTER_LIMITS,
  boundedDeadLetter,
  boundedRaw,
} from './dead-letter';
export {
  jsonDepth,
  safeJsonText,
  unsafeTextReason,
  unsafeContent,
  escapeUnsafeText,
  textPrefix,
} from './json-safety';
export { DetectionFinding, IncidentFinding, OCSF_VERSION, OcsfFinding } from './ocsf-finding';
export { NotificationKind, NotificationJob, NotificationChange, NotificationFacts } from './notification';
export { TOPICS, topicNames } from './topics';
export type { TopicId, TopicMessage, TopicNames } from './topics';
export { fieldErrors } from './validate';
export type { FieldError } from './validate';
export {
  CHANGE,
  CHANGES,
  MFA_USED,
  ROOT,
  INTERFACE,
  USER_AGENT,
  USER_AGENT_MAX,
  TENANT,
  COUNTRY,
  ROLES,
  CREDENTIAL,
  CHECK_NAME,
  REGION,
  LATENCY_MS,
  ERROR,
  TLS_DAYS_LEFT,
  ALERT_FINGERPRINT,
  ALERT_STARTS_AT,
  ALERT_SEVERITY,
  isAlertEvent,
  isServiceCheck,
  JOB_ID,
  BACKUP_STATE,
  RTO_SECONDS,
  RPO_SECONDS,
  VENDOR,
} from './conventions';
export type { Change } from './conventions';
export { countryCode } from './country-code';
