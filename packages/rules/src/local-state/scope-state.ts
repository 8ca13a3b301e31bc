import { PackedMembers } from './packed-members';
import { SortedMembers } from './sorted-members';

/**
 * What a windowed script (count in window, distinct count) keeps about one scope: its window, what each
 * member of the window stored beside it, the members trimmed from it that stay known as counted, the
 * newest event, the episode and its burst, and the replay records of the scope's events.
 */
export interface WindowScope {
  window: SortedMembers;
  /** Per window member: the position JSON (count in window) or the evidence JSON (distinct count). */
  entries: Map<string, string>;
  counted: PackedMembers;
  newest?: number;
  from?: number;
  until?: number;
  burst?: string;
  burstEvents?: number;
  /** Replay records by event id: a crossing's record, or a burst continuation's marker. */
  replays: Map<string, string>;
  /**
   * The stored fields changed since the state was last written (`scope-changes.ts`): 'm' (newest, episode,
   * burst), 'w:<member>' (a window entry), 'c:<member>' (a counted member), 'r:<event id>' (a replay record).
   */
  dirty: Set<string>;
}

export function emptyScope(): WindowScope {
  return {
    window: new SortedMembers(),
    entries: new Map(),
    counted: new PackedMembers(),
    replays: new Map(),
    dirty: new Set(),
  };
}
