import type { Redis } from 'ioredis';
import { EmbeddedBus, decode, encode, type Bus, type IncomingMessage } from '@vigil/bus';
import { startDetectorStage, type BatchDetector } from '@vigil/pipeline';
import { bruteForceRule, createDetector } from '@vigil/rules';
import { systemClock } from '@vigil/runtime';
import { topicNames, type Detection } from '@vigil/schema';
import { recordingLogger, silentLogger, type Logger } from '@vigil/telemetry';
import { describe, expect, test } from '../fixtures/services';
import { failedSignIn } from './detector-harness';
import { eventually } from './pipeline-harness';

/**
 * A burst's later events leave replay markers in Redis so a redelivery repeats their continuation. The
 * stage releases them once the batch's detections are published, and only then: a publish that fails
 * keeps them for the retry; a release that fails costs memory, never the batch. Real Redis and the real
 * detector; the bus is the embedded one, wrapped to fail publishes on demand.
 */

/** The embedded bus, whose publishes to one topic fail while `failing` is above zero (one per call). */
function flakyBus(topic: string): Bus & { failing: number; published: number } {
  const inner = new EmbeddedBus({ logger: silentLogger, partitions: 1 });
  const bus = {
    kind: inner.kind,
    failing: 0,
    published: 0,
    start: () => inner.start(),
    stop: () => inner.stop(),
    subscribe: (options: Parameters<Bus['subscribe']>[0]) => inner.subscribe(options),
    async publish(to: string, messages: Parameters<Bus['publish']>[1]) {
      if (to === topic && bus.failing > 0) {
        bus.failing--;
        throw new Error('the detections topic is not taking writes');
      }
      await inner.publish(to, messages);
      if (to === topic) bus.published++;
    },
  };
  return bus;
}

async function markerKeys(redis: Redis, prefix: string): Promise<string[]> {
  const markers: string[] = [];
  for (const key of await redis.keys(`${prefix}*:replay:*`)) {
    if ((await redis.get(key))?.startsWith('{"burst":')) markers.push(key);
  }
  return markers.sort();
}

/** `count` failed sign-ins of `user`, a second apart and a minute ago, published to the events topic. */
async function publishFailedSignIns(
  bus: Bus,
  topic: string,
  user: string,
  idPrefix: string,
  count: number,
): Promise<void> {
  const events = Array.from({ length: count }, (_, i) => failedSignIn(user, `${idPrefix}${i}`, 60 - i));
  await bus.publish(
    topic,
    events.map((e) => encode('events', `user:${user}`, e)),
  );
}

/** A started flaky bus on the test's own topics, and a brute-force detector on the test's own keys. */
async function setUp(redis: Redis, uid: string) {
  const topics = topicNames(`${uid}.`);
  const bus = flakyBus(topics.detections);
  await bus.start();
  const detector = createDetector({
    redis,
    keyPrefix: `${uid}:`,
    rules: [bruteForceRule],
    clock: systemClock,
    logger: silentLogger,
  });
  const startStage = (watched: BatchDetector, logger: Logger = silentLogger) =>
    startDetectorStage({ bus, topics, detector: watched, logger, groupId: `${uid}-detector` });
  return { topics, bus, detector, startStage };
}

