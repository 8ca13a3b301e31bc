import type { VigilEvent } from '@vigil/schema';
import type { BatchMessage } from './detector';
import type { StreamPosition } from './evidence';
import type { Rule, RuleContext } from './rule';

/** Test-only: what a consumer would hand the detector, offsets counting from `firstOffset`. */
export function asMessages(
  events: readonly VigilEvent[],
  topic = 'vigil.events',
  firstOffset = 0,
): BatchMessage[] {
  return events.map((event, i) => ({ event, position: position(firstOffset + i, topic) }));
}

export function position(offset: number, topic = 'vigil.events', partition = 0): StreamPosition {
  return { topic, partition, offset: String(offset) };
}

/** Test-only: a context for `rule` whose primitives reject unless a test supplies them. */
export function stubContext<P>(
  rule: Rule<P>,
  primitives: Partial<Omit<RuleContext<P>, 'rule' | 'params' | 'position' | 'eventTimeMs'>> = {},
  at = position(2),
  eventTimeMs = 0,
): RuleContext<P> {
  const unused = (name: string) => () => Promise.reject(new Error(`${name} is not used by this rule`));
  return {
    rule,
    params: rule.params,
    position: at,
    eventTimeMs,
    countInWindow: unused('countInWindow'),
    consecutiveState: unused('consecutiveState'),
    alertGroup: unused('alertGroup'),
    distinctCount: unused('distinctCount'),
    burnRate: unused('burnRate'),
    deadline: unused('deadline'),
    sequence: unused('sequence'),
    ...primitives,
  };
}
