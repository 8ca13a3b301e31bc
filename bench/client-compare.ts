// `pnpm bench --only clients`: each Kafka client Vigil can run on (KAFKA_CLIENT), measured in the same
// run on identical 12-partition topics: produce, consume + JSON.parse, and publish → handled latency.
import { ProduceAcks } from '@platformatic/kafka';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { createBus, type Bus, type KafkaClientName } from '@vigil/bus';
import { silentLogger } from '@vigil/telemetry';
import { sampleEventJson } from './raw-kafka';
import { platformaticProducer } from './load-producer';

export const CLIENTS: readonly KafkaClientName[] = ['kafkajs', 'platformatic'];

export interface ClientFigures {
  client: KafkaClientName;
  produced: number;
  producePerSecond: number;
  consumed: number;
  consumePerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencySamples: number;
}

const BATCH = 1000;
const payloads = Array.from({ length: BATCH }, (_, i) => ({
  key: `user:${i % 5000}`,
  value: sampleEventJson(i),
}));

/** Batches of 1,000 ~700-byte events, acks all, two sends in flight, through the library's own producer. */
async function produce(
  client: KafkaClientName,
  brokers: string[],
  topic: string,
  total: number,
): Promise<number> {
  const batches = Math.ceil(total / BATCH);
  let send: () => Promise<unknown>;
  let close: () => Promise<void>;
  if (client === 'kafkajs') {
    const producer = new Kafka({
      clientId: 'vigil-bench-clients',
      brokers,
      logLevel: logLevel.NOTHING,
    }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    send = () => producer.send({ topic, acks: -1, messages: payloads });
    close = () => producer.disconnect();
  } else {
    const producer = platformaticProducer('vigil-bench-clients', brokers, { autocreateTopics: true });
    const messages = payloads.map((p) => ({ ...p, topic }));
    send = () => producer.send({ messages, acks: ProduceAcks.ALL });
    close = () => producer.close();
  }
  await send(); // connects and learns the topic's leaders before the clock starts
  const started = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let b = 0; b < batches; b++) {
    inFlight.push(send());
    if (inFlight.length >= 2) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  await close();
  return (batches * BATCH) / seconds;
}

function bus(client: KafkaClientName, brokers: string[]): Bus {
  return createBus({
    brokers,
    client,
    clientId: `vigil-bench-${client}`,
    logger: silentLogger,
    maxWaitTimeMs: 100,
  });
}

/**
 * A fresh group reads what the broker still holds through the client's Bus adapter (the consumer
 * Vigil runs: per-partition batches, commit after each), parsing every value; 12 partitions at once.
 */
async function consume(
  client: KafkaClientName,
  brokers: string[],
  topic: string,
): Promise<{ consumed: number; perSecond: number }> {
  const consumer = bus(client, brokers);
  await consumer.start();
  let consumed = 0;
  let firstAt = 0;
  let lastAt = 0;
  await consumer.subscribe({
    groupId: `bench-clients-${client}-${Date.now()}`,
    topics: [topic],
    partitionsConsumedConcurrently: 12,
    eachBatch: async (batch) => {
      if (firstAt === 0) firstAt = performance.now();
      for (const message of batch.messages) JSON.parse(message.value.toString('utf8'));
      consumed += batch.messages.length;
      lastAt = performance.now();
    },
  });
  // Done when nothing new has arrived for 2 s (the mock broker keeps only the tail of each partition).
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && (firstAt === 0 || performance.now() - lastAt < 2000))
    await new Promise((r) => setTimeout(r, 200));
  await consumer.stop();
  return { consumed, perSecond: consumed / Math.max((lastAt - firstAt) / 1000, 0.001) };
}

/** One event published every 10 ms through the Bus; latency = handled by a subscriber − publish called. */
async function latency(client: KafkaClientName, brokers: string[], topic: string, samples: number) {
  const adapter = bus(client, brokers);
  await adapter.start();
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  await adapter.subscribe({
    groupId: `bench-clients-latency-${client}-${Date.now()}`,
    topics: [topic],
    fromBeginning: true,
    partitionsConsumedConcurrently: 12,
    eachBatch: async (batch) => {
      const now = performance.now();
      for (const message of batch.messages) {
        const at = sentAt.get(message.value.toString('utf8'));
        if (at !== undefined) latencies.push(now - at);
      }
    },
  });
  for (let i = 0; i < samples; i++) {
    const id = `${client}-${i}`;
    sentAt.set(id, performance.now());
    await adapter.publish(topic, [{ key: `user:${i}`, value: id }]);
    await new Promise((r) => setTimeout(r, 10));
  }
  const deadline = Date.now() + 10_000;
  while (latencies.length < samples && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await adapter.stop();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), samples: latencies.length };
}

/**
 * Every client in turn on its own topics (`<prefix><client>` for throughput, `<prefix><client>.lat`
 * for latency), which the caller created with 12 partitions.
 */
export async function measureClients(
  brokers: string[],
  prefix: string,
  events: number,
  latencySamples = 500,
): Promise<ClientFigures[]> {
  const figures: ClientFigures[] = [];
  for (const client of CLIENTS) {
    const topic = `${prefix}${client}`;
    const producePerSecond = await produce(client, brokers, topic, events);
    const { consumed, perSecond } = await consume(client, brokers, topic);
    const lat = await latency(client, brokers, `${topic}.lat`, latencySamples);
    figures.push({
      client,
      produced: Math.ceil(events / BATCH) * BATCH,
      producePerSecond,
      consumed,
      consumePerSecond: perSecond,
      latencyP50Ms: lat.p50,
      latencyP99Ms: lat.p99,
      latencySamples: lat.samples,
    });
  }
  return figures;
}
