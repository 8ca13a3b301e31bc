import { Category, CRITERION_PATTERN, Detection, EvidenceRef, MAX_OBSERVED, Severity } from './detection';
import { ENTITY_KEYS, attributes, entity, isRecord, onlyKeys, safeString, timestamp } from './event-check';

/**
 * The detector's hand-written check of a `Detection` (without payloads), as `isExactVigilEvent` is
 * for events: zod's parse of a detection allocated about 9 KB each, most of what encoding a
 * detection cost. It hands back the detection with its keys in the schema's order, as zod's parse
 * would, only when zod would accept it and change nothing else (no unknown keys to strip, no
 * defaults to fill, no payloads); otherwise undefined, and the caller asks zod, which has the last
 * word and the error messages. `detection-check.test.ts` and the catalog's fixtures hold the two
 * side by side.
 */
export function exactDetection(value: unknown): Detection | undefined {
  if (!isRecord(value) || !onlyKeys(value, DETECTION_KEYS)) return undefined;
  const d = value;
  const ok =
    safeString(d.id, 1, 700) &&
    nonEmpty(d.ruleId) &&
    typeof d.ruleVersion === 'number' &&
    Number.isSafeInteger(d.ruleVersion) &&
    d.ruleVersion > 0 &&
    (d.status === 'firing' || d.status === 'resolved') &&
    safeString(d.title, 1, Infinity) &&
    safeString(d.summary, 0, Infinity) &&
    Array.isArray(d.criteria) &&
    d.criteria.length > 0 &&
    d.criteria.every((c) => typeof c === 'string' && CRITERION_PATTERN.test(c)) &&
    typeof d.category === 'string' &&
    CATEGORIES.has(d.category) &&
    typeof d.severity === 'string' &&
    SEVERITIES.has(d.severity) &&
    safeString(d.dedupKey, 1, 600) &&
    entity(d.entity) &&
    nonEmpty(d.ownerKey) &&
    timestamp(d.firstEventAt) &&
    timestamp(d.detectedAt) &&
    Array.isArray(d.evidence) &&
    d.evidence.length > 0 &&
    d.evidence.every(evidenceRef) &&
    d.payloads === undefined &&
    d.attributes !== undefined &&
    attributes(d.attributes) &&
    (d.ruleConfig === undefined || ruleConfig(d.ruleConfig)) &&
    (d.burst === undefined || burst(d.burst)) &&
    (d.observed === undefined || observed(d.observed));
  if (!ok) return undefined;
  // The schema's order, as zod writes it; an optional key left out stays out.
  const out: Record<string, unknown> = {};
  for (const key of DETECTION_KEYS) if (d[key] !== undefined) out[key] = NESTED[key]?.(d[key]) ?? d[key];
  return out as Detection;
}

/** Each object's keys in the schema's order, read from the schema itself. */
const keysOf = (shape: object): ReadonlySet<string> => new Set(Object.keys(shape));
const DETECTION_KEYS = keysOf(Detection.shape);
const REF_KEYS = keysOf(EvidenceRef.shape);
const RULE_CONFIG_KEYS = keysOf(Detection.shape.ruleConfig.unwrap().shape);
const BURST_KEYS = keysOf(Detection.shape.burst.unwrap().shape);
const OBSERVED_KEYS = keysOf(Detection.shape.observed.unwrap().shape);
const CATEGORIES: ReadonlySet<string> = new Set(Category.options);
const SEVERITIES: ReadonlySet<string> = new Set(Severity.options);

function nonEmpty(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

function count(value: unknown, min: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

function evidenceRef(value: unknown): boolean {
  if (!isRecord(value) || !onlyKeys(value, REF_KEYS)) return false;
  return (
    nonEmpty(value.eventId) &&
    nonEmpty(value.topic) &&
    count(value.partition, 0) &&
    typeof value.offset === 'string' &&
    /^\d+$/.test(value.offset) &&
    timestamp(value.time)
  );
}

function burst(value: unknown): boolean {
  if (!isRecord(value) || !onlyKeys(value, BURST_KEYS)) return false;
  return safeString(value.id, 1, 300) && count(value.events, 1) && typeof value.continuation === 'boolean';
}

function observed(value: unknown): boolean {
  if (!isRecord(value) || !onlyKeys(value, OBSERVED_KEYS)) return false;
  const list = (items: unknown, max: number) =>
    Array.isArray(items) && items.length <= MAX_OBSERVED && items.every((item) => safeString(item, 0, max));
  return list(value.ips, 64) && list(value.userAgents, 256);
}

function ruleConfig(value: unknown): boolean {
  if (!isRecord(value) || !onlyKeys(value, RULE_CONFIG_KEYS)) return false;
  if (value.rulesHash !== undefined && !(typeof value.rulesHash === 'string' && /^[0-9a-f]{64}$/.test(value.rulesHash)))
    return false;
  if (!isRecord(value.parameters)) return false;
  for (const key in value.parameters) if (!json(value.parameters[key], 0)) return false;
  return true;
}

/** Plain JSON a few levels deep: strings, finite numbers, booleans, null, arrays and plain objects. */
function json(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (depth >= 16) return false;
  if (Array.isArray(value)) return value.every((item) => json(item, depth + 1));
  if (!isRecord(value)) return false;
  for (const key in value) if (!Object.hasOwn(value, key) || !json(value[key], depth + 1)) return false;
  return true;
}

/** Nested objects of a fixed shape, rebuilt in the schema's order; records keep the order they came in. */
const NESTED: Partial<Record<string, (value: unknown) => unknown>> = {
  entity: (v) => pick(v, ENTITY_KEYS),
  evidence: (v) => (v as unknown[]).map((ref) => pick(ref, REF_KEYS)),
  ruleConfig: (v) => pick(v, RULE_CONFIG_KEYS),
  burst: (v) => pick(v, BURST_KEYS),
  observed: (v) => pick(v, OBSERVED_KEYS),
};

function pick(value: unknown, keys: ReadonlySet<string>): Record<string, unknown> {
  const from = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of keys) if (from[key] !== undefined) out[key] = from[key];
  return out;
}
