import { boundedRaw, type Detection, type EvidencePayload, type VigilEvent } from '@vigil/schema';

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
 * Each event is kept as its JSON text and parsed again only when a detection asks for it: tens of thousands
 * of decoded events would be millions of small objects for every full garbage collection to walk, where a
 * string is one.
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

  get(id: string): VigilEvent | undefined {
    const entry = this.events.get(id);
    return entry ? (JSON.parse(entry.text) as VigilEvent) : undefined;
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

/** The detection with the payloads of those of its events `find` still has, within `DETECTION_PAYLOAD_LIMITS`. */
export function withPayloads(
  detection: Detection,
  find: (eventId: string) => VigilEvent | undefined,
  limits: { perEnd: number; totalBytes: number } = DETECTION_PAYLOAD_LIMITS,
): Detection {
  const payloads: EvidencePayload[] = [];
  let total = 0;
  const seen = new Set<string>();
  for (const ref of endsOf(detection.evidence, limits.perEnd)) {
    if (seen.has(ref.eventId)) continue;
    seen.add(ref.eventId);
    const event = find(ref.eventId);
    if (!event) continue;
    const payload = toEvidencePayload(event);
    const bytes = Buffer.byteLength(JSON.stringify(payload), 'utf8');
    if (total + bytes > limits.totalBytes) continue;
    total += bytes;
    payloads.push(payload);
  }
  return payloads.length > 0 ? { ...detection, payloads } : detection;
}
