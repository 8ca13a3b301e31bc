import { restoreScope, takeChanges, type ScopeChanges } from './scope-changes';
import { emptyScope, type WindowScope } from './scope-state';

/**
 * One event's call to a port: the script's arguments as its Redis caller takes them, without the keys and
 * expiries, and with the position as the JSON the script stores (`encodePosition`).
 */
export type LocalCall<Input> = Omit<
  Input,
  'keys' | 'position' | 'observed' | 'stateTtlMs' | 'replayTtlMs'
> & {
  position: string;
  countedKept: number;
};

/** A script's reply as it comes over the wire: an array of strings. */
export type WireReply = string[];

/** The scopes of one windowed primitive, made on first use. */
export class WindowScopes {
  private readonly scopes = new Map<string, WindowScope>();

  get(scope: string): WindowScope {
    let state = this.scopes.get(scope);
    if (!state) this.scopes.set(scope, (state = emptyScope()));
    return state;
  }

  /** Puts a scope's state in place, as read back from where it was written. */
  put(scope: string, state: WindowScope): void {
    this.scopes.set(scope, state);
  }

  /** The scope's state if held (none is made). */
  peek(scope: string): WindowScope | undefined {
    return this.scopes.get(scope);
  }

  dropReplay(scope: string, eventId: string): void {
    const state = this.scopes.get(scope);
    if (state?.replays.delete(eventId)) state.dirty.add(`r:${eventId}`);
  }

  /** Entries in every scope's window. */
  get entries(): number {
    let total = 0;
    for (const state of this.scopes.values()) total += state.window.size;
    return total;
  }

  delete(scope: string): void {
    this.scopes.delete(scope);
  }
}

/** The window trimmed as the script's `trim_window` trims it: only once its oldest is `slack` past the horizon. */
export function trimWindow(state: WindowScope, horizon: number, slack: number, keep: number): void {
  const oldest = state.window.first();
  if (!oldest || oldest[1] >= horizon - slack) return;
  const expired = state.window.removeBelow(horizon);
  for (const [member, score] of expired) {
    state.counted.add(score, member);
    state.entries.delete(member);
    state.dirty.add(`w:${member}`);
    state.dirty.add(`c:${member}`);
  }
  for (const member of state.counted.keepHighest(keep)) state.dirty.add(`c:${member}`);
}

/** What the windowed primitives share: their scopes, and dropping what the stage releases or expires. */
export abstract class LocalWindowPrimitive {
  protected readonly scopes = new WindowScopes();

  /** Drops an event's replay record (a burst marker, once its continuation is durable). */
  dropReplay(scope: string, eventId: string): void {
    this.scopes.dropReplay(scope, eventId);
  }

  /** Forgets a scope (its state expired, or its partition moved away). */
  delete(scope: string): void {
    this.scopes.delete(scope);
  }

  /** Entries in every scope's window. */
  get entries(): number {
    return this.scopes.entries;
  }

  /**
   * What each of `scopes` changed since its changes were last taken (nothing for a scope not held), in
   * order, to be written where `restore` reads it back.
   */
  takeChangesOf(scopes: readonly string[]): ScopeChanges[] {
    return scopes.map((scope) => {
      const state = this.scopes.peek(scope);
      return state ? takeChanges(state) : { set: [], del: [] };
    });
  }

  /** Puts back a scope's state from its written fields (after a restart, or when its partition came here). */
  restore(scope: string, fields: Iterable<[string, string]>): void {
    this.scopes.put(scope, restoreScope(fields));
  }
}

/**
 * The reply to an event that was counted without crossing: inside an episode whose burst is known, one
 * more event for the burst, and a marker as its replay record.
 */
export function countedReply(
  state: WindowScope,
  eventId: string,
  count: number,
  inEpisode: boolean,
): WireReply {
  if (inEpisode && state.burst !== undefined) {
    const events = (state.burstEvents ?? 0) + 1;
    state.burstEvents = events;
    state.replays.set(eventId, burstMarker(state.burst, events));
    state.dirty.add(`r:${eventId}`);
    return ['counted', String(count), '1', state.burst, String(events)];
  }
  return ['counted', String(count), inEpisode ? '1' : '0'];
}

/** The call's facts a crossing record keeps. */
interface CrossingCall {
  eventId: string;
  eventTimeMs: number;
  nowMs: number;
  windowMs: number;
  threshold: number;
}

/**
 * Stores the crossing record (the window ending at `at` held `count`) as the trigger's replay record, with
 * the first event in that window as `firstAt`.
 */
export function crossedReply(
  state: WindowScope,
  call: CrossingCall,
  at: number,
  count: number,
  evidence: unknown[],
): WireReply {
  const { eventId: trigger, eventTimeMs: triggerTime, nowMs: detectedAt, windowMs, threshold } = call;
  const first = state.window.range(at - windowMs, at, 1)[0];
  const record = JSON.stringify({
    trigger,
    triggerTime,
    at,
    count,
    firstAt: first?.[1],
    detectedAt,
    windowMs,
    threshold,
    evidence,
  });
  state.replays.set(trigger, record);
  state.dirty.add(`r:${trigger}`);
  return ['crossed', record];
}

export function replayOr(record: string | undefined, otherwise: WireReply): WireReply {
  return record === undefined ? otherwise : replayReply(record);
}

export function burstMarker(burst: string, events: number): string {
  return `{"burst":${JSON.stringify(burst)},"events":${events}}`;
}

export function replayReply(record: string): WireReply {
  if (record.startsWith('{"burst":')) {
    const marker = JSON.parse(record) as { burst: string; events: number };
    return ['counted', '0', '1', marker.burst, String(marker.events)];
  }
  return ['replayed', record];
}

/** A number as the script writes it into its hash (`%.17g`): integers in plain digits. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < 1e17 ? String(value) : value.toPrecision(17);
}
