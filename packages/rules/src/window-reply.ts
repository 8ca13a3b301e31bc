import { replyStrings } from './redis-batch';

/**
 * What the windowed counting scripts (count in window, distinct count) answer for one event. They
 * share one reply protocol: `counted`, `crossed` / `replayed` with the stored crossing as JSON,
 * `duplicate`, `late`.
 */
export type WindowReply<Crossing> =
  /** Counted; `inEpisode` is true while an earlier crossing still covers this event. */
  | { kind: 'counted'; count: number; inEpisode: boolean }
  /** This event crossed the threshold; `replayed` when it is a redelivery of the event that did. */
  | { kind: 'crossed'; crossing: Crossing; replayed: boolean }
  /** Already counted, and it was not the crossing event: nothing to do. */
  | { kind: 'duplicate' }
  /** Older than the allowed lateness behind the newest event of its scope: not counted. */
  | { kind: 'late'; newestMs: number };

export function parseWindowReply<Crossing>(
  reply: unknown,
  scriptName: string,
  parseCrossing: (json: string) => Crossing,
): WindowReply<Crossing> {
  const [kind, first, second] = replyStrings(reply, scriptName);
  switch (kind) {
    case 'counted':
      return { kind, count: Number(first), inEpisode: second === '1' };
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
