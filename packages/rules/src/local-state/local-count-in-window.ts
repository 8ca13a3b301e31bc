import { SortedMembers } from './sorted-members';

/**
 * Count in window with a threshold on state held in this process: the same decisions and replies as the
 * Redis script (`count-in-window.lua.ts`), for a detector that owns a partition's scopes and keeps their
 * state in memory. Replies are in the script's wire form (arrays of strings), so the two can be compared
 * call for call and parsed by the same code; a crossing record is the same JSON object (its keys may come
 * in another order than cjson's, which the parse does not see).
 *
 * Expiry is the caller's: state and replay records are kept until dropped (`dropReplay`, `delete`).
 *
 * The first piece of partition-local state (docs/benchmarks.md, "what the windowed rules cost"): the
 * detector does not use it yet. What it still needs is a durable form, a log of window entries per
 * partition restored on assignment, and a fence between a partition's old and new owner.
 */

/** One event's call, with the script's arguments. */
export interface WindowCall {
  eventId: string;
  eventTimeMs: number;
  /** The position JSON, as the script stores it (`encodePosition`). */
  position: string;
  windowMs: number;
  latenessMs: number;
  threshold: number;
  maxEvidence: number;
  nowMs: number;
  /** How many trimmed ids stay known as counted. */
  countedKept: number;
}

/** What the script's data hash holds for one scope. */
interface ScopeState {
  window: SortedMembers;
  positions: Map<string, string>;
  counted: SortedMembers;
  newest?: number;
  from?: number;
  until?: number;
  burst?: string;
  burstEvents?: number;
  /** Replay records by event id: a crossing's record, or a burst continuation's marker. */
  replays: Map<string, string>;
}

export type WireReply = string[];

export class LocalCountInWindow {
  private readonly scopes = new Map<string, ScopeState>();

  /** Counts one event for `scope`. */
  add(scope: string, call: WindowCall): WireReply {
    const state = this.scopeState(scope);
    const { eventId: id, eventTimeMs: t, windowMs: W, latenessMs: L, threshold: N } = call;

    if (state.positions.has(id)) return replayOr(state.replays.get(id), ['duplicate']);
    let newest = state.newest;
    if (newest !== undefined && t < newest - L) {
      const record = state.replays.get(id);
      if (record !== undefined) return replayReply(record);
      if (state.counted.score(id) !== undefined) return ['duplicate'];
      return ['late', formatNumber(newest)];
    }

    state.window.add(t, id);
    if (newest === undefined || t > newest) newest = t;
    trimWindow(state, newest - L - W, Math.floor(W / 8), call.countedKept);

    const endpoints = [t];
    if (t < newest) {
      for (const [, s] of state.window.range(t, t + W, Infinity, true)) {
        if (s !== endpoints[endpoints.length - 1]) endpoints.push(s);
      }
    }

    let { from, until } = state;
    let olderFrom: number | undefined;
    let olderUntil: number | undefined;
    let countAtT = 0;
    let inEpisode = false;
    let firedAt: number | undefined;
    let firedCount = 0;
    endpoints.forEach((s, i) => {
      const c = state.window.count(s - W, s);
      if (i === 0) countAtT = c;
      if (c < N) return;
      if (from !== undefined && until !== undefined && s >= from - W && s <= until) {
        inEpisode = true;
        if (s < from) from = s;
        if (s + W > until) until = s + W;
      } else if (olderFrom !== undefined && olderUntil !== undefined && s <= olderUntil) {
        if (s + W > olderUntil) olderUntil = s + W;
      } else if (firedAt === undefined) {
        firedAt = s;
        firedCount = c;
        if (from === undefined || until === undefined || s > until) {
          from = s;
          until = s + W;
        } else {
          olderFrom = s;
          olderUntil = s + W;
        }
      }
    });

    state.positions.set(id, call.position);
    state.newest = newest;
    if (from !== undefined) {
      state.from = from;
      state.until = until;
    }
    let burstEvents: number | undefined;
    if (firedAt === undefined && inEpisode && state.burst !== undefined) {
      burstEvents = (state.burstEvents ?? 0) + 1;
      state.burstEvents = burstEvents;
    }

    if (firedAt === undefined) {
      if (burstEvents !== undefined && state.burst !== undefined) {
        state.replays.set(id, burstMarker(state.burst, burstEvents));
        return ['counted', String(countAtT), '1', state.burst, String(burstEvents)];
      }
      return ['counted', String(countAtT), inEpisode ? '1' : '0'];
    }

    const earlier = state.replays.get(id);
    if (earlier !== undefined) return ['replayed', earlier];

    const recent = state.window.reverseRange(firedAt - W, firedAt, call.maxEvidence);
    const first = state.window.range(firedAt - W, firedAt, 1)[0];
    const evidence: Array<{ id: string; time: number; position: unknown }> = [];
    let hasTrigger = false;
    for (let i = recent.length - 1; i >= 0; i--) {
      const [member, time] = recent[i]!;
      const position = state.positions.get(member);
      if (position !== undefined)
        evidence.push({ id: member, time, position: JSON.parse(position) as unknown });
      if (member === id) hasTrigger = true;
    }
    if (!hasTrigger) {
      // The trigger must be in the evidence even when the cap cut it off: swap it for the oldest entry.
      if (evidence.length >= call.maxEvidence) evidence.shift();
      let at = 0;
      while (at < evidence.length && evidence[at]!.time <= t) at++;
      evidence.splice(at, 0, { id, time: t, position: JSON.parse(call.position) as unknown });
    }
    const record = JSON.stringify({
      trigger: id,
      triggerTime: t,
      at: firedAt,
      count: firedCount,
      firstAt: first?.[1],
      detectedAt: call.nowMs,
      windowMs: W,
      threshold: N,
      evidence,
    });
    state.replays.set(id, record);
    if (firedAt === from) {
      state.burst = id;
      state.burstEvents = firedCount;
    }
    return ['crossed', record];
  }

