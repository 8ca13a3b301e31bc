import { compareBytes } from './sorted-members';
import type { DistinctCountInput } from '../distinct-count';
import {
  LocalWindowPrimitive,
  type LocalCall,
  countedReply,
  crossedReply,
  formatNumber,
  replayOr,
  trimWindow,
  type WireReply,
} from './window-scopes';

/**
 * Distinct values in a window on state held in this process: the same decisions and replies as the Redis
 * script (`distinct-count.lua.ts`), as `LocalCountInWindow` is for count in window. The window's members
 * are the values, each at the time of its newest event, with that event as its evidence entry.
 */

export type DistinctCall = LocalCall<DistinctCountInput>;

interface EvidenceEntry {
  id: string;
  time: number;
  value: string;
  position: unknown;
}

export class LocalDistinctCount extends LocalWindowPrimitive {
  /** Counts one event's value for `scope`. */
  add(scope: string, call: DistinctCall): WireReply {
    const state = this.scopes.get(scope);
    const { eventId: id, eventTimeMs: t, value, windowMs: W, latenessMs: L, threshold: N } = call;
    const replay = () => state.replays.get(id);

    // This value's newest event is this one or a later one: a redelivery, or an older event of a value
    // already counted.
    const known = state.entries.get(value);
    if (known !== undefined) {
      const latest = JSON.parse(known) as EvidenceEntry;
      if (latest.id === id || t <= latest.time) return replayOr(replay(), ['duplicate']);
    }
    let newest = state.newest;
    if (newest !== undefined && t < newest - L) {
      const trimmed = state.counted.score(value);
      if (trimmed !== undefined && t <= trimmed) return replayOr(replay(), ['duplicate']);
      return replayOr(replay(), ['late', formatNumber(newest)]);
    }

    state.window.add(t, value);
    const entry = `{"id":${JSON.stringify(id)},"time":${t},"value":${JSON.stringify(value)},"position":${call.position}}`;
    if (newest === undefined || t > newest) newest = t;
    trimWindow(state, newest - L - W, Math.floor(W / 8), call.countedKept);

    const e = newest;
    const count = state.window.count(e - W, e);
    let { from, until } = state;
    let fired = false;
    let inEpisode = false;
    if (count >= N) {
      if (until !== undefined && e <= until) inEpisode = true;
      else {
        fired = true;
        from = e;
      }
      until = e + W;
    }

    state.entries.set(value, entry);
    state.dirty.add(`w:${value}`).add('m');
    state.newest = newest;
    if (from !== undefined) {
      state.from = from;
      state.until = until;
    }
    if (!fired) return countedReply(state, id, count, inEpisode);
    const earlier = replay();
    if (earlier !== undefined) return ['replayed', earlier];

    const recent = state.window.reverseRange(e - W, e, call.maxEvidence).map(([member]) => member);
    if (!recent.includes(value)) {
      if (recent.length >= call.maxEvidence) recent.pop();
      recent.push(value);
    }
    const evidence: EvidenceEntry[] = [];
    for (const member of recent) {
      const raw = state.entries.get(member);
      if (raw !== undefined) evidence.push(JSON.parse(raw) as EvidenceEntry);
    }
    evidence.sort((a, b) => (a.time === b.time ? compareBytes(a.id, b.id) : a.time - b.time));
    state.burst = id;
    state.burstEvents = count;
    return crossedReply(state, call, e, count, evidence);
  }
}
