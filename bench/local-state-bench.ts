import { LocalCountInWindow, LocalDistinctCount, encodePosition } from '@vigil/rules';
import { mixedEventJson } from './detector-bench';

export interface LocalStateFigures {
  /** Failed sign-ins counted while the windows filled, then measured. */
  warmupCalls: number;
  measuredCalls: number;
  /** CPU time a call of each in-process port, once its windows are full. */
  countInWindowMicrosPerCall: number;
  distinctCountMicrosPerCall: number;
  /** Entries the ports' windows held at the end (all scopes). */
  windowEntries: number;
}

const MINUTE = 60_000;

/**
 * What the in-process ports of the windowed primitives cost a call, on the sustained section's event mix at
 * `ratePerSecond` of event time: the brute-force and password-spray rules' calls (a user's failed sign-ins
 * counted per user, and the users failing per address), with their default parameters, once the
 * 10-minute windows are full. Beside the Redis script call each replaces (the detector's CPU and Redis's for
 * one call, `detector.cpu_us_per_event` / `redis_script_calls_per_event`), it is what partition-local state
 * would cost in place of it; keeping the state durable is not included.
 */
export function measureLocalState(ratePerSecond = 24_000, measuredCalls = 300_000): LocalStateFigures {
  const byUser = new LocalCountInWindow();
  const byAddress = new LocalDistinctCount();
  const settings = { windowMs: 10 * MINUTE, latenessMs: 5 * MINUTE, maxEvidence: 50, countedKept: 2_000 };
  const base = Date.parse('2026-06-01T00:00:00Z');
  // Enough of the stream for the windows and the lateness behind them to fill: 15 minutes of event time.
  const warmupEvents = Math.ceil((15 * MINUTE * ratePerSecond) / 1000);
  let warmupCalls = 0;
  let measured = 0;
  let countNs = 0n;
  let distinctNs = 0n;
  for (let i = 0; measured < measuredCalls; i++) {
    const { value } = mixedEventJson(i, 'local', base);
    const event = JSON.parse(value) as {
      id: string;
      kind: string;
      outcome: string;
      entity: { id: string };
      actor: { ip: string };
    };
    if (event.kind !== 'authentication' || event.outcome !== 'failure') continue;
    const time = base + Math.floor((i * 1000) / ratePerSecond);
    const common = {
      ...settings,
      eventId: event.id,
      eventTimeMs: time,
      position: encodePosition(
        { topic: 'vigil.events', partition: i % 12, offset: String(i) },
        { ip: event.actor.ip },
      ),
      nowMs: time,
    };
    const user = `user:${event.entity.id}`;
    const address = `ip:${event.actor.ip}`;
    const t0 = process.hrtime.bigint();
    const counted = byUser.add(user, { ...common, threshold: 5 });
    const t1 = process.hrtime.bigint();
    const distinct = byAddress.add(address, {
      ...common,
      threshold: 10,
      value: event.entity.id.toLowerCase(),
    });
    const t2 = process.hrtime.bigint();
    // A burst continuation's marker goes once its detection is published, as the stage releases it.
    if (counted.length === 5) byUser.dropReplay(user, event.id);
    if (distinct.length === 5) byAddress.dropReplay(address, event.id);
    if (i < warmupEvents) {
      warmupCalls++;
      continue;
    }
    countNs += t1 - t0;
    distinctNs += t2 - t1;
    measured++;
  }
  return {
    warmupCalls,
    measuredCalls: measured,
    countInWindowMicrosPerCall: Number(countNs) / 1000 / measured,
    distinctCountMicrosPerCall: Number(distinctNs) / 1000 / measured,
    windowEntries: byUser.entries + byAddress.entries,
  };
}

/** The `local-state` section: measures, records its figures under `local_state.*` and prints its line. */
export function localStateSection(figures: Record<string, number>): LocalStateFigures {
  const local = measureLocalState();
  figures['local_state.count_in_window_us_per_call'] = local.countInWindowMicrosPerCall;
  figures['local_state.distinct_count_us_per_call'] = local.distinctCountMicrosPerCall;
  const count = (n: number) => n.toLocaleString('en-US');
  console.log(
    `windowed primitives in process, windows full     count in window ${local.countInWindowMicrosPerCall.toFixed(2)} µs a call, ` +
      `distinct count ${local.distinctCountMicrosPerCall.toFixed(2)} µs (${count(local.measuredCalls)} calls each after ` +
      `${count(local.warmupCalls)}; ${count(local.windowEntries)} window entries)`,
  );
  return local;
}