  /** Drops an event's replay record (a burst marker, once its continuation is durable). */
  dropReplay(scope: string, eventId: string): void {
    this.scopes.get(scope)?.replays.delete(eventId);
  }

  /** Forgets a scope (its state expired, or its partition moved away). */
  delete(scope: string): void {
    this.scopes.delete(scope);
  }

  private scopeState(scope: string): ScopeState {
    let state = this.scopes.get(scope);
    if (!state) {
      state = {
        window: new SortedMembers(),
        positions: new Map(),
        counted: new SortedMembers(),
        replays: new Map(),
      };
      this.scopes.set(scope, state);
    }
    return state;
  }
}

/** The window trimmed as the script's `trim_window` trims it: only once its oldest is `slack` past the horizon. */
function trimWindow(state: ScopeState, horizon: number, slack: number, keep: number): void {
  const oldest = state.window.first();
  if (!oldest || oldest[1] >= horizon - slack) return;
  const expired = state.window.removeBelow(horizon);
  for (const [member, score] of expired) {
    state.counted.add(score, member);
    state.positions.delete(member);
  }
  state.counted.keepHighest(keep);
}

function replayOr(record: string | undefined, otherwise: WireReply): WireReply {
  return record === undefined ? otherwise : replayReply(record);
}

function burstMarker(burst: string, events: number): string {
  return `{"burst":${JSON.stringify(burst)},"events":${events}}`;
}

function replayReply(record: string): WireReply {
  if (record.startsWith('{"burst":')) {
    const marker = JSON.parse(record) as { burst: string; events: number };
    return ['counted', '0', '1', marker.burst, String(marker.events)];
  }
  return ['replayed', record];
}

/** A number as the script writes it into its hash (`%.17g`): integers in plain digits. */
function formatNumber(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < 1e17 ? String(value) : value.toPrecision(17);
}
