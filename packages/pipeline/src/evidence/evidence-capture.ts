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
  private readonly events = new Map<string, { text: string; seq: number }>();
  /**
   * Ids in the order they were remembered, oldest at `head`; an entry whose `seq` no longer matches the
   * map's was remembered again since. Evicting from a Map's front instead leaves deleted slots that every
   * new iteration walks past again, which took a fifth of a busy detector's CPU.
   */
  private order: Array<{ id: string; seq: number }> = [];
  private head = 0;
  private seq = 0;
  private bytes = 0;

  constructor(private readonly maxBytes: number = DEFAULT_RECENT_EVENT_BYTES) {}

  /** `text` is the event's JSON (its parse must equal the event); its length counts against the budget. */
  remember(id: string, text: string): void {
    const bytes = text.length;
    if (this.maxBytes <= 0 || bytes > this.maxBytes) return;
    const known = this.events.get(id);
    if (known) this.bytes -= known.text.length;
    const seq = ++this.seq;
    this.events.set(id, { text, seq });
    this.order.push({ id, seq });
    this.bytes += bytes;
    while (this.bytes > this.maxBytes && this.head < this.order.length) {
      const oldest = this.order[this.head++]!;
      const entry = this.events.get(oldest.id);
      if (entry?.seq !== oldest.seq) continue; // remembered again since: a later place in `order` holds it
      this.events.delete(oldest.id);
      this.bytes -= entry.text.length;
    }
    const waiting = this.order.length - this.head;
    if (waiting > 2 * this.events.size + 1024) {
      // Mostly ids remembered again: keep each id's latest place only.
      this.order = this.order.slice(this.head).filter((e) => this.events.get(e.id)?.seq === e.seq);
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  /** The event's JSON text as remembered. */
  text(id: string): string | undefined {
    return this.events.get(id)?.text;
  }

  get size(): number {
    return this.events.size;
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
