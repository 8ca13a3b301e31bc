import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { encode, type Subscription } from '@vigil/bus';
import { startDetectorStage, startDetectorTicker, type BatchDetector } from '@vigil/pipeline';
import {
  FIXTURE_EPOCH_MS,
  applyOverrides,
  catalog,
  createDetector,
  expectedDetectionId,
  type Detector,
  type LateEvent,
  type Rule,
  type RuleFixture,
} from '@vigil/rules';
import { ManualClock } from '@vigil/runtime';
import { entityKey, topicNames, type Detection, type TopicNames, type VigilEvent } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { kafkaBus, tapDetections, type DetectionTap } from './detector-harness';
import { eventually } from './pipeline-harness';

/**
 * Every catalog fixture, run through Kafka: the fixture's events are published to an events topic on
 * the kcat broker, ONE detector stage (a real KafkaBus consumer) runs them through detectors over the
 * whole catalog, timer steps fire from the real detector ticker, and what lands on the detections
 * topic must be exactly what the fixture expects of its rule: the same (rule, status, trigger event)
 * set and the same detection ids; negatives emit nothing for their rule.
 *
 * Not repeated here (they stay with the in-process runner, `runFixture` in packages/rules' catalog
 * test): the redelivered batch, two concurrent ticks, and the crashed tick retried after its lease.
 * Only their effect on the clock is mirrored, so later steps see the clock runFixture gives them.
 *
 * All fixtures share one run (one stage, one consumer group, one events topic) to keep it fast, yet
 * stay isolated: each fixture's event ids get a fixture tag, and the stage's detector hands each
 * event to that fixture's own detector (its own Redis key prefix, its parameters via
 * `applyOverrides`, and a ManualClock placed as the in-process runner places it). Events are keyed
 * by entity, as in production, so a fixture's entities may land on different partitions; to keep
 * each fixture's stream order (runFixture's single batch per step), a run of one entity's events is
 * published only after the previous run was processed.
 */

interface Case {
  rule: Rule;
  kind: 'positive' | 'negative';
  /** The fixture with its event ids (and expected trigger ids) tagged for this run. */
  fixture: RuleFixture;
  tag: string;
  detector: Detector;
  clock: ManualClock;
}

/** As in runFixture: how long a claimed timer stays claimed without a commit. */
const TIMER_LEASE_MS = 60_000;

const runId = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

function tagged(fixture: RuleFixture, tag: string): RuleFixture {
  return {
    ...fixture,
    events: fixture.events.map((event) => ({ ...event, id: `${tag}${event.id}` })),
    then: fixture.then?.map((step) =>
      'events' in step
        ? { events: step.events.map((event) => ({ ...event, id: `${tag}${event.id}` })) }
        : step,
    ),
    expected: fixture.expected.map((e) => ({ ...e, triggerEventId: `${tag}${e.triggerEventId}` })),
  };
}

function caseTag(eventId: string): string {
  const end = eventId.indexOf('~');
  if (end < 0) throw new Error(`untagged event ${eventId}`);
  return eventId.slice(0, end + 1);
}

function buildCases(redis: Redis): Case[] {
  const cases: Case[] = [];
  let index = 0;
  for (const rule of catalog) {
    for (const kind of ['positive', 'negative'] as const) {
      for (const original of rule.fixtures[kind]) {
        const tag = `f${index++}~`;
        const fixture = tagged(original, tag);
        const rules = applyOverrides(
          catalog,
          fixture.parameters ? { [rule.id]: { parameters: fixture.parameters } } : {},
        );
        // As in runFixture: the clock starts at the fixture epoch; each step moves it (see runSteps).
        const clock = new ManualClock(FIXTURE_EPOCH_MS);
        const detector = createDetector({
          redis,
          keyPrefix: `${runId}:${tag}`,
          rules,
          clock,
          logger: silentLogger,
          timerLeaseMs: TIMER_LEASE_MS,
        });
        cases.push({ rule, kind, fixture, tag, detector, clock });
      }
    }
  }
  return cases;
}

/** Every event of a fixture, over all its steps. */
function allEvents(fixture: RuleFixture): VigilEvent[] {
  return [
    ...fixture.events,
    ...(fixture.then ?? []).flatMap((step) => ('events' in step ? step.events : [])),
  ];
}

/** The fixture's events cut where the entity key (and so possibly the partition) changes. */
function entityRuns(events: readonly VigilEvent[]): VigilEvent[][] {
  const runs: VigilEvent[][] = [];
  let key: string | undefined;
  for (const event of events) {
    const next = entityKey(event.entity);
    if (next !== key || runs.length === 0) runs.push([]);
    runs[runs.length - 1]!.push(event);
    key = next;
  }
  return runs;
}

