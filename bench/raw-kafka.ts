import { createKeyPartitioner } from '@vigil/bus';
import { Kafka, logLevel } from 'kafkajs';

export interface RawKafkaFigures {
  produced: number;
  producePerSecond: number;
  consumed: number;
  consumePerSecond: number;
}

/** A payload the size of a normalised authentication event (~700 bytes of JSON). */
export function sampleEventJson(i: number): string {
  return JSON.stringify({
    id: `bench:${i}`,
    source: 'bench',
    kind: 'authentication',
    action: 'user.session.start',
    ocsfClassUid: 3002,
    time: new Date(1_790_000_000_000 + i).toISOString(),
    receivedAt: new Date(1_790_000_000_000 + i).toISOString(),
    entity: { type: 'user', id: `user${i % 5000}@example.com` },
    outcome: i % 7 === 0 ? 'failure' : 'success',
    actor: { user: `user${i % 5000}@example.com`, ip: '203.0.113.7' },
    attributes: { 'okta.outcome.result': 'SUCCESS', 'okta.severity': 'INFO' },
    raw: { uuid: `u-${i}`, eventType: 'user.session.start', displayMessage: 'User login to Okta' },
  });
}

/**
 * The transport's own limits on this machine: kafkajs producing batches of 1,000 (acks all), then a
 * fresh group consuming and JSON-parsing what the broker still holds. The pipeline's figures are
 * reported as shares of these, measured in the same run.
 */
export async function measureRawKafka(brokers: string[], topic: string, total: number): Promise<RawKafkaFigures> {
  const kafka = new Kafka({ clientId: 'vigil-bench-raw', brokers, logLevel: logLevel.NOTHING });
  // The partitioner the bus produces with: kafkajs's own hashes keys on a 64-bit Long, a cost of the
  // library rather than of the transport.
  const producer = kafka.producer({ allowAutoTopicCreation: true, createPartitioner: createKeyPartitioner });
  await producer.connect();
  const batchSize = 1000;
  const batches = Math.ceil(total / batchSize);
  const payloads = Array.from({ length: batchSize }, (_, i) => ({ key: `user:${i % 5000}`, value: sampleEventJson(i) }));
  await producer.send({ topic, acks: -1, messages: payloads.slice(0, 10) }); // creates the topic

  const started = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let b = 0; b < batches; b++) {
    inFlight.push(producer.send({ topic, acks: -1, messages: payloads }));
    if (inFlight.length >= 2) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const produceSeconds = (performance.now() - started) / 1000;
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `bench-raw-${Date.now()}`, sessionTimeout: 10_000, heartbeatInterval: 1000, maxBytes: 50 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let consumed = 0;
  let firstAt = 0;
  let lastAt = 0;
  await consumer.run({
    partitionsConsumedConcurrently: 12,
    eachBatch: async ({ batch }) => {
      if (firstAt === 0) firstAt = performance.now();
      for (const m of batch.messages) if (m.value) JSON.parse(m.value.toString('utf8'));
      consumed += batch.messages.length;
      lastAt = performance.now();
    },
  });
  // Done when nothing new has arrived for 2 s (the broker may hold less than was produced).
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && (firstAt === 0 || performance.now() - lastAt < 2000)) {
    await new Promise((r) => setTimeout(r, 200));
  }
  await consumer.disconnect();
  const consumeSeconds = Math.max((lastAt - firstAt) / 1000, 0.001);
  return { produced: batches * batchSize, producePerSecond: (batches * batchSize) / produceSeconds, consumed, consumePerSecond: consumed / consumeSeconds };
}
