import { KafkaBus } from '@vigil/bus';
import { systemClock } from '@vigil/runtime';
import { topicNames } from '@vigil/schema';
import { buildIngestServer, type SourceDefinition } from '@vigil/sources';
import { silentLogger } from '@vigil/telemetry';

export interface IngestFigures {
  events: number;
  batches: number;
  eventsPerSecond: number;
  non202: number;
}

const TOKEN = 'bench-ingest-token-0123456789';

function genericBatch(start: number, size: number, runId: string): string {
  const items = [];
  for (let i = start; i < start + size; i++) {
    items.push({
      id: `${runId}-${i}`,
      kind: 'authentication',
      action: 'login',
      time: new Date(Date.now() - 1000).toISOString(),
      entity: { type: 'user', id: `user${i % 5000}@example.com` },
      outcome: i % 7 === 0 ? 'failure' : 'success',
      actor: { user: `user${i % 5000}@example.com`, ip: '203.0.113.7' },
      attributes: { method: 'password' },
    });
  }
  return JSON.stringify(items);
}

/**
 * Events accepted and persisted: batched `POST /v1/events/bench` (1,000 events a request, a few in
 * flight) through the real ingest server onto Kafka, counting only 202 answers — each means every
 * event of the request was acknowledged by the broker.
 */
export async function measureIngest(brokers: string[], prefix: string, total: number): Promise<IngestFigures> {
  const bus = new KafkaBus({ brokers, clientId: 'vigil-bench-ingest', logger: silentLogger });
  await bus.start();
  const source: SourceDefinition = {
    name: 'bench',
    format: 'generic',
    secret: TOKEN,
    auth: { type: 'bearer', secretEnv: 'UNUSED' },
    rateLimit: { eventsPerSecond: 10_000_000, burst: 10_000_000 },
  };
  const server = buildIngestServer({ bus, topics: topicNames(prefix), sources: [source], logger: silentLogger, clock: systemClock });
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  const batchSize = 1000;
  const batches = Math.ceil(total / batchSize);
  const runId = `r${Date.now()}`;
  const bodies = Array.from({ length: Math.min(batches, 20) }, (_, b) => genericBatch(b * batchSize, batchSize, runId));
  const post = (b: number) =>
    fetch(`${url}/v1/events/bench`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: bodies[b % bodies.length],
    });
  await post(0); // warm-up: topic creation, JIT

  let non202 = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < batches) {
      const b = next++;
      const res = await post(b);
      await res.arrayBuffer();
      if (res.status !== 202) non202++;
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const seconds = (performance.now() - started) / 1000;
  await server.close();
  await bus.stop();
  const accepted = (batches - non202) * batchSize;
  return { events: accepted, batches, eventsPerSecond: accepted / seconds, non202 };
}
