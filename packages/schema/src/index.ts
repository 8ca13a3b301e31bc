export {
  EVENT_KINDS,
  EventKind,
  OCSF_CLASS_BY_KIND,
  EntityType,
  Entity,
  Outcome,
  Timestamp,
  SOURCE_NAME,
  VigilEvent,
  entityKey,
} from './event';
export { Severity, Category, Criterion, EvidenceRef, Detection } from './detection';
export { DeadLetter } from './dead-letter';
export { NotificationKind, NotificationJob } from './notification';
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
  CHECK_NAME,
  REGION,
  LATENCY_MS,
  ERROR,
  TLS_DAYS_LEFT,
  JOB_ID,
  BACKUP_STATE,
  RTO_SECONDS,
  RPO_SECONDS,
} from './conventions';
export type { Change } from './conventions';
