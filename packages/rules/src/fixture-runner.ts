import { isDeepStrictEqual } from 'node:util';
import { ManualClock } from '@vigil/runtime';
import { Detection, type VigilEvent } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import type { Redis } from 'ioredis';
import { detectionId } from './detection-builder';
import { createDetector, type BatchMessage, type LateEvent } from './detector';
import { FIXTURE_EPOCH_MS } from './fixture-events';
import type { FixtureStep, Rule, RuleFixture } from './rule';

const TIMER_LEASE_MS = 60_000;

export interface FixtureRun {
  /** Everything the rule emitted over the fixture's steps, in order. */
  detections: Detection[];
  late: LateEvent[];
  /** What does not match the fixture's expectation; empty when it passes. */
  problems: string[];
}

/** The rule with the fixture's parameters (if any) over its defaults. */
export function ruleForFixture(rule: Rule, fixture: RuleFixture): Rule {
  if (!fixture.parameters) return rule;
  return { ...rule, params: rule.parameters.parse(fixture.parameters) };
}

/** Every event a fixture delivers, in order. */
export function fixtureEvents(fixture: RuleFixture): VigilEvent[] {
  const later = (fixture.then ?? []).flatMap((step) => ('events' in step ? step.events : []));
  return [...fixture.events, ...later];
}

/** The detection id a fixture's expectation names, derived exactly as the rules derive ids. */
export function expectedDetectionId(rule: Rule, fixture: RuleFixture, index: number): string {
  const expected = fixture.expected[index];
  if (!expected) throw new Error(`${fixture.name}: no expectation ${index}`);
  const trigger = fixtureEvents(fixture).find((e) => e.id === expected.triggerEventId);
  if (!trigger) throw new Error(`${fixture.name}: no event ${expected.triggerEventId}`);
  const suffix = expected.idSuffix ?? (expected.status === 'resolved' ? 'resolved' : undefined);
  return detectionId(rule.id, rule.dedupKey(trigger), expected.triggerEventId, suffix);
}

/**
 * Runs one fixture against Redis under `keyPrefix` with a fresh detector: each batch, then the same
 * batch again later (a redelivery must repeat exactly what it said), then once more after releasing its
 * burst markers (as after publishing: crossings repeat, nothing is new or changed), and each tick twice at once
 * (the second must get nothing) and again after the lease without a commit (a crash: it must repeat
 * the first exactly) before committing. Compares what the rule emitted with the expectation.
 */
