import type { VigilEvent } from '@vigil/schema';
import { lateReason } from './lateness';
import type { RuleContext } from './rule';

/** What `firstSeen` says about one value of one subject. */
export type FirstSeen =
  /** Not seen for the subject within the lookback, and the subject has a history: this is new. */
  | { kind: 'new' }
  /** Seen before within the lookback, the subject's first value (its baseline), or a redelivery of either. */
  | { kind: 'known' }
  /** Older than the allowed lateness behind the subject's newest event: not counted. */
  | { kind: 'late'; reason: string };

/**
 * Whether `value` (a country, an IP) is new for `subject` (a user, an API token) within `lookbackMs`, built on
 * the distinct-count primitive, so it shares its guarantees (event time, atomic, idempotent, bounded state):
 * - per `(subject, value)` with threshold 1: it crosses when the value is first seen within the lookback;
 * - per subject with threshold 2: it crosses (or is in its episode) when the subject has used more than one
 *   value within the lookback, so the very first value a subject is seen with is learnt, not reported.
 * Both answers are stored with the event, so a redelivery answers as the first delivery did. With
 * `learnFirst: false` every value first seen within the lookback is new (an allow-list already said
 * which values are expected). Both primitive calls are made before the caller's first `await`.
 */
export async function firstSeen<P extends { lookback: number; allowedLateness: number }>(
  ctx: RuleContext<P>,
  event: VigilEvent,
  spec: { subject: string; value: string; learnFirst: boolean },
): Promise<FirstSeen> {
  const { lookback, allowedLateness } = ctx.params;
  const window = { windowMs: lookback, latenessMs: allowedLateness, maxEvidence: 1 };
  const pair = ctx.distinctCount({
    ...window,
    scope: `${spec.subject}|${spec.value}`,
    value: spec.value,
    threshold: 1,
  });
  const history = spec.learnFirst
    ? ctx.distinctCount({ ...window, scope: spec.subject, value: spec.value, threshold: 2 })
    : undefined;
  const [valueSeen, subjectSeen] = await Promise.all([pair, history]);
  if (valueSeen.kind === 'late')
    return { kind: 'late', reason: lateReason(event, spec.subject, valueSeen.newestMs, allowedLateness) };
  if (valueSeen.kind !== 'crossed') return { kind: 'known' };
  if (subjectSeen === undefined) return { kind: 'new' };
  const hasHistory =
    subjectSeen.kind === 'crossed' || (subjectSeen.kind === 'counted' && subjectSeen.inEpisode);
  return hasHistory ? { kind: 'new' } : { kind: 'known' };
}
