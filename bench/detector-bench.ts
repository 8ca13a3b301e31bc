import { KafkaBus } from '@vigil/bus';
import { startDetectorStage, type BatchDetector } from '@vigil/pipeline';
import { catalog, createDetector } from '@vigil/rules';
import { systemClock } from '@vigil/runtime';
import { topicNames } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';

export interface DetectorFigures {
  events: number;
  detections: number;
  eventsPerSecond: number;
}

/** A realistic mix: mostly successful sign-ins, some failures (bursts cross the threshold), uptime checks. */
export function mixedEventJson(i: number, runId: string, baseMs: number): { key: string; value: string } {
  const time = new Date(baseMs + i * 2).toISOString();
  if (i % 20 === 0) {
    const service = `svc-${i % 50}`;
    return {
      key: `service:${service}`,
      value: JSON.stringify({
        id: `bench:${runId}:${i}`, source: 'bench', kind: 'uptime_check', action: 'http', ocsfClassUid: 0, time, receivedAt: time,
        entity: { type: 'service', id: service }, outcome: i % 60 === 0 ? 'failure' : 'success', actor: {},
        attributes: { 'vigil.region': 'eu-west-1', 'vigil.latency_ms': 120 }, raw: {},
      }),
    };
  }
  const user = `user${i % 5000}@example.com`;
  return {
    key: `user:${user}`,
    value: JSON.stringify({
      id: `bench:${runId}:${i}`, source: 'bench', kind: 'authentication', action: 'user.session.start', ocsfClassUid: 3002, time, receivedAt: time,
      entity: { type: 'user', id: user }, outcome: i % 10 === 1 ? 'failure' : 'success', actor: { user, ip: `203.0.113.${i % 200}` },
      attributes: { 'vigil.mfa_used': true, 'vigil.interface': 'sso' }, raw: { eventType: 'user.session.start' },
    }),
  };
}

/**
 * Events through the full rule catalog in one detector process over Kafka: the events topic is
 * filled with `total` events (within what the kcat broker retains), then the detector stage reads
 * them as a fresh consumer group; the rate runs from its first batch to the last event processed.
 */
export async function measureDetector(brokers: string[], redisUrl: string, prefix: string, total: number): Promise<DetectorFigures> {
  const topics = topicNames(prefix);
  const runId = `r${Date.now()}`;
  const kafka = new Kafka({ clientId: 'vigil-bench-fill', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const baseMs = Date.now() - 60_000;
  for (let start = 0; start < total; start += 1000) {
    const messages = Array.from({ length: Math.min(1000, total - start) }, (_, j) => mixedEventJson(start + j, runId, baseMs));
    await producer.send({ topic: topics.events, acks: -1, messages });
  }
  await producer.disconnect();

  const redis = new Redis(redisUrl);
  const keyPrefix = `bench:${runId}:`;
  const inner = createDetector({ redis, keyPrefix, rules: catalog, clock: systemClock, logger: silentLogger });
  let processed = 0;
  let detections = 0;
  let firstAt = 0;
  let lastAt = 0;
  const counting: BatchDetector = {
    async processBatch(items) {
      if (firstAt === 0) firstAt = performance.now();
      const result = await inner.processBatch(items);
      processed += items.length;
      detections += result.detections.length;
      lastAt = performance.now();
      return result;
    },
    release: (markers) => inner.release(markers),
  };
  const bus = new KafkaBus({ brokers, clientId: 'vigil-bench-detector', logger: silentLogger, sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 });
  await bus.start();
  const subscription = await startDetectorStage({ bus, topics, detector: counting, logger: silentLogger, groupId: `bench-det-${runId}`, partitionsConsumedConcurrently: 12 });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && (firstAt === 0 || performance.now() - lastAt < 2000)) await new Promise((r) => setTimeout(r, 100));
  await subscription.stop();
  await bus.stop();
  const keys = await redis.keys(`${keyPrefix}*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  redis.disconnect();
  return { events: processed, detections, eventsPerSecond: processed / Math.max((lastAt - firstAt) / 1000, 0.001) };
}