export async function runFixture(
  rule: Rule,
  fixture: RuleFixture,
  options: { redis: Redis; keyPrefix: string; localWindows?: boolean },
): Promise<FixtureRun> {
  const configured = ruleForFixture(rule, fixture);
  const clock = new ManualClock(FIXTURE_EPOCH_MS);
  const detector = createDetector({
    redis: options.redis,
    keyPrefix: options.keyPrefix,
    rules: [configured],
    clock,
    logger: silentLogger,
    timerLeaseMs: TIMER_LEASE_MS,
    ...(options.localWindows ? { localWindows: true } : {}),
  });
  const problems: string[] = [];
  const detections: Detection[] = [];
  const late: LateEvent[] = [];
  let offset = 0;
  const steps: FixtureStep[] = [{ events: fixture.events }, ...(fixture.then ?? [])];

  for (const [index, step] of steps.entries()) {
    if ('events' in step) {
      const messages: BatchMessage[] = step.events.map((event) => ({
        event,
        position: { topic: 'vigil.events', partition: 0, offset: String(offset++) },
      }));
      const newest = Math.max(...step.events.map((e) => Date.parse(e.time)));
      if (newest > clock.now()) clock.set(newest);
      const first = await detector.processBatch(messages);
      clock.advance(90_000);
      const again = await detector.processBatch(messages);
      if (!isDeepStrictEqual(again.detections, first.detections)) {
        problems.push(
          `step ${index}: the redelivered batch emitted ${ids(again.detections)}, first ${ids(first.detections)}`,
        );
      }
      // Nor does it call late what it counted: a crash must not fill the dead-letter topic.
      if (!isDeepStrictEqual(again.late, first.late)) {
        problems.push(
          `step ${index}: the redelivered batch called ${again.late.length} events late, first ${first.late.length}`,
        );
      }
      // Published now: the markers go. A redelivery may repeat what was published (a crossing does), byte
      // for byte, or leave out what hung on a marker (a continuation): it is durable already. Nothing new.
      await detector.release(again.markers);
      const published = await detector.processBatch(messages);
      const before = new Map(first.detections.map((d) => [d.id, d]));
      const changed = published.detections.filter((d) => !isDeepStrictEqual(d, before.get(d.id)));
      if (changed.length > 0) {
        problems.push(
          `step ${index}: redelivered after release, the batch emitted new or changed ${ids(changed)}`,
        );
      }
      const crossings = first.detections.filter((d) => d.burst && !d.burst.continuation);
      const missing = crossings.filter((d) => !published.detections.some((p) => p.id === d.id));
      if (missing.length > 0) {
        problems.push(
          `step ${index}: redelivered after release, the crossings ${ids(missing)} did not repeat`,
        );
      }
      if (!isDeepStrictEqual(published.late, again.late)) {
        problems.push(
          `step ${index}: redelivered after release, ${published.late.length} events late, before ${again.late.length}`,
        );
      }
      if (published.markers.length > 0) {
        problems.push(
          `step ${index}: redelivered after release, the batch set markers again: ${published.markers.join(', ')}`,
        );
      }
      detections.push(...first.detections);
      late.push(...first.late);
    } else {
      const at = FIXTURE_EPOCH_MS + step.tickAt;
      if (at > clock.now()) clock.set(at);
      const [first, concurrent] = await Promise.all([detector.tick(), detector.tick()]);
      const fired = [...first.detections, ...concurrent.detections];
      if (fired.length > 0) {
        if (first.detections.length > 0 && concurrent.detections.length > 0) {
          problems.push(`step ${index}: two concurrent ticks both fired (${ids(fired)})`);
        }
        // No commit: as if the ticking process died before publishing. After the lease, the same again.
        clock.advance(TIMER_LEASE_MS + 1);
        const retried = await detector.tick();
        if (!isDeepStrictEqual(retried.detections, fired)) {
          problems.push(
            `step ${index}: the retried tick emitted ${ids(retried.detections)}, first ${ids(fired)}`,
          );
        }
        await retried.commit();
        const after = await detector.tick();
        if (after.detections.length > 0) {
          problems.push(`step ${index}: a tick after the commit fired again (${ids(after.detections)})`);
        }
      }
      await first.commit();
      await concurrent.commit();
      detections.push(...fired);
    }
  }

  for (const detection of detections) {
    const parsed = Detection.safeParse(detection);
    if (!parsed.success) problems.push(`${detection.id}: not a valid detection: ${parsed.error.message}`);
  }
  if (late.length > 0)
    problems.push(`late events: ${late.map((l) => `${l.event.id} (${l.reason})`).join('; ')}`);
  problems.push(...compare(rule, fixture, detections));
  return { detections, late, problems };
}

function compare(rule: Rule, fixture: RuleFixture, detections: readonly Detection[]): string[] {
  const problems: string[] = [];
  const wanted = fixture.expected.map((_, i) => expectedDetectionId(rule, fixture, i));
  if (
    !isDeepStrictEqual(
      detections.map((d) => d.id),
      wanted,
    )
  ) {
    problems.push(`expected ${wanted.length ? wanted.join(', ') : 'no detections'}; got ${ids(detections)}`);
    return problems;
  }
  fixture.expected.forEach((expected, i) => {
    const detection = detections[i];
    if (!detection) return;
    if (detection.status !== expected.status)
      problems.push(`${detection.id}: status ${detection.status}, expected ${expected.status}`);
    if (expected.burstEvents !== undefined && detection.burst?.events !== expected.burstEvents)
      problems.push(
        `${detection.id}: burst events ${detection.burst?.events}, expected ${expected.burstEvents}`,
      );
    if (expected.severity && detection.severity !== expected.severity)
      problems.push(`${detection.id}: severity ${detection.severity}, expected ${expected.severity}`);
    for (const [key, value] of Object.entries(expected.attributes ?? {})) {
      if (!isDeepStrictEqual(detection.attributes[key], value)) {
        problems.push(
          `${detection.id}: attribute ${key} is ${JSON.stringify(detection.attributes[key])}, expected ${JSON.stringify(value)}`,
        );
      }
    }
  });
  return problems;
}

function ids(detections: readonly Detection[]): string {
  return detections.length === 0 ? 'nothing' : detections.map((d) => d.id).join(', ');
}
