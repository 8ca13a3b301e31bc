import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from 'vitest';
import { createBus } from './create-bus';

describe('createBus', () => {
  test('uses Kafka when brokers are given', async () => {
    const bus = createBus({ brokers: ['127.0.0.1:9092'], clientId: 'vigil-test', logger: silentLogger });
    expect(bus.kind).toBe('kafka');
    await bus.stop();
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
