import { emptyScope, type WindowScope } from './scope-state';

/**
 * A windowed scope's state as the fields of one stored hash, written as it changes: what a batch changed
 * goes out as fields to set and fields to delete (`takeChanges`), and the fields read back rebuild the same
 * state (`restoreScope`), so a port that restores a scope answers as if it had never let go of it.
 *
 * Fields: 'm' the newest event, the episode and its burst (JSON); 'w:<member>' a window entry, its time and
 * what it stores beside it ('<time>|<entry>'); 'c:<member>' a member trimmed from the window and still known
 * as counted ('<time>'); 'r:<event id>' a replay record.
 */
export interface ScopeChanges {
  set: Array<[string, string]>;
  del: string[];
}

interface Meta {
  n?: number;
  f?: number;
  u?: number;
  b?: string;
  e?: number;
}

/** The fields `state` changed since they were last taken, as they are now; forgets them. */
export function takeChanges(state: WindowScope): ScopeChanges {
  const changes: ScopeChanges = { set: [], del: [] };
  for (const field of state.dirty) {
    const value = fieldValue(state, field);
    if (value === undefined) changes.del.push(field);
    else changes.set.push([field, value]);
  }
  state.dirty.clear();
  return changes;
}

function fieldValue(state: WindowScope, field: string): string | undefined {
  if (field === 'm') {
    const meta: Meta = {
      n: state.newest,
      f: state.from,
      u: state.until,
      b: state.burst,
      e: state.burstEvents,
    };
    return JSON.stringify(meta);
  }
  const key = field.slice(2);
  switch (field[0]) {
    case 'w': {
      const time = state.window.score(key);
      const entry = state.entries.get(key);
      return time === undefined || entry === undefined ? undefined : `${time}|${entry}`;
    }
    case 'c': {
      const time = state.counted.score(key);
      return time === undefined ? undefined : String(time);
    }
    case 'r':
      return state.replays.get(key);
    default:
      throw new Error(`unknown scope field ${JSON.stringify(field)}`);
  }
}

/** The state whose fields these are (as read back: field name to value). */
export function restoreScope(fields: Iterable<[string, string]>): WindowScope {
  const state = emptyScope();
  for (const [field, value] of fields) {
    const key = field.slice(2);
    if (field === 'm') {
      const meta = JSON.parse(value) as Meta;
      if (meta.n !== undefined) state.newest = meta.n;
      if (meta.f !== undefined) state.from = meta.f;
      if (meta.u !== undefined) state.until = meta.u;
      if (meta.b !== undefined) state.burst = meta.b;
      if (meta.e !== undefined) state.burstEvents = meta.e;
    } else if (field.startsWith('w:')) {
      const bar = value.indexOf('|');
      state.window.add(Number(value.slice(0, bar)), key);
      state.entries.set(key, value.slice(bar + 1));
    } else if (field.startsWith('c:')) {
      state.counted.add(Number(value), key);
    } else if (field.startsWith('r:')) {
      state.replays.set(key, value);
    } else {
      throw new Error(`unknown scope field ${JSON.stringify(field)}`);
    }
  }
  return state;
}
