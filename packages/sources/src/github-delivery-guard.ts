import { LruMap } from '@vigil/runtime';
import { GITHUB_DELIVERY_HEADER } from './github-normalizer';

type Headers = Record<string, string | string[] | undefined>;

/**
 * GitHub signs the body but not `X-GitHub-Delivery`, and its scheme has no timestamp, so a captured
 * delivery stays valid forever and could be replayed under a fresh delivery id, which would make a
 * new event id. The guard remembers, per source, the delivery id each signed body first came with:
 * a replay, or GitHub's own "Redeliver", is still accepted but keeps the first id, and the event
 * stream's dedup by id drops the copy. The memory is bounded (least recently seen go first) and per
 * process, so a replay after a restart or on another instance gets through as a new id.
 */
export class DeliveryIdGuard {
  private readonly sources = new Map<
    string,
    { bySignature: LruMap<string, string>; byDelivery: Map<string, string> }
  >();

  constructor(private readonly maxPerSource = 10_000) {}

  /**
   * The delivery id to use for a body with this (already verified) signature. A delivery id that
   * arrives again with a different body is suffixed with the signature so two bodies never share an id.
   */
  stableId(source: string, signature: string, deliveryId: string): string {
    let seen = this.sources.get(source);
    if (!seen) {
      const byDelivery = new Map<string, string>();
      const bySignature = new LruMap<string, string>(this.maxPerSource, (oldSignature, oldId) => {
        if (byDelivery.get(oldId) === oldSignature) byDelivery.delete(oldId);
      });
      seen = { bySignature, byDelivery };
      this.sources.set(source, seen);
    }
    const known = seen.bySignature.get(signature); // also refreshes its place in the LRU order
    if (known !== undefined) return known;
    const taken = seen.byDelivery.get(deliveryId);
    const id =
      taken !== undefined && taken !== signature
        ? `${deliveryId}.${signature.replace(/^sha256=/, '').slice(0, 16)}`
        : deliveryId;
    seen.byDelivery.set(id, signature);
    seen.bySignature.set(signature, id);
    return id;
  }

  /** The request headers with `x-github-delivery` replaced by its stable id, when the request has both. */
  stabilize(source: string, signatureHeader: string, headers: Headers): Headers {
    const signature = first(headers[signatureHeader]);
    const delivery = first(headers[GITHUB_DELIVERY_HEADER]);
    if (!signature || !delivery) return headers;
    return { ...headers, [GITHUB_DELIVERY_HEADER]: this.stableId(source, signature, delivery) };
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
