import type { VigilEvent } from '@vigil/schema';
import type { BatchMessage } from './detector';
import type { StreamPosition } from './evidence';

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
