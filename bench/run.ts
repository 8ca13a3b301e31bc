import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolveKafka } from '../test/fixtures/kafka-endpoint';
import { postgresUrl, redisUrl } from '../test/fixtures/service-urls';
import { measureDetector } from './detector-bench';
import { measureIngestBySource } from './ingest-bench';
import { measureLatency } from './latency-bench';
import { startMemorySampler } from './memory-sampler';
import { measureRawKafka } from './raw-kafka';

// `pnpm bench [--events N] [--latency-seconds S] [--soak-minutes M]`. Prints figures; never a gate.
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    'detector-events': { type: 'string', default: '32000' },
    'latency-seconds': { type: 'string', default: '30' },
    rate: { type: 'string', default: '5000' },
    'soak-minutes': { type: 'string', default: '0' },
    only: { type: 'string' },
  },
});
const events = Number(values.events);
const only = values.only?.split(',');
const wanted = (name: string) => !only || only.includes(name);
const kafka = await resolveKafka();
const run = `bench${Date.now().toString(36)}.`;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(0)} %`;
const results: Record<string, unknown> = { kafka: kafka.origin, brokers: kafka.brokers, at: new Date().toISOString() };
console.log(`Kafka: ${kafka.origin} (${kafka.brokers.join(',')}), Redis ${redisUrl()}, PostgreSQL ${postgresUrl()}\n`);

try {
  const raw = await measureRawKafka(kafka.brokers, `${run}raw`, events);
  results.raw = raw;
  console.log(`raw kafkajs produce (batches of 1,000, acks all) ${fmt(raw.producePerSecond)} events/s (${fmt(raw.produced)} events)`);
  console.log(`raw kafkajs consume + JSON.parse               ${fmt(raw.consumePerSecond)} events/s (${fmt(raw.consumed)} events the broker still held)`);

  if (wanted('ingest')) {
    // One source per format, each with its real authentication; `events` events per format, at most 15 s each.
    const bySource = await measureIngestBySource(kafka.brokers, `${run}ing.`, events);
    results.ingestBySource = bySource;
    for (const f of bySource) {
      const share = `${fmt(f.eventsPerSecond)} events/s = ${pct(f.eventsPerSecond, raw.producePerSecond)} of raw produce`;
      const odd = `${f.non202} non-202 answers${f.firstProblem ? `, first ${f.firstProblem}` : ''}${f.cappedAtSeconds ? `, stopped at ${f.cappedAtSeconds} s` : ''}`;
      if (f.format === 'generic') {
        // Unchanged wording: older results are compared against this line.
        results.ingest = { events: f.events, batches: f.batches, eventsPerSecond: f.eventsPerSecond, non202: f.non202 };
        console.log(`ingest, batched HTTP → Kafka, 202 only           ${share} (target ≥ 25,000; ${odd})`);
      } else if (f.eventsPerRequest === 1) {
        console.log(`  ${f.format.padEnd(16)} ${f.auth.padEnd(16)} one event a request, ${f.inFlight} in flight: ${share} (${fmt(f.events)} events; ${odd})`);
      } else {
        console.log(`  ${f.format.padEnd(16)} ${f.auth.padEnd(16)} ${fmt(f.eventsPerRequest)} a request, ${f.inFlight} in flight: ${share} (${fmt(f.events)} events; ${odd})`);
      }
    }
  }
  if (wanted('detector')) {
    const detector = await measureDetector(kafka.brokers, redisUrl(), `${run}det.`, Number(values['detector-events']));
    results.detector = detector;
    console.log(
      `detector, full catalog, one process              ${fmt(detector.eventsPerSecond)} events/s = ${pct(detector.eventsPerSecond, raw.consumePerSecond)} of raw consume` +
        ` (target ≥ 30,000; ${fmt(detector.events)} events, ${detector.detections} detections)`,
    );
  }
  if (wanted('latency')) {
    const soakMinutes = Number(values['soak-minutes']);
    const seconds = soakMinutes > 0 ? soakMinutes * 60 : Number(values['latency-seconds']);
    const sampler = startMemorySampler(soakMinutes > 0 ? 30_000 : 2_000);
    const latency = await measureLatency({ brokers: kafka.brokers, redisUrl: redisUrl(), databaseUrl: postgresUrl(), prefix: `${run}lat.`, rate: Number(values.rate), seconds });
    const memory = sampler.stop();
    results.latency = latency;
    results.memory = memory;
    const a = latency.acceptToIncident;
    const s = latency.incidentToSlack;
    console.log(`pipeline at ${fmt(latency.offeredEventsPerSecond)} events/s offered, ${fmt(latency.achievedEventsPerSecond)} accepted; ${latency.incidents}/${latency.expectedIncidents} incidents, drained ${latency.drainSeconds.toFixed(1)} s after the load stopped`);
    console.log(`  event accepted → incident committed          p50 ${fmt(a.p50)} ms, p99 ${fmt(a.p99)} ms, max ${fmt(a.max)} ms (target p99 ≤ 500; ${a.samples} samples)`);
    console.log(`  incident committed → Slack call made         p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms, max ${fmt(s.max)} ms (target p99 ≤ 1,000; ${s.samples} samples)`);
    console.log(
      `  memory over ${memory.minutes.toFixed(1)} min: heap ${memory.heapStartMb.toFixed(0)} → ${memory.heapEndMb.toFixed(0)} MB, rss ${memory.rssStartMb.toFixed(0)} → ${memory.rssEndMb.toFixed(0)} MB,` +
        ` heap slope over the second half ${memory.heapSlopeMbPerMin.toFixed(2)} MB/min`,
    );
  }
} finally {
  await kafka.stop();
}
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify(results, null, 2));
console.log(`\nfigures written to ${file}`);
process.exit(0);
