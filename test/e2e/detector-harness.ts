import { Redis } from 'ioredis';
import { Partitioners } from 'kafkajs';
import { decode, encode, KafkaBus, type KafkaBusOptions, type Subscription } from '@vigil/bus';
import { startDetectorStage, type BatchDetector } from '@vigil/pipeline';
import { bruteForceRule, createDetector } from '@vigil/rules';
import { systemClock } from '@vigil/runtime';
import { OCSF_CLASS_BY_KIND, type Detection, type TopicNames, type VigilEvent } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';

/**
 * The kcat mock broker waits about the session timeout minus one second for members to rejoin a
 * rebalance; 6000 ms is the least a real broker accepts (see packages/bus/src/kafka-bus.test.ts).
 */
export const TEST_TIMINGS: Partial<KafkaBusOptions> = {
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 500,
  maxWaitTimeMs: 250,
  retryBackoff: { initialMs: 200, maxMs: 1_000 },
};

export function kafkaBus(kafkaBrokers: string[], clientId: string): KafkaBus {
  return new KafkaBus({ brokers: kafkaBrokers, clientId, logger: silentLogger, ...TEST_TIMINGS });
}

/** The kcat mock broker auto-creates topics with this many partitions. */
export const PARTITIONS = 4;

/**
 * `count` user ids per partition of the events topic, computed with the producer's own partitioner
 * (murmur2 on `user:<id>`), so every partition and therefore every group member gets users.
 */
export function usersPerPartition(prefix: string, count: number): Map<number, string[]> {
  const partition = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  const byPartition = new Map<number, string[]>(
    Array.from({ length: PARTITIONS }, (_, p) => [p, [] as string[]]),
  );
  for (let i = 0; [...byPartition.values()].some((users) => users.length < count); i++) {
    if (i > 10_000) throw new Error('could not spread users over the partitions');
    const user = `${prefix}-u${i}`;
    const p = partition({ topic: 'events', partitionMetadata, message: { key: `user:${user}`, value: '' } });
    const users = byPartition.get(p)!;
    if (users.length < count) users.push(user);
  }
  return byPartition;
}

/** A failed sign-in, valid per the VigilEvent schema, `secondsAgo` before now (event time). */
export function failedSignIn(user: string, id: string, secondsAgo: number): VigilEvent {
  const time = new Date(Date.now() - secondsAgo * 1_000).toISOString();
  return {
    id: `okta:${id}`,
    source: 'okta',
    kind: 'authentication',
    action: 'user.session.start',
    ocsfClassUid: OCSF_CLASS_BY_KIND.authentication,
    time,
    receivedAt: new Date().toISOString(),
    entity: { type: 'user', id: user },
    outcome: 'failure',
    actor: { user, ip: '203.0.113.7' },
    attributes: {},
    raw: { uuid: id },
  };
}

export async function publishEvents(bus: KafkaBus, topics: TopicNames, events: VigilEvent[]): Promise<void> {
  await bus.publish(
    topics.events,
    events.map((event) => encode('events', `user:${event.entity.id}`, event)),
  );
}

/** One detector process: its own bus, Redis client and detector, recording what it processed. */
export interface DetectorMember {
  readonly name: string;
  /** Event ids this member's detector processed (a redelivery appears twice). */
  readonly processed: string[];
  readonly partitions: Set<number>;
  stop(): Promise<void>;
}

export async function startDetectorMember(options: {
  name: string;
  kafkaBrokers: string[];
  redisUrl: string;
  uid: string;
  topics: TopicNames;
  groupId: string;
  keyPrefix: string;
}): Promise<DetectorMember> {
  const bus = kafkaBus(options.kafkaBrokers, `${options.uid}-${options.name}`);
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 });
  const processed: string[] = [];
  const partitions = new Set<number>();
  const inner = createDetector({
    redis,
    keyPrefix: options.keyPrefix,
    rules: [bruteForceRule],
    clock: systemClock,
    logger: silentLogger,
  });
  const detector: BatchDetector = {
    async processBatch(items) {
      const result = await inner.processBatch(items);
      for (const item of items) {
        processed.push(item.event.id);
        partitions.add(item.position.partition);
      }
      return result;
    },
  };
  let subscription: Subscription | undefined;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await subscription?.stop().catch(() => undefined);
    await bus.stop().catch(() => undefined);
    redis.disconnect();
  };
  try {
    await bus.start();
    subscription = await startDetectorStage({
      bus,
      topics: options.topics,
      detector,
      logger: silentLogger,
      groupId: options.groupId,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { name: options.name, processed, partitions, stop };
}

/** Every record on the detections topic, read by a group of its own; nothing deduplicated. */
export interface DetectionTap {
  readonly records: Detection[];
  stop(): Promise<void>;
}

export async function tapDetections(
  kafkaBrokers: string[],
  uid: string,
  topics: TopicNames,
): Promise<DetectionTap> {
  const bus = kafkaBus(kafkaBrokers, `${uid}-tap`);
  const records: Detection[] = [];
  await bus.start();
  try {
    await bus.subscribe({
      groupId: `${uid}-detections-tap`,
      topics: [topics.detections],
      eachBatch: async (batch) => {
        for (const message of batch.messages) {
          const decoded = decode('detections', message);
          if (!decoded.ok) throw new Error(`undecodable detection: ${decoded.reason}`);
          records.push(decoded.value);
        }
      },
    });
  } catch (error) {
    await bus.stop().catch(() => undefined);
    throw error;
  }
  return { records, stop: () => bus.stop() };
}

/** Detection ids per user, counting every record (a redelivered crossing may repeat the same id). */
export function detectionIdsByUser(records: readonly Detection[]): Map<string, string[]> {
  const byUser = new Map<string, string[]>();
  for (const record of records) {
    if (record.ruleId !== bruteForceRule.id) continue;
    const user = record.entity.id;
    byUser.set(user, [...(byUser.get(user) ?? []), record.id]);
  }
  return byUser;
}
