import type { VigilEvent } from '@vigil/schema';
import { formatDuration } from './duration';

/** Why a rule did not count an event, in words an operator reading the late topic can act on. */
export function lateReason(event: VigilEvent, scope: string, newestMs: number, latenessMs: number): string {
  const behindMs = newestMs - Date.parse(event.time);
  return (
    `event time ${event.time} is ${formatDuration(behindMs)} behind the newest event for ${scope} ` +
    `(${new Date(newestMs).toISOString()}); the allowed lateness is ${formatDuration(latenessMs)}`
  );
}
