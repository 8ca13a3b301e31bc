// A bare kafkajs consumer (JSON.parse of each record, offsets committed after each batch) run as its
// own process: the transport's own limit on a live stream, to set the detector process against.
import { Kafka, logLevel } from 'kafkajs';

const kafka = new Kafka({ clientId: 'vigil-bench-raw-live', brokers: (process.env.KAFKA_BROKERS ?? '').split(','), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: process.env.DETECTOR_GROUP ?? 'raw', maxWaitTimeInMs: 100, sessionTimeout: 6000, heartbeatInterval: 1000 });
await consumer.connect();
await consumer.subscribe({ topics: [`${process.env.TOPIC_PREFIX ?? ''}vigil.events`], fromBeginning: true });
await consumer.run({
  partitionsConsumedConcurrently: 12,
  eachBatch: async ({ batch }) => {
    for (const m of batch.messages) if (m.value) JSON.parse(m.value.toString('utf8'));
  },
});
console.log('detector consuming');
const stop = () => void consumer.disconnect().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
