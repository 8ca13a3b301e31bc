import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { machineInfo } from './machine';
import { resolveKafka, type KafkaEndpoint } from '../test/fixtures/kafka-endpoint';
import { startMockCluster } from '../test/fixtures/kcat-broker';
import { measureFailover } from './failover-bench';
import type { LoadClient } from './load-producer';
import { measureSustainedDetector } from './sustained-detector';
import { postgresUrl, redisUrl } from '../test/fixtures/service-urls';
import { localStateSection } from './local-state-bench';
import { measureDetector } from './detector-bench';
import { INGEST_FORMATS, measureIngestBySource, measureRawHttp } from './ingest-bench';
import type { SourceFormat } from '@vigil/sources';
import { measureLatency } from './latency-bench';
import { startMemorySampler } from './memory-sampler';
import { measureRawKafka } from './raw-kafka';
import { deleteRunKeys } from './redis-cleanup';
import { CLIENTS, measureClients } from './client-compare';
import { runBuiltServices } from './detector-process';
import { buildServices } from '../test/fault/service-process';

// `pnpm bench [--events N] [--latency-seconds S] [--soak-minutes M]`. Prints figures; never a gate.
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    'detector-events': { type: 'string', default: '32000' },
    'latency-seconds': { type: 'string', default: '30' },
    // The same load first, for this long, reported apart from the latency figure (the pipeline's cold start).
    'latency-warmup-seconds': { type: 'string', default: '5' },
    rate: { type: 'string', default: '5000' },
    // The latency run's pipeline: `separate` processes (as deployed) or `one-process` (`pnpm start`).
    topology: { type: 'string', default: 'separate' },
    'soak-minutes': { type: 'string', default: '0' },
    // Offered rates for the separate-process detector, each held this long; stops at the first it cannot keep up with.
    rates: { type: 'string', default: '1000,2000,5000,10000,20000,40000' },
    'sustain-seconds': { type: 'string', default: '60' },
    // A rules override file for the sustained section's detector (RULES_FILE), e.g. to run it with some rules disabled.
    'detector-rules': { type: 'string' },
    // Skips the bare consumer's steps before the detector's: for long runs that watch the detector alone.
    'skip-raw-live': { type: 'boolean', default: false },
    // The sustained section's load generator client: platformatic (default, the lighter on the shared cores) or kafkajs.
    'load-client': { type: 'string', default: 'platformatic' },
    'session-timeout-ms': { type: 'string', default: '6000' },
    only: { type: 'string' },
    // Writes a CPU profile (node --cpu-prof) of the ingest process and of the sustained section's detector here.
    'cpu-prof-dir': { type: 'string' },
    // The ingest section's source formats (comma-separated), all of them by default.
    formats: { type: 'string' },
    // How the Vigil services run: `built`, the production bundles the image runs (services/vigil/build.ts,
    // `node <service>.js`), or `source`, TypeScript through tsx.
    services: { type: 'string', default: 'built' },
  },
});
const events = Number(values.events);
function loadClient(name: string): LoadClient {
  if (name === 'kafkajs' || name === 'platformatic') return name;
  throw new Error(`--load-client must be kafkajs or platformatic, not ${name}`);
}
const only = values.only?.split(',');
const wanted = (name: string) => !only || only.includes(name);
const runId = `bench${Date.now().toString(36)}`;
const run = `${runId}.`;
// The production layout (infra/kafka/topics.yaml): 12 partitions for events, 6 for detections, 3 per dead letter.
const layout = (prefix: string) => ({
  [`${prefix}vigil.events`]: 12,
  [`${prefix}vigil.events.dlq`]: 3,
  [`${prefix}vigil.detections`]: 6,
  [`${prefix}vigil.detections.dlq`]: 3,
});
const kafka: KafkaEndpoint = process.env.KAFKA_BROKERS
  ? await resolveKafka()
  : await startMockCluster({
      [`${run}raw`]: 12,
      ...Object.fromEntries(
        CLIENTS.flatMap((client) => [
          [`${run}cli.${client}`, 12],
          [`${run}cli.${client}.lat`, 12],
        ]),
      ),
      ...layout(`${run}det.`),
      ...layout(`${run}lat.`),
      ...layout(`${run}sus.`),
      ...layout(`${run}rl.`),
      ...layout(`${run}fo.`),
      ...layout(`${run}ing.`),
    }).then((mock) => ({ ...mock, origin: 'kcat' as const }));
