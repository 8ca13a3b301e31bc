/**
 * The long, randomized fault run for operators: `pnpm fault --minutes N [--seed S] [--attackers A]`.
 *
 * Starts its own Kafka (KAFKA_BROKERS, else the kcat mock cluster), a private Redis and PostgreSQL and the
 * Slack stand-in, runs ingest, detector and alerter as processes, and for N minutes sends rounds of the
 * known workload while injecting one random fault per round: kill -9 of a service at a random moment, a
 * service armed with a random fault point, Redis lost and back empty, PostgreSQL stopped and started,
 * Slack answering 500 or 429. Each round is settled before the next. Prints expected against observed
 * and exits 1 unless every figure is exact. Service logs stay in test-artifacts/fault/<run id>/.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { FAULT_POINTS } from '@vigil/runtime';
import { resolveKafka } from '../fixtures/kafka-endpoint';
import { startPrivatePostgres, startPrivateRedis } from '../fixtures/private-servers';
import { createFaultCluster } from './fault-cluster';
import { mergeWorkloads } from './fault-scenario';
import { formatReport, isClean, observe, waitUntilSettled } from './observe';
import type { ServiceName } from './service-process';
import { buildWorkload, sendWorkload, type Workload } from './workload';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    seed: { type: 'string' },
    attackers: { type: 'string', default: '10' },
  },
});
const minutes = Number(values.minutes);
const seed = Number(values.seed ?? randomBytes(4).readUInt32LE());
const attackers = Number(values.attackers);
if (!(minutes > 0) || !(attackers > 0)) {
  process.stderr.write('usage: pnpm fault --minutes N [--seed S] [--attackers A]\n');
  process.exit(2);
}

/** mulberry32: the same seed, the same faults in the same order. */
function random(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

const kafka = await resolveKafka();
const redis = await startPrivateRedis();
const postgres = await startPrivatePostgres();
const uid = `fault${Date.now().toString(36)}`;
const cluster = await createFaultCluster({
  uid,
  kafkaBrokers: kafka.brokers,
  redisUrl: redis.url,
  databaseUrl: postgres.url,
});
const pool = new pg.Pool({ connectionString: postgres.url, max: 2 });
pool.on('error', () => undefined);
const injected: string[] = [];
let exitCode = 1;
try {
  process.stdout.write(
    `fault run ${uid}: ${minutes} min, seed ${seed}, kafka from ${kafka.origin}, logs in ${cluster.logDir}\n`,
  );
  await cluster.start();
  const ownerOf = (point: string): ServiceName => (point.startsWith('detector.') ? 'detector' : 'alerter');
  const faults: Record<string, () => Promise<void>> = {
    'kill -9 ingest': async () => cluster.services.ingest.killNow(),
    'kill -9 detector': async () => cluster.services.detector.killNow(),
    'kill -9 alerter': async () => cluster.services.alerter.killNow(),
    'fault point': async () => {
      const point = pick(FAULT_POINTS);
      const service = cluster.services[ownerOf(point)];
      service.queueRun({ VIGIL_FAULT_POINT: point, VIGIL_FAULT_AFTER: String(1 + Math.floor(rand() * 3)) });
      service.killNow();
      injected.push(`armed ${point}`);
    },
    'redis lost': async () => {
      await redis.kill();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await redis.start();
    },
    'postgres outage': async () => {
      await postgres.kill();
      await new Promise((resolve) => setTimeout(resolve, 2_000 + rand() * 3_000));
      await postgres.start();
    },
    'slack 500': async () => cluster.slack.failFor(3_000, { status: 500 }),
    'slack 429': async () => cluster.slack.failNext(3, { status: 429, retryAfterSeconds: 1 }),
  };
  const rounds: Workload[] = [];
  const until = Date.now() + minutes * 60_000;
  while (Date.now() < until) {
    const round = buildWorkload(`${uid}-r${rounds.length + 1}`, attackers);
    rounds.push(round);
    const name = pick(Object.keys(faults));
    const at = Math.floor(rand() * 8);
    let fired: Promise<void> | undefined;
    await sendWorkload(cluster.ingestUrl, round, {
      gapMs: 100,
      afterBatch: (index) => {
        if (index === at) fired = faults[name]!();
      },
    });
    await (fired ?? faults[name]!());
    injected.push(name);
    await waitUntilSettled(cluster, pool, kafka.brokers, mergeWorkloads(rounds), 180_000);
    process.stdout.write(`round ${rounds.length}: ${name} — settled\n`);
  }
  const report = await observe(cluster, pool, kafka.brokers, mergeWorkloads(rounds));
  const reached = Object.values(cluster.services).flatMap((service) => service.faultsReached());
  // Every round sends poison (one dead-letter incident, open all run); each Redis loss is a state loss of its
  // own. The other faults have no rule that fires within a round.
  const expectedPipeline = [
    'pipeline.dead-letter-rate',
    ...injected.filter((name) => name === 'redis lost').map(() => 'pipeline.state-lost'),
  ];
  process.stdout.write(
    `${formatReport(report, [...injected, ...reached.map((point) => `reached ${point}`)], expectedPipeline)}\n`,
  );
  exitCode = isClean(report, expectedPipeline) ? 0 : 1;
  process.stdout.write(
    exitCode === 0
      ? 'clean: 0 lost, 0 duplicated, 0 stalled\n'
      : 'NOT CLEAN: see the figures above and the logs\n',
  );
} catch (error) {
  process.stderr.write(`fault run failed: ${String(error)}\n`);
} finally {
  await pool.end().catch(() => undefined);
  await cluster.stop().catch(() => undefined);
  await redis.dispose();
  await postgres.dispose();
  await kafka.stop();
}
process.exit(exitCode);
