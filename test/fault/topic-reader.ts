import { Kafka, logLevel } from 'kafkajs';

export interface TopicRecord {
  partition: number;
  offset: string;
  value: string;
}

/**
 * Everything on a topic now, read with the plain kafkajs client under a group of its own: each
 * partition from its log start up to the high watermark taken before reading.
 */
export async function readWholeTopic(brokers: string[], topic: string, clientId: string, timeoutMs = 30_000): Promise<TopicRecord[]> {
  const kafka = new Kafka({ brokers, clientId, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  let ends: Array<{ partition: number; high: string; low: string }>;
  try {
    ends = await admin.fetchTopicOffsets(topic);
  } catch {
    // Never written to: the mock broker has not created it.
    await admin.disconnect();
    return [];
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const pending = new Map(ends.filter((end) => BigInt(end.high) > BigInt(end.low)).map((end) => [end.partition, BigInt(end.high)]));
  const records: TopicRecord[] = [];
  if (pending.size === 0) return records;
  const consumer = kafka.consumer({ groupId: `${clientId}-${Date.now()}`, sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const end = pending.get(partition);
          if (end === undefined) return;
          records.push({ partition, offset: message.offset, value: message.value?.toString('utf8') ?? '' });
          if (BigInt(message.offset) + 1n >= end) pending.delete(partition);
          if (pending.size === 0) resolve();
        },
      });
    });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${topic}: partitions ${[...pending.keys()].join(', ')} not read to their end within ${timeoutMs} ms`)), timeoutMs).unref(),
    );
    await Promise.race([done, timeout]);
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Committed offset minus high watermark, summed over the topic's partitions (0 = the group is done). */
export async function groupLag(brokers: string[], groupId: string, topic: string, clientId: string): Promise<number> {
  const kafka = new Kafka({ brokers, clientId, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    let lag = 0n;
    for (const end of ends) {
      const at = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
      const from = BigInt(at) < 0n ? BigInt(end.low) : BigInt(at);
      lag += BigInt(end.high) - from;
    }
    return Number(lag);
  } finally {
    await admin.disconnect();
  }
}
