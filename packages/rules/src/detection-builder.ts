import { createHash } from 'node:crypto';
import { CHANGE, type Detection, type Entity, type EvidenceRef, type VigilEvent } from '@vigil/schema';
import type { StreamPosition } from './evidence';
import type { Rule } from './rule';

const MAX_DETECTION_ID = 700;

/**
 * `<ruleId>:<dedupKey>:<triggering event id>[:<suffix>]`, so a redelivery repeats it exactly and the
 * alerter can drop repeats. Ids that would pass the schema's limit keep the rule id and hash the rest.
 */
export function detectionId(ruleId: string, dedupKey: string, eventId: string, suffix?: string): string {
  const tail = suffix ? `:${suffix}` : '';
  const id = `${ruleId}:${dedupKey}:${eventId}${tail}`;
  if (id.length <= MAX_DETECTION_ID) return id;
  const digest = createHash('sha256').update(`${dedupKey}\u0000${eventId}`).digest('hex');
  return `${ruleId}:sha256:${digest}${tail}`;
}

/** The id suffix of a deadline firing: with the arming event's id, it names the firing for good. */
export function deadlineSuffix(dueMs: number): string {
  return `deadline:${isoTime(dueMs)}`;
}

export type DetectionBase = Pick<
  Detection,
  'ruleId' | 'ruleVersion' | 'criteria' | 'category' | 'severity' | 'dedupKey' | 'entity' | 'ownerKey' | 'ruleConfig'
>;

const ruleConfigs = new WeakMap<object, NonNullable<Detection['ruleConfig']>>();

/** The parameters in force (as JSON) and the rules configuration's hash; computed once per configured rule. */
export function ruleConfigOf<P>(rule: Rule<P>): NonNullable<Detection['ruleConfig']> {
  let config = ruleConfigs.get(rule);
  if (!config) {
    const parameters = JSON.parse(JSON.stringify(rule.params ?? {})) as Record<string, never>;
    config = { parameters, ...(rule.rulesHash ? { rulesHash: rule.rulesHash } : {}) };
    ruleConfigs.set(rule, config);
  }
  return config;
}

/** The fields every detection of `rule` about `event` shares, with overrides (severity, owner) applied. */
export function detectionBase<P>(rule: Rule<P>, event: VigilEvent, entity?: Entity): DetectionBase {
  const about = entity ?? event.entity;
  return {
    ruleId: rule.id,
    ruleVersion: rule.version,
    criteria: [...rule.criteria],
    category: rule.category,
    severity: rule.severity,
    dedupKey: rule.dedupKey(event),
    entity: { type: about.type, id: about.id },
    ownerKey: rule.ownerKey(event),
    ruleConfig: ruleConfigOf(rule),
  };
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Where `event` sits in the stream, as evidence. */
export function eventEvidence(event: VigilEvent, position: StreamPosition): EvidenceRef {
  return {
    eventId: event.id,
    topic: position.topic,
    partition: position.partition,
    offset: position.offset,
    time: event.time,
  };
}

/** A detection caused by one event alone (no state): its id, times and evidence come from the event. */
export function singleEventDetection<P>(
  rule: Rule<P>,
  event: VigilEvent,
  position: StreamPosition,
  detail: { title: string; summary: string; attributes: Detection['attributes']; entity?: Entity },
): Detection {
  const base = detectionBase(rule, event, detail.entity);
  return {
    id: detectionId(rule.id, base.dedupKey, event.id),
    ...base,
    status: 'firing',
    title: detail.title,
    summary: detail.summary,
    firstEventAt: event.time,
    // When ingest received it, not the detector's clock: a redelivery must rebuild it byte for byte.
    detectedAt: event.receivedAt,
    evidence: [eventEvidence(event, position)],
    attributes: detail.attributes,
  };
}

/** `attributes['vigil.change']` of an account change or API call, when it is a string. */
export function changeOf(event: VigilEvent): string | undefined {
  if (event.kind !== 'account_change' && event.kind !== 'api_activity') return undefined;
  const change = event.attributes[CHANGE];
  return typeof change === 'string' ? change : undefined;
}

/** An attribute as a string, or undefined. */
export function stringAttribute(event: VigilEvent, key: string): string | undefined {
  const value = event.attributes[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Who did it, for the summary: the actor, or `an unknown actor`. */
export function actorText(event: VigilEvent): string {
  const { user, ip } = event.actor;
  if (user && ip) return `${user} (from ${ip})`;
  return user ?? (ip ? `an actor at ${ip}` : 'an unknown actor');
}

/** Parses an entity key (`type:id`) back; a scope that is not one becomes a resource. */
export function entityFromKey(key: string): Entity {
  const at = key.indexOf(':');
  const type = key.slice(0, at);
  const id = key.slice(at + 1);
  const types: readonly string[] = ['user', 'ip', 'service', 'source', 'account', 'resource'];
  if (at <= 0 || id.length === 0 || !types.includes(type)) return { type: 'resource', id: key };
  return { type: type as Entity['type'], id };
}

/**
 * The event a deadline firing stands for: the arming event as far as the firing knows it (id, time,
 * entity, source). Lets `dedupKey` and `ownerKey` (and their overrides) work for firings too.
 */
export function firingEvent(evidence: EvidenceRef, entity: Entity, source: string): VigilEvent {
  return {
    id: evidence.eventId,
    source,
    kind: 'heartbeat',
    action: 'deadline',
    ocsfClassUid: 0,
    time: evidence.time,
    receivedAt: evidence.time,
    entity,
    outcome: 'unknown',
    actor: {},
    attributes: {},
    raw: null,
  };
}
