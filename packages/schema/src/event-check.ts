import { EVENT_KINDS, SOURCE_NAME, Timestamp, type VigilEvent } from './event';
import { unsafeTextReason } from './json-safety';

/**
 * A hand-written check of `VigilEvent`, for the hot path: ingest checks every normalised event, and
 * zod's parse of the schema (refinements on every string, the timestamp regex) costs several times
 * the normaliser itself. It answers true only for a value that `VigilEvent.parse` accepts and hands
 * back unchanged (no unknown keys to strip, no defaults to fill); anything else — invalid, or valid
 * but not in that exact shape — answers false, and the caller asks zod, which has the last word and
 * the error messages. So the verdicts never differ from zod's; only the cost does.
 * `event-check.test.ts` holds the two side by side on valid events and poison.
 */
export function isExactVigilEvent(value: unknown): value is VigilEvent {
  if (!isRecord(value)) return false;
  let keys = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return false;
    if (!EVENT_KEYS.has(key)) return false;
    keys += 1;
  }
  if (keys !== EVENT_KEYS.size) return false;
  const e = value as Record<string, unknown>;
  return (
    safeString(e.id, 1, 300) &&
    typeof e.source === 'string' &&
    SOURCE_NAME.test(e.source) &&
    typeof e.kind === 'string' &&
    KINDS.has(e.kind) &&
    safeString(e.action, 1, 200) &&
    typeof e.ocsfClassUid === 'number' &&
    Number.isSafeInteger(e.ocsfClassUid) &&
    e.ocsfClassUid >= 0 &&
    timestamp(e.time) &&
    timestamp(e.receivedAt) &&
    entity(e.entity) &&
    typeof e.outcome === 'string' &&
    OUTCOMES.has(e.outcome) &&
    actor(e.actor) &&
    attributes(e.attributes)
  );
}

const EVENT_KEYS = new Set([
  'id',
  'source',
  'kind',
  'action',
  'ocsfClassUid',
  'time',
  'receivedAt',
  'entity',
  'outcome',
  'actor',
  'attributes',
  'raw',
]);
const KINDS = new Set<string>(EVENT_KINDS);
const ENTITY_TYPES = new Set(['user', 'ip', 'service', 'source', 'account', 'resource']);
const OUTCOMES = new Set(['success', 'failure', 'unknown']);

export function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export function safeString(value: unknown, min: number, max: number): boolean {
  return (
    typeof value === 'string' &&
    value.length >= min &&
    value.length <= max &&
    unsafeTextReason(value) === undefined
  );
}

/** A real instant in `toISOString`'s own form; any other form (offsets, no millis) is left to zod. */
export function timestamp(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  return isIsoUtcInstant(value) || Timestamp.safeParse(value).success;
}

/**
 * Whether `value` is exactly what `toISOString` writes for some instant of years 0000–9999
 * (`YYYY-MM-DDTHH:mm:ss.sssZ`, a day that exists in its month). Read digit by digit: the detector
 * checks two of these per event, and a round trip through `Date` allocated for each.
 */
export function isIsoUtcInstant(value: string): boolean {
  if (value.length !== 24) return false;
  for (let i = 0; i < 24; i++) {
    const c = value.charCodeAt(i);
    const want = ISO_SHAPE.charCodeAt(i);
    if (want === 100 /* d */ ? c < 48 || c > 57 : c !== want) return false;
  }
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return false;
  return digits(value, 11, 2) <= 23 && digits(value, 14, 2) <= 59 && digits(value, 17, 2) <= 59;
}

const ISO_SHAPE = 'dddd-dd-ddTdd:dd:dd.dddZ';

function digits(value: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) n = n * 10 + (value.charCodeAt(i) - 48);
  return n;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

export function onlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!Object.hasOwn(value, key) || !allowed.has(key)) return false;
  return true;
}

export const ENTITY_KEYS: ReadonlySet<string> = new Set(['type', 'id']);
export function entity(value: unknown): boolean {
  if (!isRecord(value) || !onlyKeys(value, ENTITY_KEYS)) return false;
  return typeof value.type === 'string' && ENTITY_TYPES.has(value.type) && safeString(value.id, 1, 512);
}

const ACTOR_KEYS = new Set(['user', 'ip']);
function actor(value: unknown): boolean {
  if (!isRecord(value) || !onlyKeys(value, ACTOR_KEYS)) return false;
  return (
    (value.user === undefined || safeString(value.user, 0, 512)) &&
    (value.ip === undefined || safeString(value.ip, 0, 64))
  );
}

export function attributes(value: unknown): boolean {
  if (!isRecord(value)) return false;
  for (const key in value) {
    if (!Object.hasOwn(value, key) || key === '__proto__' || unsafeTextReason(key) !== undefined)
      return false;
    const v = value[key];
    if (v === null || typeof v === 'boolean') continue;
    if (
      typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string' || unsafeTextReason(v) !== undefined
    )
      return false;
  }
  return true;
}
