import { createBus } from '@vigil/bus';
import { systemClock } from '@vigil/runtime';
import { topicNames } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from '../../../../test/fixtures/services';
import { httpServer, waitFor } from '../testing/local-servers';
import { readTopic } from '../testing/read-topic';
import { startProber } from './prober';

describe('prober on Kafka', () => {
  test('produces its uptime_check events to the real events topic through KafkaBus', async ({ kafkaBrokers, uid }) => {
    const server = await httpServer((_req, res) => res.end('ok'));
    const topics = topicNames(`${uid}.`);
    const bus = createBus({ brokers: kafkaBrokers, clientId: uid, logger: silentLogger });
    await bus.start();
    const prober = startProber({
      bus,
      topics,
      logger: silentLogger,
      clock: systemClock,
      region: 'eu-west-1',
      random: () => 0,
      checks: [{ name: 'web', service: 'web', type: 'http', url: server.url, method: 'GET', intervalMs: 1000, timeoutMs: 1000, bodyContains: 'ok' }],
    });
    try {
      await waitFor(() => prober.stats().published >= 3, 'three results acknowledged by Kafka', 30_000);
    } finally {
      await prober.stop();
      await bus.stop();
      await server.close();
    }
    const { published, dropped } = prober.stats();
    expect(dropped).toBe(0);
    const events = await readTopic({ brokers: kafkaBrokers, topic: topics.events, as: 'events', groupId: `${uid}-check`, count: published });
    expect(events).toHaveLength(published);
    expect(new Set(events.map((e) => e.id)).size).toBe(published);
    expect(events[0]).toMatchObject({
      source: 'prober-eu-west-1',
      kind: 'uptime_check',
      entity: { type: 'service', id: 'web' },
      outcome: 'success',
      attributes: { 'vigil.check': 'web', 'vigil.region': 'eu-west-1', 'http.response.status_code': 200 },
    });
  });
});
