import { encode, type OutgoingMessage } from '@vigil/bus';
import { DEAD_LETTER_LIMITS, Detection, boundedRaw, exactDetection, type EvidencePayload, type VigilEvent } from '@vigil/schema';

/**
 * How much of its events a detection carries. A detection is one Kafka record (1 MB by default), so it takes
 * at most the first and the last `perEnd` of its evidence, and stops adding once `totalBytes` would be passed;
 * a raw payload over 64 KiB is cut to a prefix (see `boundedRaw`). Whatever it does not carry stays a stream
 * reference in the register, counted.
 */
export const DETECTION_PAYLOAD_LIMITS = { perEnd: 10, totalBytes: 640 * 1024 } as const;

/** Default memory for events kept after their batch, so a window's earlier events can still be attached. */
export const DEFAULT_RECENT_EVENT_BYTES = 32 * 1024 * 1024;

/** Places stay below this, so that the Map holds small integers rather than a heap number each. */
const SMALL_INTEGER_LIMIT = 2 ** 30 - 1;

/**
 * The events this detector read most recently, by id, up to a size budget (their encoded size). A window rule
 * fires on its last event; the earlier ones came in earlier batches and are found here. Oldest go first; after
 * a restart or a partition move the earlier ones are simply not found (the register counts them as not kept).
 *
 * Each event is kept as its JSON text, which a detection carries as it is (see `encodeDetection`): tens of
 * thousands of decoded events would be millions of small objects for every full garbage collection to walk,
 * where a string is one.
 */
export class RecentEvents {
  /** Each remembered id's place: an absolute position in the ring below. */
  private readonly places = new Map<string, number>();
  /**
   * A ring of ids and texts in the order they were remembered, oldest at `start`, as two flat arrays (no
   * object per event for the collector to trace). A place left empty was remembered again since: a later
   * place holds it. Evicting from a Map's front instead leaves deleted slots that every new iteration walks
   * past again, which took a fifth of a busy detector's CPU.
   */
  private ids: Array<string | undefined> = new Array<string | undefined>(1024);
  private texts: Array<string | undefined> = new Array<string | undefined>(1024);
  private mask = 1023;
  private start = 0;
  private end = 0;
  private bytes = 0;

  /** `placeLimit`: where places start again at 0 (a test sets it low to exercise that). */
  constructor(
    private readonly maxBytes: number = DEFAULT_RECENT_EVENT_BYTES,
    private readonly placeLimit: number = SMALL_INTEGER_LIMIT,
  ) {}

  /** `text` is the event's JSON (its parse must equal the event); its length counts against the budget. */
  remember(id: string, text: string): void {
    const bytes = text.length;
    if (this.maxBytes <= 0 || bytes > this.maxBytes) return;
    const known = this.places.get(id);
    if (known !== undefined) {
      const slot = known & this.mask;
      this.bytes -= this.texts[slot]!.length;
      this.ids[slot] = undefined;
      this.texts[slot] = undefined;
    }
    // Full, or places about to leave V8's small integers (after about 10^9 events): compact and start again at 0.
    if (this.end - this.start > this.mask || this.end >= this.placeLimit) this.resize();
    const slot = this.end & this.mask;
    this.ids[slot] = id;
    this.texts[slot] = text;
    this.places.set(id, this.end++);
    this.bytes += bytes;
    while (this.bytes > this.maxBytes) {
      const oldest = this.start++ & this.mask;
      const oldId = this.ids[oldest];
      if (oldId === undefined) continue; // remembered again since
      this.places.delete(oldId);
      this.bytes -= this.texts[oldest]!.length;
      this.ids[oldest] = undefined;
      this.texts[oldest] = undefined;
    }
  }

  /**
   * When the ring is full: moves the live entries, in order, to the front of a ring with room for twice as
   * many, dropping the places left empty by ids remembered again (so those never grow it).
   */
  private resize(): void {
    const live = this.places.size;
    let capacity = 1024;
    while (capacity < 2 * live + 2) capacity *= 2;
    const ids = new Array<string | undefined>(capacity);
    const texts = new Array<string | undefined>(capacity);
    let at = 0;
    for (let place = this.start; place < this.end; place++) {
      const id = this.ids[place & this.mask];
      if (id === undefined) continue;
      ids[at] = id;
      texts[at] = this.texts[place & this.mask];
      this.places.set(id, at++);
    }
    this.ids = ids;
    this.texts = texts;
    this.mask = capacity - 1;
    this.start = 0;
    this.end = at;
  }