describe('burst markers', () => {
  test('are kept while the publish fails and released once it succeeds; the crossing record stays', async ({
    redis,
    uid,
  }) => {
    const { topics, bus, detector, startStage } = await setUp(redis, uid);
    const calls: string[] = [];
    const watched: BatchDetector = {
      processBatch: async (items) => {
        const result = await detector.processBatch(items);
        calls.push(`evaluated ${result.markers.length} markers, published ${bus.published}`);
        return result;
      },
      release: async (markers) => {
        calls.push(`released ${markers.length}, published ${bus.published}`);
        await detector.release(markers);
      },
    };
    const detections: Detection[] = [];
    const tap = await bus.subscribe({
      groupId: `${uid}-tap`,
      topics: [topics.detections],
      eachBatch: async (batch) => {
        for (const message of batch.messages as IncomingMessage[]) {
          const decoded = decode('detections', message);
          if (decoded.ok) detections.push(decoded.value);
        }
      },
    });
    bus.failing = 2;
    const stage = await startStage(watched);
    try {
      // Five failed sign-ins cross (the threshold is 5); the three after are the burst's later events.
      await publishFailedSignIns(bus, topics.events, 'mallory@example.com', `${uid}-f`, 8);
      await eventually(
        async () => (calls.some((c) => c.startsWith('released')) ? true : undefined),
        20_000,
        'a release',
      );

      // Two failed publishes, two retries that repeated the markers, then one publish and its release.
      expect(calls).toEqual([
        'evaluated 3 markers, published 0',
        'evaluated 3 markers, published 0',
        'evaluated 3 markers, published 0',
        'released 3, published 1',
      ]);
      expect(await markerKeys(redis, `${uid}:`)).toEqual([]);
      const replayRecords = await redis.keys(`${uid}:*:replay:*`);
      expect(replayRecords).toHaveLength(1);
      expect(replayRecords[0]).toContain(`okta:${uid}-f4`);
      await eventually(
        async () => (detections.length >= 2 ? true : undefined),
        10_000,
        'detections on the topic',
      );
      expect(detections.map((d) => [d.status, d.burst?.events, d.burst?.continuation])).toEqual([
        ['firing', 5, false],
        ['firing', 8, true],
      ]);
    } finally {
      await stage.stop();
      await tap.stop();
      await bus.stop();
    }
  });

  test('a release that fails is logged and costs the batch nothing: it is not evaluated again', async ({
    redis,
    uid,
  }) => {
    const { topics, bus, detector, startStage } = await setUp(redis, uid);
    const logger = recordingLogger();
    let evaluated = 0;
    const watched: BatchDetector = {
      processBatch: async (items) => {
        evaluated += items.length;
        return detector.processBatch(items);
      },
      release: () => Promise.reject(new Error('Connection is closed.')),
    };
    const stage = await startStage(watched, logger);
    try {
      await publishFailedSignIns(bus, topics.events, 'oscar@example.com', `${uid}-g`, 7);
      const warning = await eventually(
        async () => logger.lines.find((line) => line.msg?.startsWith('burst markers not released')),
        20_000,
        'the warning',
      );
      expect(warning.level).toBe('warn');
      expect(warning.fields.markers).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(evaluated).toBe(7);
      expect(bus.published).toBe(1);
      // Left for their TTL, which is the state's: never forever.
      const left = await markerKeys(redis, `${uid}:`);
      expect(left).toHaveLength(2);
      for (const key of left) expect(await redis.pttl(key)).toBeGreaterThan(0);
    } finally {
      await stage.stop();
      await bus.stop();
    }
  });
  test('a slow release holds up neither its run nor the next one, and a stop waits for it', async ({
    redis,
    uid,
  }) => {
    const { topics, bus, detector, startStage } = await setUp(redis, uid);
    let evaluated = 0;
    let released = false;
    let letGo: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (letGo = resolve));
    const watched: BatchDetector = {
      processBatch: async (items) => {
        evaluated += items.length;
        return detector.processBatch(items);
      },
      release: async (markers) => {
        await gate;
        await detector.release(markers);
        released = true;
      },
    };
    const stage = await startStage(watched);
    let stopped = false;
    try {
      await publishFailedSignIns(bus, topics.events, 'pia@example.com', `${uid}-h`, 7);
      await eventually(async () => (bus.published === 1 ? true : undefined), 20_000, 'the first publish');
      await publishFailedSignIns(bus, topics.events, 'quinn@example.com', `${uid}-i`, 7);
      await eventually(
        async () => (evaluated === 14 && bus.published === 2 ? true : undefined),
        20_000,
        'the second batch published while the first release waits',
      );
      expect(released).toBe(false);
      expect(await markerKeys(redis, `${uid}:`)).toHaveLength(4);
      const stopping = stage.stop().then(() => {
        stopped = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(stopped).toBe(false);
      letGo();
      await stopping;
      expect(released).toBe(true);
      expect(await markerKeys(redis, `${uid}:`)).toEqual([]);
    } finally {
      letGo();
      if (!stopped) await stage.stop();
      await bus.stop();
    }
  });
});