// What users run: the image's bundles, built once for this run into a directory of its own.
// Only the sections that start service processes need them; the in-process ones and the clients do not.
const startsServices = ['ingest', 'sustained', 'failover', 'latency'].some(wanted);
const builtServices = values.services === 'source' || !startsServices ? undefined : await buildServices(runId);
runBuiltServices(builtServices);
const servicesFrom = builtServices ? 'built' : startsServices ? 'source' : 'none';
const figures: Record<string, number> = {};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(0)} %`;
const signed = (n: number) => `${n >= 0 ? '+' : '−'}${Math.abs(n).toLocaleString('en-US', { maximumFractionDigits: 1 })}`;
const results: Record<string, unknown> = {
  kafka: kafka.origin,
  brokers: kafka.brokers,
  at: new Date().toISOString(),
  machine: machineInfo(),
  services: servicesFrom,
  figures,
};
console.log(
  `Kafka: ${kafka.origin} (${kafka.brokers.join(',')}), Redis ${redisUrl()}, PostgreSQL ${postgresUrl()}; ` +
    `services ${{ built: 'from the production bundles (services/vigil/build.ts)', source: 'from source through tsx', none: 'not started' }[servicesFrom]}\n`,
);

try {
  const raw = await measureRawKafka(kafka.brokers, `${run}raw`, events);
  results.raw = raw;
  figures['raw.produce_per_second'] = raw.producePerSecond;
  figures['raw.consume_per_second'] = raw.consumePerSecond;
  console.log(
    `raw kafkajs produce (batches of 1,000, acks all) ${fmt(raw.producePerSecond)} events/s (${fmt(raw.produced)} events)`,
  );
  console.log(
    `raw kafkajs consume + JSON.parse               ${fmt(raw.consumePerSecond)} events/s (${fmt(raw.consumed)} events the broker still held)`,
  );

  if (wanted('clients')) {
    // Each Kafka client Vigil can run on (KAFKA_CLIENT), same topics layout, same run (docs/benchmarks.md#kafka-clients).
    const clients = await measureClients(kafka.brokers, `${run}cli.`, events);
    results.clients = clients;
    console.log('\nclient         produce/s   consume+parse/s   publish→handled p50 / p99 ms');
    for (const c of clients) {
      figures[`clients.${c.client}.produce_per_second`] = c.producePerSecond;
      figures[`clients.${c.client}.consume_per_second`] = c.consumePerSecond;
      figures[`clients.${c.client}.latency_p50_ms`] = c.latencyP50Ms;
      figures[`clients.${c.client}.latency_p99_ms`] = c.latencyP99Ms;
      console.log(
        `${c.client.padEnd(14)} ${fmt(c.producePerSecond).padStart(9)}   ${fmt(c.consumePerSecond).padStart(15)}   ${fmt(c.latencyP50Ms)} / ${fmt(c.latencyP99Ms)}` +
          `   (${fmt(c.produced)} produced, ${fmt(c.consumed)} consumed, ${c.latencySamples} latency samples)`,
      );
    }
    const [base, other] = [
      clients.find((c) => c.client === 'kafkajs'),
      clients.find((c) => c.client === 'platformatic'),
    ];
    if (base && other) {
      figures['clients.platformatic_vs_kafkajs.produce_ratio'] =
        other.producePerSecond / base.producePerSecond;
      figures['clients.platformatic_vs_kafkajs.consume_ratio'] =
        other.consumePerSecond / base.consumePerSecond;
      figures['clients.platformatic_vs_kafkajs.latency_p99_ratio'] = other.latencyP99Ms / base.latencyP99Ms;
      console.log(
        `platformatic / kafkajs: produce ${(other.producePerSecond / base.producePerSecond).toFixed(2)}×, consume ${(other.consumePerSecond / base.consumePerSecond).toFixed(2)}×, p99 latency ${(other.latencyP99Ms / base.latencyP99Ms).toFixed(2)}×\n`,
      );
    }
  }
  if (wanted('ingest')) {
    const formats = values.formats ? (values.formats.split(',') as SourceFormat[]) : INGEST_FORMATS;
    // One-event webhooks are bounded by HTTP before Kafka: the bare HTTP server's rate, same client, same run.
    const rawHttp = formats.includes('github') ? await measureRawHttp(events) : undefined;
    if (rawHttp) {
      results.rawHttp = rawHttp;
      figures['raw.http_requests_per_second'] = rawHttp.eventsPerSecond;
      console.log(
        `raw HTTP (bare node:http answering 202, one signed webhook a request, ${rawHttp.inFlight} in flight) ${fmt(rawHttp.eventsPerSecond)} requests/s` +
          `${rawHttp.ingestCpuMicrosPerEvent ? `, ${fmt(rawHttp.ingestCpuMicrosPerEvent)} µs CPU a request in the server` : ''}`,
      );
    }
    // One source per format, each with its real authentication; `events` events per format, at most 15 s each.
    const bySource = await measureIngestBySource(
      kafka.brokers,
      `${run}ing.`,
      events,
      formats,
      15,
      values['cpu-prof-dir'] ? { cpuProfileDir: values['cpu-prof-dir'] } : {},
    );
    results.ingestBySource = bySource;
    for (const f of bySource) {
      const share = `${fmt(f.eventsPerSecond)} events/s = ${pct(f.eventsPerSecond, raw.producePerSecond)} of raw produce`;
      const odd = `${f.non202} non-202 answers${f.firstProblem ? `, first ${f.firstProblem}` : ''}${f.cappedAtSeconds ? `, stopped at ${f.cappedAtSeconds} s` : ''}`;
      if (f.format === 'generic') {
        // Unchanged wording: older results are compared against this line.
        results.ingest = {
          events: f.events,
          batches: f.batches,
          eventsPerSecond: f.eventsPerSecond,
          non202: f.non202,
        };
        figures['ingest.events_per_second'] = f.eventsPerSecond;
        figures['ingest.share_of_raw_produce'] = f.eventsPerSecond / raw.producePerSecond;
        console.log(`ingest, batched HTTP → Kafka, 202 only           ${share} (target ≥ 25,000; ${odd})`);
      } else {
        figures[`ingest.${f.format}.events_per_second`] = f.eventsPerSecond;
        figures[`ingest.${f.format}.share_of_raw_produce`] = f.eventsPerSecond / raw.producePerSecond;
        if (f.ingestCpuMicrosPerEvent) figures[`ingest.${f.format}.cpu_us_per_event`] = f.ingestCpuMicrosPerEvent;
        const httpShare = f.format === 'github' && rawHttp ? f.eventsPerSecond / rawHttp.eventsPerSecond : undefined;
        if (httpShare !== undefined) figures['ingest.github.share_of_raw_http'] = httpShare;
        const ofHttp = httpShare === undefined ? '' : `, ${(100 * httpShare).toFixed(0)} % of raw HTTP`;
        const shape =
          f.eventsPerRequest === 1 ? 'one event a request' : `${fmt(f.eventsPerRequest)} a request`;
        console.log(
          `  ${f.format.padEnd(16)} ${f.auth.padEnd(16)} ${shape}, ${f.inFlight} in flight: ${share}${ofHttp} (${fmt(f.events)} events; ${odd})`,
        );
      }
    }
  }
  if (wanted('detector')) {
    const detector = await measureDetector(
      kafka.brokers,
      redisUrl(),
      `${run}det.`,
      Number(values['detector-events']),
    );
    results.detector = detector;
    figures['detector.in_process_events_per_second'] = detector.eventsPerSecond;
    console.log(
      `detector, full catalog, one process              ${fmt(detector.eventsPerSecond)} events/s = ${pct(detector.eventsPerSecond, raw.consumePerSecond)} of raw consume` +
        ` (target ≥ 30,000; ${fmt(detector.events)} events, ${detector.detections} detections)`,
    );
  }
  if (wanted('local-state')) results.localState = localStateSection(figures);
  if (wanted('sustained')) {
    const sustainedRun = (consumer: 'detector' | 'raw-consumer') =>
      measureSustainedDetector({
        brokers: kafka.brokers,
        redisUrl: redisUrl(),
        prefix: consumer === 'detector' ? `${run}sus.` : `${run}rl.`,
        consumer,
        ...(consumer === 'detector' && values['cpu-prof-dir']
          ? { cpuProfileDir: values['cpu-prof-dir'] }
          : {}),
        rates: values.rates.split(',').map(Number),
        seconds: Number(values['sustain-seconds']),
        ...(kafka.pid === undefined ? {} : { brokerPid: kafka.pid }),
        loadClient: loadClient(values['load-client']),
        ...(consumer === 'detector' && values['detector-rules'] ? { env: { RULES_FILE: values['detector-rules'] } } : {}),
        onStep: (step) =>
          console.log(
            `  ${consumer} process at ${fmt(step.offered)} events/s offered (${fmt(step.produced)} produced): consumed ${fmt(step.consumed)}/s, lag ${fmt(step.lagStart)} → ${fmt(step.lagEnd)} (max ${fmt(step.lagMax)}) ${step.bounded ? 'bounded' : 'NOT bounded'}; Redis ${signed(step.redisKeysPerSecond)} keys/s, ${signed((step.redisBytesPerSecond * 60) / 1e6)} MB/min` +
              `; CPU a event: ${consumer} ${fmt(step.consumerCpuMicrosPerEvent ?? 0)} µs, Redis ${fmt(step.redisCpuMicrosPerEvent ?? 0)} µs (${(step.redisScriptCallsPerEvent ?? 0).toFixed(2)} script calls); ${(step.detectionsPerEvent ?? 0).toFixed(3)} detections a event` +
              (step.machineBusyShare === undefined
                ? ''
                : `; machine ${pct(step.machineBusyShare, 1)} busy, ${fmt(step.machineCpuMicrosPerEvent ?? 0)} µs a event (broker ${fmt(step.brokerCpuMicrosPerEvent ?? 0)}, load generator ${fmt(step.loadCpuMicrosPerEvent ?? 0)})`),
          ),
      });
    const rawLive = values['skip-raw-live']
      ? { partitions: 0, steps: [], sustainedEventsPerSecond: 0, peakConsumedPerSecond: 0 }
      : await sustainedRun('raw-consumer');
    const sustained = await sustainedRun('detector');
    results.sustained = { rawLive, detector: sustained };
    figures['raw.live_consume_sustained_per_second'] = rawLive.sustainedEventsPerSecond;
    figures['raw.live_consume_peak_per_second'] = rawLive.peakConsumedPerSecond;
    figures['detector.sustained_events_per_second'] = sustained.sustainedEventsPerSecond;
    figures['detector.peak_consumed_per_second'] = sustained.peakConsumedPerSecond;
    figures['detector.share_of_raw_consume'] = sustained.sustainedEventsPerSecond / raw.consumePerSecond;
    // What the detector leaves in Redis at its sustained rate: state grows with new scopes, not with events.
    const held = sustained.steps.filter((s) => s.bounded).at(-1);
    if (held) {
      figures['detector.redis_keys_growth_per_second'] = held.redisKeysPerSecond;
      figures['detector.redis_memory_growth_mb_per_minute'] = (held.redisBytesPerSecond * 60) / 1e6;
      if (held.consumerCpuMicrosPerEvent !== undefined) figures['detector.cpu_us_per_event'] = held.consumerCpuMicrosPerEvent;
      if (held.redisCpuMicrosPerEvent !== undefined) figures['detector.redis_cpu_us_per_event'] = held.redisCpuMicrosPerEvent;
      if (held.redisScriptCallsPerEvent !== undefined) figures['detector.redis_script_calls_per_event'] = held.redisScriptCallsPerEvent;
      if (held.detectionsPerEvent !== undefined) figures['detector.detections_per_event'] = held.detectionsPerEvent;
    }
    // Where the machine's cores went at the last step (the first one not held, or the highest held): near
    // 100 % busy says the two cores, shared with the broker, Redis and the load generator, were the bound.
    const last = sustained.steps.at(-1);
    if (last?.machineBusyShare !== undefined) figures['detector.last_step_machine_busy_share'] = last.machineBusyShare;
    if (last?.machineCpuMicrosPerEvent !== undefined) figures['detector.last_step_machine_cpu_us_per_event'] = last.machineCpuMicrosPerEvent;
    if (last?.brokerCpuMicrosPerEvent !== undefined) figures['detector.last_step_broker_cpu_us_per_event'] = last.brokerCpuMicrosPerEvent;
    // Bare kafkajs on the same live stream: by sustained rate, or by peak rate when it sustained none.
    if (rawLive.steps.length > 0)
      figures['detector.share_of_raw_live_consume'] =
        rawLive.sustainedEventsPerSecond > 0
          ? sustained.sustainedEventsPerSecond / rawLive.sustainedEventsPerSecond
          : sustained.peakConsumedPerSecond / Math.max(rawLive.peakConsumedPerSecond, 1);
    console.log(
      `detector, separate process, ${sustained.partitions} partitions, sustained ${fmt(sustained.sustainedEventsPerSecond)} events/s (peak ${fmt(sustained.peakConsumedPerSecond)}/s) = ${pct(sustained.sustainedEventsPerSecond, raw.consumePerSecond)} of raw consume (target ≥ 100 %; lag bounded for ${values['sustain-seconds']} s); ` +
        `bare kafkajs on the same live stream sustained ${fmt(rawLive.sustainedEventsPerSecond)}/s (peak ${fmt(rawLive.peakConsumedPerSecond)}/s)`,
    );
  }
  if (wanted('failover')) {
    const failover = await measureFailover({
      brokers: kafka.brokers,
      redisUrl: redisUrl(),
      prefix: `${run}fo.`,
      rate: 500,
      sessionTimeoutMs: Number(values['session-timeout-ms']),
    });
    results.failover = failover;
    figures['failover.resume_ms'] = failover.resumeMs;
    figures['failover.graceful_resume_ms'] = failover.gracefulResumeMs;
    console.log(
      `kill -9 of a detector → every partition processing again ${fmt(failover.resumeMs)} ms; graceful stop ${fmt(failover.gracefulResumeMs)} ms (KAFKA_SESSION_TIMEOUT_MS=${failover.sessionTimeoutMs}; target ≤ 5,000)`,
    );
  }
  if (wanted('latency')) {
    const soakMinutes = Number(values['soak-minutes']);
    const seconds = soakMinutes > 0 ? soakMinutes * 60 : Number(values['latency-seconds']);
    const sampler = startMemorySampler(soakMinutes > 0 ? 30_000 : 2_000);
    const topology = values.topology === 'one-process' ? 'one-process' : 'separate';
    const latency = await measureLatency({
      topology,
      onStarted: (pids, metricsUrls) => sampler.pipelinePids(pids, metricsUrls),
      brokers: kafka.brokers,
      redisUrl: redisUrl(),
      databaseUrl: postgresUrl(),
      prefix: `${run}lat.`,
      rate: Number(values.rate),
      seconds,
      warmupSeconds: Number(values['latency-warmup-seconds']),
    });
    const memory = sampler.stop();
    results.latency = latency;
    results.memory = memory;
    figures['latency.p50_ms'] = latency.acceptToIncident.p50;
    figures['latency.p99_ms'] = latency.acceptToIncident.p99;
    figures['slack.p99_ms'] = latency.incidentToSlack.p99;
    if (topology === 'one-process') figures['memory.heap_slope_mb_per_min'] = memory.heapSlopeMbPerMin;
    if (memory.pipelineRssSlopeMbPerMin !== undefined)
      figures['memory.pipeline_rss_slope_mb_per_min'] = memory.pipelineRssSlopeMbPerMin;
    const a = latency.acceptToIncident;
    const s = latency.incidentToSlack;
    console.log(
      `pipeline (${topology === 'separate' ? 'ingest, detector, alerter as separate processes' : 'one process'}) at ${fmt(latency.offeredEventsPerSecond)} events/s offered, ${fmt(latency.achievedEventsPerSecond)} accepted; ${latency.incidents}/${latency.expectedIncidents} incidents, drained ${latency.drainSeconds.toFixed(1)} s after the load stopped`,
    );
    console.log(
      `  event accepted → incident committed          p50 ${fmt(a.p50)} ms, p99 ${fmt(a.p99)} ms, max ${fmt(a.max)} ms (target p99 ≤ 250 with separate processes; ${a.samples} samples)`,
    );
    const w = latency.acceptToIncidentWarmup;
    if (latency.warmupSeconds > 0) {
      console.log(
        `  the same over the ${latency.warmupSeconds} s of load before it (cold start, not in the figure) p50 ${fmt(w.p50)} ms, p99 ${fmt(w.p99)} ms, max ${fmt(w.max)} ms (${w.samples} samples)`,
      );
      figures['latency.warmup_p99_ms'] = w.p99;
    }
    console.log(
      `  incident committed → Slack call made         p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms, max ${fmt(s.max)} ms (target p99 ≤ 1,000; ${s.samples} samples)`,
    );
    if (memory.pipelineRssSlopeMbPerMin !== undefined)
      console.log(
        `  pipeline processes' RSS over ${memory.minutes.toFixed(1)} min: ${memory.pipelineRssStartMb!.toFixed(0)} → ${memory.pipelineRssEndMb!.toFixed(0)} MB, slope over the second half ${memory.pipelineRssSlopeMbPerMin.toFixed(2)} MB/min` +
          (topology === 'separate' && memory.pipelineProcessRssMb
            ? ` (alerter, detector, ingest: ${memory.pipelineProcessRssMb.map((p) => `${p.startMb.toFixed(0)} → ${p.endMb.toFixed(0)}`).join(', ')} MB; slopes ${(memory.pipelineProcessRssSlopeMbPerMin ?? []).map((m) => m.toFixed(2)).join(', ')} MB/min)`
            : ''),
      );
    if (memory.pipelineProcessHeapMb)
      console.log(
        `  their V8 heap used / memory outside it (alerter, detector, ingest): ${memory.pipelineProcessHeapMb
          .map(
            (p) =>
              `${p.heapStartMb.toFixed(0)} → ${p.heapEndMb.toFixed(0)} / ${p.externalStartMb.toFixed(0)} → ${p.externalEndMb.toFixed(0)}`,
          )
          .join(', ')} MB`,
      );
    console.log(
      `  bench process memory over ${memory.minutes.toFixed(1)} min: heap ${memory.heapStartMb.toFixed(0)} → ${memory.heapEndMb.toFixed(0)} MB, rss ${memory.rssStartMb.toFixed(0)} → ${memory.rssEndMb.toFixed(0)} MB,` +
        ` heap slope over the second half ${memory.heapSlopeMbPerMin.toFixed(2)} MB/min`,
    );
  }
  console.log('\nfigure                                               value');
  for (const [name, value] of Object.entries(figures)) {
    const shown = name.includes('share')
      ? `${(100 * value).toFixed(0)} %`
      : name.endsWith('_ratio')
        ? `${value.toFixed(2)}×`
        : name.endsWith('_per_event') && Math.abs(value) < 10
          ? value.toFixed(2)
          : fmt(value);
    console.log(`${name.padEnd(52)} ${shown}`);
  }
} finally {
  await kafka.stop();
  if (builtServices) rmSync(builtServices, { recursive: true, force: true });
  const removed = await deleteRunKeys(redisUrl(), runId).catch((error: unknown) => {
    console.error(`could not remove this run's Redis keys (*${runId}*): ${String(error)}`);
    return 0;
  });
  if (removed > 0) console.log(`\nremoved this run's ${fmt(removed)} Redis keys (*${runId}*)`);
}
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify(results, null, 2));
console.log(`\nfigures written to ${file}`);
process.exit(0);
