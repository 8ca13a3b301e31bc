import type { FieldError, VigilEvent } from '@vigil/schema';

export type NormalizeResult = { ok: true; event: VigilEvent } | { ok: false; reason: string; errors: FieldError[] };

/**
 * What the transport said about a delivery besides its body: the request headers a normaliser asked
 * for in `Normalizer.headers` (lower-case names, first value only). GitHub, for one, names the event
 * and the delivery only in headers.
 */
export interface DeliveryMeta {
  headers: Readonly<Record<string, string>>;
}

export interface NormalizeContext extends Partial<DeliveryMeta> {
  source: string;
  receivedAt: string;
  /** The source's `serviceLabels` (format `alertmanager`), when set. */
  serviceLabels?: readonly string[];
}

/** What a body decoded to: the value a normaliser splits and the text it was read from, or why not. */
export type DecodedBody =
  | { ok: true; value: unknown; text: string }
  | { ok: false; status: 400 | 413; code: string; message: string; details?: unknown };

/** Turns one source format into Vigil events. Pure: no I/O, no clock other than the one passed in. */
export interface Normalizer {
  /** Request headers this format reads (lower-case); only these reach `split` and `normalize`, never credentials. */
  readonly headers?: readonly string[];
  /**
   * For formats whose bodies are not one JSON document (Cloudflare Logpush: gzip NDJSON): reads the raw
   * body, whatever its content type. Without it the body must be JSON, sent as JSON.
   */
  decode?(raw: Buffer): DecodedBody;
  /** The items of a delivery (a batch, an envelope, or a single event), or why the body has none. */
  split(body: unknown, meta?: DeliveryMeta): { ok: true; items: unknown[] } | { ok: false; reason: string; errors: FieldError[] };
  normalize(item: unknown, context: NormalizeContext): NormalizeResult;
}