  /** The event's JSON text as remembered. */
  text(id: string): string | undefined {
    const place = this.places.get(id);
    return place === undefined ? undefined : this.texts[place & this.mask];
  }

  get size(): number {
    return this.places.size;
  }

  /** Slots the ring holds, used or not: what the memory costs beyond the texts. */
  get slots(): number {
    return this.mask + 1;
  }
}

/** The evidence refs a detection carries payloads for: the first and last `perEnd`, in evidence order. */
function endsOf<T>(items: readonly T[], perEnd: number): T[] {
  if (items.length <= perEnd * 2) return [...items];
  return [...items.slice(0, perEnd), ...items.slice(-perEnd)];
}

/** The payload as carried: the raw source payload cut when too large. */
export function toEvidencePayload(event: VigilEvent): EvidencePayload {
  const { raw, rawCapped } = boundedRaw(event.raw);
  return rawCapped ? { event: { ...event, raw }, rawCapped } : { event };
}

/** Where a detection's payloads come from: the JSON text of an event this detector read and validated. */
export interface EventTexts {
  text(eventId: string): string | undefined;
}

/** How many arrays and objects a JSON text opens at most: a bound on its depth, without parsing it. */
function openers(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) count++;
  }
  return count;
}

/**
 * One payload's JSON. An event whose whole text is within the raw limits (bytes, and depth bounded by
 * its brackets) cannot have a raw part to cut, so its text is carried as it is, unparsed; any other is
 * parsed and cut by `toEvidencePayload`.
 */
function payloadText(text: string): string {
  if (Buffer.byteLength(text, 'utf8') <= DEAD_LETTER_LIMITS.rawBytes && openers(text) <= DEAD_LETTER_LIMITS.rawDepth) {
    return `{"event":${text}}`;
  }
  return JSON.stringify(toEvidencePayload(JSON.parse(text) as VigilEvent));
}

/** The payload texts a detection carries, in evidence order, within `limits`. */
function payloadTexts(detection: Detection, events: EventTexts, limits: { perEnd: number; totalBytes: number }): string[] {
  const payloads: string[] = [];
  let total = 0;
  const seen = new Set<string>();
  for (const ref of endsOf(detection.evidence, limits.perEnd)) {
    if (seen.has(ref.eventId)) continue;
    seen.add(ref.eventId);
    const text = events.text(ref.eventId);
    if (text === undefined) continue;
    const payload = payloadText(text);
    const bytes = Buffer.byteLength(payload, 'utf8');
    if (total + bytes > limits.totalBytes) continue;
    total += bytes;
    payloads.push(payload);
  }
  return payloads;
}

/** The detection's keys in schema order, split where `payloads` goes. */
const DETECTION_KEYS = Object.keys(Detection.shape);
const KEYS_BEFORE_PAYLOADS = new Set(DETECTION_KEYS.slice(0, DETECTION_KEYS.indexOf('payloads')));

/**
 * The detection as its Kafka record, with the payloads of those of its events `events` still has, within
 * `DETECTION_PAYLOAD_LIMITS` (when it finds none, the detection's own). The detection is validated against
 * its schema as `encode` does (by `exactDetection` when it can answer, else zod, same verdicts and the same
 * bytes); its events were validated when they were read, so their texts are spliced
 * in where the schema puts `payloads` instead of being parsed, checked and written again. For an event
 * written as `encode` writes it (every Vigil producer does), the record is the same bytes as before.
 */
export function encodeDetection(
  detection: Detection,
  events: EventTexts,
  headers?: Record<string, string>,
  limits: { perEnd: number; totalBytes: number } = DETECTION_PAYLOAD_LIMITS,
): OutgoingMessage {
  const payloads = payloadTexts(detection, events, limits);
  const { payloads: own, ...rest } = detection;
  // Payloads a rule set itself, with none found here: the detection as it is, checked by zod.
  if (payloads.length === 0 && own !== undefined) return encode('detections', detection.dedupKey, detection, headers);
  const checked = (exactDetection(rest) ?? Detection.parse(rest)) as Record<string, unknown>;
  if (payloads.length === 0) return { key: detection.dedupKey, value: JSON.stringify(checked), ...(headers ? { headers } : {}) };
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const key of Object.keys(checked)) (KEYS_BEFORE_PAYLOADS.has(key) ? before : after)[key] = checked[key];
  const tail = JSON.stringify(after);
  const value = `${JSON.stringify(before).slice(0, -1)},"payloads":[${payloads.join(',')}]${tail === '{}' ? '}' : `,${tail.slice(1)}`}`;
  return { key: detection.dedupKey, value, ...(headers ? { headers } : {}) };
}
