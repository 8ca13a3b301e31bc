import type { FieldError, VigilEvent } from '@vigil/schema';

export type NormalizeResult = { ok: true; event: VigilEvent } | { ok: false; reason: string; errors: FieldError[] };

/** Turns one source format into Vigil events. Pure: no I/O, no clock other than the one passed in. */
export interface Normalizer {
  /** The items of a delivery (a batch, an envelope, or a single event), or why the body has none. */
  split(body: unknown): { ok: true; items: unknown[] } | { ok: false; reason: string; errors: FieldError[] };
  normalize(item: unknown, context: { source: string; receivedAt: string }): NormalizeResult;
}
