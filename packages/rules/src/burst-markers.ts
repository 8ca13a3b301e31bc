import { execOrThrow } from '@vigil/runtime';
import type { Redis } from 'ioredis';
import type { ScopeKeys } from './state-keys';
import type { WindowReply } from './window-reply';

/**
 * The replay markers of a batch's burst continuations.
 *
 * A windowed script (count in window, distinct count) leaves a small marker for each event a burst
 * absorbs, so that a redelivery of that event before its detection was published repeats the same
 * continuation, byte for byte. Once the batch's detections are durable, a redelivery has nothing to
 * repeat: the continuation is on the detections topic already, and without its marker the event is
 * a plain duplicate. So the markers are dropped then (`releaseBurstMarkers`) rather than kept for the
 * state's lifetime; in a sustained attack every failed sign-in is such an event, and keeping each
 * marker for hours grew Redis by one key per event. A marker whose release never came (the process
 * died between publishing and releasing) still expires with the state.
 */
export class BurstMarkers {
  private readonly keys: string[] = [];

  /**
   * Passes the reply on; a continuation's marker is noted for release: the scope's replay record for the
   * event (a Redis key, or `localMarker` for a scope held in process).
   */
  note<R extends WindowReply<unknown>>(reply: R, scope: Pick<ScopeKeys, 'replayRecord'>, eventId: string): R {
    if (reply.kind === 'counted' && reply.burst) this.keys.push(scope.replayRecord(eventId));
    return reply;
  }

  /** The markers noted, each once, in the order they were set. */
  list(): string[] {
    return [...new Set(this.keys)];
  }
}

/** A marker held in an in-process scope rather than a Redis key of its own: NUL never occurs in a key or an event id. */
const LOCAL = '\u0000local\u0000';

/** The marker of an event in a scope held in process (`PartitionWindows`), told apart by `splitMarkers`. */
export function localMarker(scopeKey: string, eventId: string): string {
  return `${LOCAL}${scopeKey}\u0000${eventId}`;
}

/** Splits markers into Redis keys and in-process ones (scope key, event id). */
export function splitMarkers(markers: readonly string[]): { keys: string[]; local: Array<[string, string]> } {
  const keys: string[] = [];
  const local: Array<[string, string]> = [];
  for (const marker of markers) {
    if (!marker.startsWith(LOCAL)) keys.push(marker);
    else {
      const rest = marker.slice(LOCAL.length);
      const cut = rest.lastIndexOf('\u0000');
      local.push([rest.slice(0, cut), rest.slice(cut + 1)]);
    }
  }
  return { keys, local };
}

/** Keys per UNLINK: one scope's keys share a hash tag, so a call stays on one slot if Redis is clustered. */
const KEYS_PER_CALL = 500;

/**
 * Drops the given markers in one round trip. Call only once the detections of the batch that set them
 * are durable; before that, a redelivery needs them.
 */
export async function releaseBurstMarkers(redis: Redis, markers: readonly string[]): Promise<void> {
  if (markers.length === 0) return;
  const byScope = new Map<string, string[]>();
  for (const key of markers) {
    const scope = key.slice(0, key.indexOf('}') + 1);
    const list = byScope.get(scope);
    if (list) list.push(key);
    else byScope.set(scope, [key]);
  }
  const pipeline = redis.pipeline();
  for (const keys of byScope.values()) {
    for (let i = 0; i < keys.length; i += KEYS_PER_CALL) pipeline.unlink(...keys.slice(i, i + KEYS_PER_CALL));
  }
  await execOrThrow(pipeline);
}
