import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from 'vitest';
import { createBus } from './create-bus';
import { KafkaBus } from './kafka-bus';
import { PlatformaticBus } from './platformatic-bus';

describe('createBus', () => {
  test('uses Kafka when brokers are given', async () => {
    const bus = createBus({ brokers: ['127.0.0.1:9092'], clientId: 'vigil-test', logger: silentLogger });
    expect(bus.kind).toBe('kafka');
    await bus.stop();
  });

  test('runs on the client KAFKA_CLIENT names, kafkajs unless told otherwise', async () => {
    const brokers = ['127.0.0.1:9092'];
    const chosen = createBus({
      brokers,
      clientId: 'vigil-test',
      logger: silentLogger,
      client: 'platformatic',
    });
    const fallback = createBus({ brokers, clientId: 'vigil-test', logger: silentLogger });
    expect(chosen).toBeInstanceOf(PlatformaticBus);
    expect(fallback).toBeInstanceOf(KafkaBus);
    await Promise.all([chosen.stop(), fallback.stop()]);
  });

  test.each([undefined, [], ['', '  ']])(
    'falls back to the embedded bus when brokers are %j',
    async (brokers) => {
      const bus = createBus({ brokers, clientId: 'vigil-test', logger: silentLogger });
      expect(bus.kind).toBe('embedded');
      await bus.stop();
    },
  );
});
