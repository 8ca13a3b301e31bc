import { replyStrings } from './redis-batch';

/**
 * What the windowed counting scripts (count in window, distinct count) answer for one event. They
 * share one reply protocol: `counted`, `crossed` / `replayed` with the stored crossing as JSON,
 * `duplicate`, `late`.
 */
export type WindowReply<Crossing> =
  /** Counted; `inEpisode` is true while an earlier crossing still covers this event. */
  | { kind: 'counted'; count: number; inEpisode: boolean; burst?: BurstProgress }
  /** This event crossed the threshold; `replayed` when it is a redelivery of the event that did. */
  | { kind: 'crossed'; crossing: Crossing; replayed: boolean }
  /** Already counted (also long ago, when still known), and it was not the crossing event: nothing to do. */
  | { kind: 'duplicate' }
  /** Older than the allowed lateness behind the newest event of its scope: not counted. */
  | { kind: 'late'; newestMs: number };

/** An event counted inside a burst that already fired: the burst (its crossing event's id) and its events so far. */
export interface BurstProgress {
  id: string;
  events: number;
}

/**
 * How many ids (or values) trimmed from one scope's window stay known as counted. A replay of an event
 * older than the window and the lateness is then a duplicate, not a late event, as long as it is among
 * the newest this many trimmed from its scope (a user's failed logins, an IP's users). Bounded, so a busy
 * scope costs at most this many small set members.
 */
export const COUNTED_IDS_KEPT = 2_000;

export function parseWindowReply<Crossing>(
  reply: unknown,
  scriptName: string,
  parseCrossing: (json: string) => Crossing,
): WindowReply<Crossing> {
  const [kind, first, second, burst, burstEvents] = replyStrings(reply, scriptName);
  switch (kind) {
    case 'counted':
      return {
        kind,
        count: Number(first),
        inEpisode: second === '1',
        ...(burst ? { burst: { id: burst, events: Number(burstEvents) } } : {}),
      };
    case 'crossed':
    case 'replayed':
      return { kind: 'crossed', crossing: parseCrossing(first ?? ''), replayed: kind === 'replayed' };
    case 'duplicate':
      return { kind };
    case 'late':
      return { kind, newestMs: Number(first) };
    default:
      throw new Error(`${scriptName}: unknown reply ${JSON.stringify(reply)}`);
  }
}
