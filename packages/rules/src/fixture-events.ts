import {
  ALERT_FINGERPRINT,
  ALERT_SEVERITY,
  ALERT_STARTS_AT,
  BACKUP_STATE,
  CHANGE,
  JOB_ID,
  OCSF_CLASS_BY_KIND,
  REGION,
  type Change,
  type Entity,
  type EventKind,
  type Outcome,
  type VigilEvent,
} from '@vigil/schema';

/**
 * Fixture events start here: an hour before `ManualClock`'s default reading, so a detector on a
 * default manual clock takes them as recent rather than from the future.
 */
export const FIXTURE_EPOCH_MS = Date.parse('2025-12-31T23:00:00.000Z');

export const SECOND = 1_000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** An event time `offsetMs` after the fixture epoch. */
export function fixtureTime(offsetMs: number): string {
  return new Date(FIXTURE_EPOCH_MS + offsetMs).toISOString();
}

interface FixtureEventSpec {
  id: string;
  /** Milliseconds after the fixture epoch. */
  at: number;
  outcome: Outcome;
}

type Attributes = VigilEvent['attributes'];

function event(spec: {
  id: string;
  source: string;
  kind: EventKind;
  action: string;
  at: number;
  entity: Entity;
  outcome: Outcome;
  actor?: VigilEvent['actor'];
  attributes?: Attributes;
}): VigilEvent {
  const time = fixtureTime(spec.at);
  return {
    id: `${spec.source}:${spec.id}`,
    source: spec.source,
    kind: spec.kind,
    action: spec.action,
    ocsfClassUid: OCSF_CLASS_BY_KIND[spec.kind],
    time,
    receivedAt: time,
    entity: spec.entity,
    outcome: spec.outcome,
    actor: spec.actor ?? {},
    attributes: spec.attributes ?? {},
    raw: { id: spec.id },
  };
}

/** A sign-in as the Okta normaliser produces it (another source with `source`). */
export function signIn(
  spec: FixtureEventSpec & { user: string; ip?: string; source?: string; attributes?: Attributes },
): VigilEvent {
  return {
    ...event({
      id: spec.id,
      source: spec.source ?? 'okta',
      kind: 'authentication',
      action: 'user.session.start',
      at: spec.at,
      entity: { type: 'user', id: spec.user },
      outcome: spec.outcome,
      actor: { user: spec.user, ip: spec.ip ?? '203.0.113.7' },
      attributes: spec.attributes ?? {},
    }),
    raw: { uuid: spec.id },
  };
}

/** One probe result for a service. */
export function uptimeCheck(spec: FixtureEventSpec & { service: string; region?: string }): VigilEvent {
  return {
    ...event({
      id: spec.id,
      source: 'prober',
      kind: 'uptime_check',
      action: 'http.check',
      at: spec.at,
      entity: { type: 'service', id: spec.service },
      outcome: spec.outcome,
      attributes: { [REGION]: spec.region ?? 'eu-west-1' },
    }),
    raw: { check: spec.id },
  };
}

/**
 * One alert of an Alertmanager delivery as the normaliser makes it: failure at its start while it fires,
 * success at its end once resolved; the id names the alert instance and its status, as Alertmanager's do.
 */
export function alertEvent(spec: {
  fingerprint: string;
  service: string;
  startsAt: number;
  /** Set for a resolved alert. */
  endsAt?: number;
  severity?: string;
}): VigilEvent {
  const firing = spec.endsAt === undefined;
  const startsAt = fixtureTime(spec.startsAt);
  const status = firing ? 'firing' : 'resolved';
  return {
    ...event({
      id: `${spec.fingerprint}:${startsAt}:${status}`,
      source: 'alertmanager',
      kind: 'uptime_check',
      action: 'alert:ServiceDown',
      at: spec.endsAt ?? spec.startsAt,
      entity: { type: 'service', id: spec.service },
      outcome: firing ? 'failure' : 'success',
      attributes: {
        [ALERT_FINGERPRINT]: spec.fingerprint,
        [ALERT_STARTS_AT]: startsAt,
        [ALERT_SEVERITY]: spec.severity ?? 'critical',
      },
    }),
    raw: { fingerprint: spec.fingerprint, status },
  };
}

/** An account change (`vigil.change`) by an admin, about `entity` (a user unless said otherwise). */
export function accountChange(spec: {
  id: string;
  at: number;
  /** Absent for a change the vocabulary has no word for (a member's roles edited). */
  change?: Change;
  entity: Entity;
  actor?: string;
  outcome?: Outcome;
  source?: string;
  kind?: 'account_change' | 'api_activity';
  attributes?: Attributes;
}): VigilEvent {
  return event({
    id: spec.id,
    source: spec.source ?? 'okta',
    kind: spec.kind ?? 'account_change',
    action: spec.change ?? 'update',
    at: spec.at,
    entity: spec.entity,
    outcome: spec.outcome ?? 'success',
    actor: { user: spec.actor ?? 'admin@example.com', ip: '198.51.100.4' },
    attributes: { ...(spec.change ? { [CHANGE]: spec.change } : {}), ...spec.attributes },
  });
}

/** An API call by `user` (CloudTrail, GitHub, ...). */
export function apiCall(spec: {
  id: string;
  at: number;
  user: string;
  source?: string;
  outcome?: Outcome;
  attributes?: Attributes;
  ip?: string;
}): VigilEvent {
  return event({
    id: spec.id,
    source: spec.source ?? 'cloudtrail',
    kind: 'api_activity',
    action: 'DescribeInstances',
    at: spec.at,
    entity: { type: 'resource', id: 'ec2' },
    outcome: spec.outcome ?? 'success',
    actor: { user: spec.user, ip: spec.ip ?? '198.51.100.9' },
    attributes: spec.attributes ?? {},
  });
}

/** A log shipper's heartbeat: the entity is the source itself. */
export function heartbeat(spec: { id: string; at: number; source: string }): VigilEvent {
  return event({
    id: spec.id,
    source: spec.source,
    kind: 'heartbeat',
    action: 'heartbeat',
    at: spec.at,
    entity: { type: 'source', id: spec.source },
    outcome: 'success',
  });
}

/** A backup job's result for `resource`. */
export function backupJob(spec: {
  id: string;
  at: number;
  resource: string;
  outcome: Outcome;
  state?: string;
  jobId?: string;
}): VigilEvent {
  const state = spec.state ?? (spec.outcome === 'success' ? 'completed' : 'failed');
  return event({
    id: spec.id,
    source: 'aws-backup',
    kind: 'backup',
    action: `backup.${state}`,
    at: spec.at,
    entity: { type: 'resource', id: spec.resource },
    outcome: spec.outcome,
    attributes: { [BACKUP_STATE]: state, [JOB_ID]: spec.jobId ?? spec.id },
  });
}

/** A restore test's result for `resource`. */
export function restoreTest(spec: {
  id: string;
  at: number;
  resource: string;
  outcome: Outcome;
}): VigilEvent {
  return event({
    id: spec.id,
    source: 'restore-tests',
    kind: 'restore_test',
    action: 'restore.test',
    at: spec.at,
    entity: { type: 'resource', id: spec.resource },
    outcome: spec.outcome,
    attributes: { [JOB_ID]: spec.id },
  });
}
