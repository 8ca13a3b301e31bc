import type { CountInWindowInput } from '../count-in-window';
import {
  LocalWindowPrimitive,
  type LocalCall,
  countedReply,
  crossedReply,
  formatNumber,
  replayOr,
  replayReply,
  trimWindow,
  type WireReply,
} from './window-scopes';

/**
 * Count in window with a threshold on state held in this process: the same decisions and replies as the
 * Redis script (`count-in-window.lua.ts`), for a detector that owns a partition's scopes and keeps their
 * state in memory. Replies are in the script's wire form (arrays of strings), so the two can be compared
 * call for call and parsed by the same code; a crossing record is the same JSON object (its keys may come
 * in another order than cjson's, which the parse does not see).
 *
 * Expiry is the caller's: state and replay records are kept until dropped (`dropReplay`, `delete`).
 *
 * The detector uses it through `PartitionWindows` when `DETECTOR_LOCAL_WINDOWS` is on.
 */

export type WindowCall = LocalCall<CountInWindowInput>;

export class LocalCountInWindow extends LocalWindowPrimitive {
  /** Counts one event for `scope`. */
  add(scope: string, call: WindowCall): WireReply {
    const state = this.scopes.get(scope);
    const { eventId: id, eventTimeMs: t, windowMs: W, latenessMs: L, threshold: N } = call;

    if (state.entries.has(id)) return replayOr(state.replays.get(id), ['duplicate']);
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

    state.entries.set(id, call.position);
    state.dirty.add(`w:${id}`).add('m');
    state.newest = newest;
    if (from !== undefined) {
      state.from = from;
      state.until = until;
    }
    if (firedAt === undefined) return countedReply(state, id, countAtT, inEpisode);

    const earlier = state.replays.get(id);
    if (earlier !== undefined) return ['replayed', earlier];

    const recent = state.window.reverseRange(firedAt - W, firedAt, call.maxEvidence);
    const evidence: Array<{ id: string; time: number; position: unknown }> = [];
    let hasTrigger = false;
    for (let i = recent.length - 1; i >= 0; i--) {
      const [member, time] = recent[i]!;
      const position = state.entries.get(member);
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
    if (firedAt === from) {
      state.burst = id;
      state.burstEvents = firedCount;
    }
    return crossedReply(state, call, firedAt, firedCount, evidence);
  }
}