/** What follows `<ruleId>:<dedupKey>:` in a detection id: the trigger event id and any suffix. */
function afterKey(d: Detection): string {
  const prefix = `${d.ruleId}:${d.dedupKey}:`;
  if (!d.id.startsWith(prefix)) throw new Error(`detection id ${d.id} does not start with ${prefix}`);
  return d.id.slice(prefix.length);
}

/** The fixture event a detection names as its trigger (event ids may themselves hold colons). */
function triggerOf(d: Detection, fixture: RuleFixture): string | undefined {
  const rest = afterKey(d);
  return allEvents(fixture)
    .map((e) => e.id)
    .filter((id) => rest === id || rest.startsWith(`${id}:`))
    .sort((a, b) => b.length - a.length)[0];
}

/** Identity of a detection for the comparison: rule, status and trigger event. */
function triple(ruleId: string, status: string, triggerEventId: string): string {
  return `${ruleId} ${status} ${triggerEventId}`;
}

describe('the rule catalog fixtures through Kafka', { timeout: 120_000 }, () => {
  const kafkaBrokers = inject('kafkaBrokers');
  const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 3 });
  const topics: TopicNames = topicNames(`${runId}.`);
  const cases = buildCases(redis);
  const byTag = new Map(cases.map((c) => [c.tag, c]));
  const processed = new Set<string>();
  const emitted = new Set<string>();
  const late: LateEvent[] = [];
  const stops: Array<() => Promise<void>> = [];
  let tap: DetectionTap | undefined;
  let elapsedMs = 0;

  beforeAll(async () => {
    const started = Date.now();
    const producer = kafkaBus(kafkaBrokers, `${runId}-producer`);
    stops.push(() => producer.stop());
    await producer.start();

    // The stage's detector: each event goes to its fixture's detector, in stream order per fixture.
    const dispatcher: BatchDetector = {
      async processBatch(items) {
        const groups = new Map<string, typeof items>();
        for (const item of items) {
          const tag = caseTag(item.event.id);
          groups.set(tag, [...(groups.get(tag) ?? []), item]);
        }
        const detections: Detection[] = [];
        const lateHere: LateEvent[] = [];
        const markers: string[] = [];
        for (const [tag, group] of groups) {
          const c = byTag.get(tag);
          if (!c) throw new Error(`no fixture for tag ${tag}`);
          const result = await c.detector.processBatch(group);
          detections.push(...result.detections);
          lateHere.push(...result.late);
          markers.push(...result.markers);
        }
        for (const item of items) processed.add(item.event.id);
        for (const d of detections) emitted.add(d.id);
        late.push(...lateHere);
        return { detections, late: lateHere, markers };
      },
      // Every fixture's detector shares the one Redis: any of them releases any markers.
      release: (markers) => (cases[0] ? cases[0].detector.release(markers) : Promise.resolve()),
    };

    const consumer = kafkaBus(kafkaBrokers, `${runId}-detector`);
    stops.unshift(() => consumer.stop());
    await consumer.start();
    let subscription: Subscription | undefined;
    [tap, subscription] = await Promise.all([
      tapDetections(kafkaBrokers, runId, topics),
      startDetectorStage({
        bus: consumer,
        topics,
        detector: dispatcher,
        logger: silentLogger,
        groupId: `${runId}-detector`,
      }),
    ]);
    const stage = subscription;
    stops.unshift(() => stage.stop());
    const theTap = tap;
    stops.unshift(() => theTap.stop());

    // Each fixture's steps in order, the fixtures side by side. The clock moves as runFixture moves
    // it: up to a batch's newest event before it, 90 s on after it (runFixture's redelivery), up to
    // a tick's moment before it, and a lease on after a tick that fired (runFixture's crashed tick).
    const runSteps = async (c: Case): Promise<void> => {
      for (const step of [{ events: c.fixture.events }, ...(c.fixture.then ?? [])]) {
        if ('events' in step) {
          const newest = Math.max(...step.events.map((e) => Date.parse(e.time)));
          if (newest > c.clock.now()) c.clock.set(newest);
          // A run of events of one entity key (one partition) is published once the previous run
          // was processed, so events on different partitions keep the fixture's stream order.
          for (const run of entityRuns(step.events)) {
            await producer.publish(
              topics.events,
              run.map((e) => encode('events', entityKey(e.entity), e)),
            );
            await eventually(
              async () => (run.every((e) => processed.has(e.id)) ? true : undefined),
              30_000,
              `${c.fixture.name}: ${run.length} events processed`,
            );
          }
          c.clock.advance(90_000);
        } else {
          const at = FIXTURE_EPOCH_MS + step.tickAt;
          if (at > c.clock.now()) c.clock.set(at);
          // The real ticker, run until one tick has published and committed, then stopped.
          let ticks = 0;
          let fired = false;
          const ticker = startDetectorTicker({
            bus: producer,
            topics,
            logger: silentLogger,
            intervalMs: 20,
            detector: {
              async tick() {
                const result = await c.detector.tick();
                for (const d of result.detections) emitted.add(d.id);
                return {
                  detections: result.detections,
                  async commit() {
                    await result.commit();
                    fired ||= result.detections.length > 0;
                    ticks++;
                  },
                };
              },
            },
          });
          try {
            await eventually(async () => (ticks > 0 ? true : undefined), 30_000, `${c.fixture.name}: a tick`);
          } finally {
            await ticker.stop();
          }
          if (fired) c.clock.advance(TIMER_LEASE_MS + 1);
        }
      }
    };
    await Promise.all(cases.map(runSteps));
    await eventually(
      async () => {
        const onTopic = new Set(theTap.records.map((d) => d.id));
        return [...emitted].every((id) => onTopic.has(id)) ? true : undefined;
      },
      30_000,
      'every detection on the detections topic',
    );
    elapsedMs = Date.now() - started;
  });

  afterAll(async () => {
    for (const stop of stops.splice(0)) await stop().catch(() => undefined);
    const keys = await redis.keys(`${runId}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    const counts = new Map<string, number>();
    for (const c of cases) counts.set(c.rule.id, (counts.get(c.rule.id) ?? 0) + 1);
    console.log(
      `[catalog through kafka] ${cases.length} fixtures in ${elapsedMs} ms: ${[...counts]
        .map(([id, n]) => `${id} ${n}`)
        .join(', ')}`,
    );
  });

  test('every fixture of every rule runs through Kafka', () => {
    const fixtures = catalog.reduce((n, r) => n + r.fixtures.positive.length + r.fixtures.negative.length, 0);
    expect(cases).toHaveLength(fixtures);
    for (const rule of catalog)
      expect(
        cases.some((c) => c.rule.id === rule.id),
        rule.id,
      ).toBe(true);
  });

  test('a burst leaves no replay markers behind once its detections are published', async () => {
    // Crossing records stay (a redelivered crossing repeats its detection); the markers of the events a
    // burst absorbed went with the release after each publish.
    const continuations = (tap?.records ?? []).filter((d) => d.burst?.continuation);
    expect(continuations.length).toBeGreaterThan(0);
    const markersLeft = await eventually(
      async () => {
        const left: string[] = [];
        for (const key of await redis.keys(`${runId}:*:replay:*`)) {
          if ((await redis.get(key))?.startsWith('{"burst":')) left.push(key);
        }
        return left.length === 0 ? left : undefined;
      },
      10_000,
      'no burst markers left',
    );
    expect(markersLeft).toEqual([]);
    expect((await redis.keys(`${runId}:*:replay:*`)).length).toBeGreaterThan(0);
  });

  test.each(cases.map((c) => [`${c.rule.id} ${c.kind}: ${c.fixture.name}`, c] as const))('%s', (_, c) => {
    const records = tap?.records ?? [];
    const ours = records.filter((d) => d.ruleId === c.rule.id && afterKey(d).startsWith(c.tag));
    // A burst's continuations are coalesced per batch, and Kafka's batches are not the in-process runner's:
    // only the count they reach is compared.
    const mine = ours.filter((d) => !d.burst?.continuation);
    const expected = c.fixture.expected.flatMap((e, i) => (e.burstEvents === undefined ? [{ e, i }] : []));
    expect(
      new Set(mine.map((d) => triple(d.ruleId, d.status, triggerOf(d, c.fixture) ?? `?${d.id}`))),
    ).toEqual(new Set(expected.map(({ e }) => triple(c.rule.id, e.status, e.triggerEventId))));
    expect(new Set(mine.map((d) => d.id))).toEqual(
      new Set(expected.map(({ i }) => expectedDetectionId(c.rule, c.fixture, i))),
    );
    const burstEvents = c.fixture.expected.flatMap((e) =>
      e.burstEvents === undefined ? [] : [e.burstEvents],
    );
    expect(Math.max(0, ...ours.map((d) => (d.burst?.continuation ? d.burst.events : 0)))).toBe(
      Math.max(0, ...burstEvents),
    );
    const lateForRule = late.filter(
      (l) => caseTag(l.event.id) === c.tag && l.rules.some((r) => r.ruleId === c.rule.id),
    );
    expect(lateForRule.map((l) => `${l.event.id}: ${l.reason}`)).toEqual([]);
  });
});
