/**
 * The detector against a real Kafka topic whose partition count differs from the one its Redis state was
 * built for: it refuses to start (exit 2 in a process) naming both counts, and starts with the operator's
 * consent for exactly the new count, dropping and rebuilding its state.
 */
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { createBus } from '@vigil/bus';
import { VigilMetrics } from '@vigil/health';
import { loadDetectorConfig, startDetector } from '@vigil/pipeline';
import { ConfigError, systemClock } from '@vigil/runtime';
import { topicNames } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from '../fixtures/services';

describe('the events topic layout', { timeout: 90_000 }, () => {
  test('a detector refuses a topic re-partitioned under its state, and starts with consent for the new count', async ({ uid, kafkaBrokers, redisUrl }) => {
    const topic = topicNames(`${uid}.`).events;
    // The kcat mock cluster has no CreateTopics; it makes a topic with 4 partitions at its first write.
    const producer = new Kafka({ clientId: uid, brokers: kafkaBrokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: 'not an event' }] });
    await producer.disconnect();
    const redis = new Redis(redisUrl);
    const keyPrefix = `${uid}:det:`;
    await redis.set(`${keyPrefix}layout:${topic}`, JSON.stringify({ topic, partitions: 12 }));
    await redis.set(`${keyPrefix}w:some-window`, 'state built for 12');

    const env = {
      KAFKA_BROKERS: kafkaBrokers.join(','),
      KAFKA_CLIENT_ID: uid,
      REDIS_URL: redisUrl,
      DETECTOR_ADMIN_PORT: '0',
      DETECTOR_GROUP: `${uid}-detector`,
      DETECTOR_KEY_PREFIX: keyPrefix,
      STATE_EPOCH_KEY: `${uid}:epoch`,
      TOPIC_PREFIX: `${uid}.`,
    };
    const start = async (extra: Record<string, string> = {}) => {
      const config = loadDetectorConfig({ ...env, ...extra });
      const bus = createBus({ brokers: config.KAFKA_BROKERS, clientId: uid, logger: silentLogger });
      await bus.start();
      try {
        return { bus, detector: await startDetector(config, { bus, logger: silentLogger, clock: systemClock, metrics: new VigilMetrics({ service: 'detector', defaultMetrics: false }) }) };
      } catch (error) {
        await bus.stop();
        throw error;
      }
    };

    const refused = await start().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect(String((refused as ConfigError).problems)).toMatch(new RegExp(`${topic.replaceAll('.', '\\.')} has 4 partitions, but the detector state .* was built for 12.*DETECTOR_ACCEPT_PARTITIONS=4`));
    expect(await redis.get(`${keyPrefix}w:some-window`)).toBe('state built for 12');
    // Consent for another count is refused too.
    await expect(start({ DETECTOR_ACCEPT_PARTITIONS: '8' })).rejects.toBeInstanceOf(ConfigError);

    const { bus, detector } = await start({ DETECTOR_ACCEPT_PARTITIONS: '4' });
    await detector.stop();
    await bus.stop();
    expect(await redis.get(`${keyPrefix}w:some-window`)).toBeNull();
    expect(JSON.parse((await redis.get(`${keyPrefix}layout:${topic}`))!)).toMatchObject({ partitions: 4 });
    await redis.del(`${keyPrefix}layout:${topic}`, `${uid}:epoch`);
    await redis.quit();
  });
});
