import { ManualClock } from '@vigil/runtime';
import { VigilEvent, type Detection } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import type { Redis } from 'ioredis';
import { createDetector, type BatchMessage, type LateEvent } from '../detector';
import type { Rule } from '../rule';

export interface BacktestResult {
  events: number;
  detections: Detection[];
  late: LateEvent[];
}

/** JSON lines of normalised events (as on the events topic); a bad line is an error naming it. */
export function readEventLines(text: string, name: string): VigilEvent[] {
  const events: VigilEvent[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`${name}:${i + 1}: not JSON`);
      return;
    }
    const parsed = VigilEvent.safeParse(value);
    if (parsed.success) events.push(parsed.data);
    else problems.push(`${name}:${i + 1}: not a normalised event: ${parsed.error.issues[0]?.message ?? ''}`);
  });
  if (problems.length > 0) throw new Error(problems.slice(0, 20).join('\n'));
  return events;
}

/**
 * What `rules` would have fired over `events`, in stream order: the real detector with a clock that
 * follows event time (so windows, lateness and absence timers behave as they did live), state in
 * Redis under `keyPrefix` (the caller removes it).
 */
export async function runBacktest(
  rules: readonly Rule[],
  events: readonly VigilEvent[],
  options: { redis: Redis; keyPrefix: string; batchSize?: number },
): Promise<BacktestResult> {
  const first = events[0];
  const clock = new ManualClock(first ? Date.parse(first.time) : 0);
  const detector = createDetector({
    redis: options.redis,
    keyPrefix: options.keyPrefix,
    rules,
    clock,
    logger: silentLogger,
  });
  const batchSize = options.batchSize ?? 500;
  const detections: Detection[] = [];
  const late: LateEvent[] = [];
  for (let start = 0; start < events.length; start += batchSize) {
    const batch = events.slice(start, start + batchSize);
    const messages: BatchMessage[] = batch.map((event, i) => ({
      event,
      position: { topic: 'backtest', partition: 0, offset: String(start + i) },
    }));
    const newest = Math.max(...batch.map((e) => Date.parse(e.time)));
    if (newest > clock.now()) clock.set(newest);
    const result = await detector.processBatch(messages);
    detections.push(...result.detections);
    late.push(...result.late);
    await detector.release(result.markers);
    const tick = await detector.tick();
    detections.push(...tick.detections);
    await tick.commit();
  }
  return { events: events.length, detections, late };
}
