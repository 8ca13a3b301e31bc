import {
  fieldErrors,
  isExactVigilEvent,
  TOPICS,
  unsafeContent,
  type FieldError,
  type VigilEvent,
} from '@vigil/schema';

/**
 * What ingest accepts, item by item (docs/sources.md, "Limits"). An item past any of these is
 * refused with a 400 naming the field and kept on the dead-letter topic; the other items of the
 * delivery are still accepted.
 */
export const INPUT_LIMITS = {
  /** Objects and arrays nested inside one item. */
  maxDepth: 32,
  /** One normalised event as written to the events topic (the raw item included); Kafka's default record limit is ~1 MB. */
  maxEventBytes: 512 * 1024,
  /**
   * Accepted event times: [2000-01-01, 2100-01-01). Fixed rather than relative to the clock, so a
   * replay of old files is judged like a live delivery; the detector separately sets aside events
   * stamped ahead of its clock (`maxClockSkewMs`) with their own dead letter.
   */
  earliestTime: Date.UTC(2000, 0, 1),
  latestTime: Date.UTC(2100, 0, 1),
} as const;

/** Facts about the whole body that let most deliveries skip the per-item walk. */
export interface BodyShape {
  /** Whether any `\u` escape occurs: without one, no string can hold a NUL or a lone surrogate. */
  hasEscapes: boolean;
  /** Deepest nesting of the whole body (counted on its text). */
  depth: number;
}

/** One pass over the body's text, outside strings: nesting depth, and whether any `\u` escape appears. */
export function bodyShape(text: string): BodyShape {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return { hasEscapes: text.includes('\\u'), depth: deepest };
}

/**
 * Refusals that hold whatever the format: strings (values and keys) with NUL or a lone surrogate,
 * nesting past `INPUT_LIMITS.maxDepth`. Skips what `shape` rules out.
 */
export function inspectItem(item: unknown, shape: BodyShape): FieldError[] {
  if (!shape.hasEscapes && shape.depth <= INPUT_LIMITS.maxDepth) return [];
  return unsafeContent(item, { checkText: shape.hasEscapes, maxDepth: INPUT_LIMITS.maxDepth });
}

/** The normaliser's output as the events topic takes it, or its refusals: the accepted time range, then the schema. */
export function checkEvent(
  event: VigilEvent,
): { ok: true; event: VigilEvent } | { ok: false; errors: FieldError[] } {
  const time = typeof event.time === 'string' ? Date.parse(event.time) : Number.NaN;
  if (!(time >= INPUT_LIMITS.earliestTime && time < INPUT_LIMITS.latestTime)) {
    const range = `[${new Date(INPUT_LIMITS.earliestTime).toISOString()}, ${new Date(INPUT_LIMITS.latestTime).toISOString()})`;
    return {
      ok: false,
      errors: [
        {
          path: '(normalised) time',
          message: `event time ${String(event.time)} is outside the accepted range ${range}`,
        },
      ],
    };
  }
  // The one schema check of an event on its way in (it is written as it is, not encoded again). The
  // hand-written check answers for the events normalisers build; zod decides the rest and explains.
  if (isExactVigilEvent(event)) return { ok: true, event };
  const parsed = TOPICS.events.schema.safeParse(event);
  if (parsed.success) return { ok: true, event: parsed.data };
  return {
    ok: false,
    errors: fieldErrors(parsed.error).map((e) => ({ path: `(normalised) ${e.path}`, message: e.message })),
  };
}
