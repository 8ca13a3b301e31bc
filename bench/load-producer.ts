import { compatibilityPartitioner, ProduceAcks, Producer } from '@platformatic/kafka';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

/** The Kafka client the bench's load generator produces with (`--load-client`). */
export type LoadClient = 'kafkajs' | 'platformatic';

/**
 * What the bench's load generator writes with: keyed records, acknowledged by every in-sync replica.
 * It stands for the producers upstream of the detector (ingest, on its own machine in a real
 * deployment), yet here it shares the two cores with what it measures, so the lighter client is the
 * default: @platformatic/kafka. Both place a key where Kafka's Java partitioner does (murmur2), so an
 * entity's events land on the same partition with either.
 */
export interface LoadProducer {
  send(topic: string, messages: ReadonlyArray<{ key: string; value: string }>): Promise<void>;
  close(): Promise<void>;
}

export async function startLoadProducer(brokers: string[], client: LoadClient): Promise<LoadProducer> {
  if (client === 'kafkajs') {
    const producer = new Kafka({ clientId: 'vigil-bench-load', brokers, logLevel: logLevel.NOTHING }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    return {
      send: async (topic, messages) => void (await producer.send({ topic, acks: -1, messages: [...messages] })),
      close: () => producer.disconnect(),
    };
  }
  const producer = platformaticProducer('vigil-bench-load', brokers);
  return {
    send: async (topic, messages) =>
      void (await producer.send({ messages: messages.map((m) => ({ topic, key: m.key, value: m.value })), acks: ProduceAcks.ALL })),
    close: () => producer.close(),
  };
}

/**
 * A @platformatic/kafka producer of string keys and values that places a key where Kafka's Java
 * partitioner (and kafkajs's default) does; for the load generator and the clients comparison.
 */
export function platformaticProducer(
  clientId: string,
  brokers: string[],
  options: { autocreateTopics?: boolean } = {},
): Producer<string, string, string, string> {
  return new Producer<string, string, string, string>({
    clientId,
    bootstrapBrokers: brokers,
    ...options,
    acks: ProduceAcks.ALL,
    partitioner: compatibilityPartitioner,
    serializers: {
      key: (key?: string) => (key === undefined ? undefined : Buffer.from(key)),
      value: (value?: string) => (value === undefined ? undefined : Buffer.from(value)),
    },
  });
}
