import pg from 'pg';
import type { PrivateServer } from '../fixtures/private-servers';
import type { FaultCluster } from './fault-cluster';
import { isClean, observe, waitUntilSettled, type FaultReport } from './observe';
import { groupLag } from './topic-reader';
import { buildWorkload, sendWorkload, splitAtStep, type Workload } from './workload';

/** What /readyz answered while a dependency was down, and whether it came back. */
export interface ReadinessSeen {
  service: 'detector' | 'alerter';
  dependency: string;
  downStatus: number;
  downNamed: boolean;
  backWithinMs: number | null;
}

export interface ScenarioResult {
  workload: Workload;
  readiness: ReadinessSeen[];
  report: FaultReport;
  clean: boolean;
}

/** All rounds' expectations as one workload. */
export function mergeWorkloads(rounds: Workload[]): Workload {
  return {
    events: rounds.flatMap((round) => round.events),
    attackers: rounds.flatMap((round) => round.attackers),
    attackEvents: new Map(rounds.flatMap((round) => [...round.attackEvents])),
    poison: rounds.flatMap((round) => round.poison),
  };
}

async function readyz(url: string): Promise<{ status: number; down: string[] }> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { down?: string[] };
    return { status: response.status, down: body.down ?? [] };
  } catch {
    return { status: 0, down: [] };
  }
}

/** Polls /readyz until `until` holds; the last answer, or null on time out. */
async function readinessUntil(
  url: string,
  until: (answer: { status: number; down: string[] }) => boolean,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await readyz(url);
    if (until(answer)) return answer;
    if (Date.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Takes a dependency away, checks that the services that need it say so on /readyz (503 naming it), brings it
 * back, and waits until they are ready again.
 */
async function outage(
  cluster: FaultCluster,
  outage: {
    server: PrivateServer;
    dependency: string;
    services: Array<'detector' | 'alerter'>;
    downForMs: number;
  },
): Promise<ReadinessSeen[]> {
  await outage.server.kill();
  const urls = { detector: cluster.detectorAdminUrl, alerter: cluster.alerterAdminUrl };
  const seen: ReadinessSeen[] = [];
  for (const service of outage.services) {
    const answer = await readinessUntil(urls[service], (a) => a.status === 503, 10_000);
    seen.push({
      service,
      dependency: outage.dependency,
      downStatus: answer?.status ?? 200,
      downNamed: answer?.down.includes(outage.dependency) ?? false,
      backWithinMs: null,
    });
  }
  await new Promise((resolve) => setTimeout(resolve, outage.downForMs));
  const restartedAt = Date.now();
  await outage.server.start();
  for (const entry of seen) {
    const back = await readinessUntil(urls[entry.service], (a) => a.status === 200, 30_000);
    entry.backWithinMs = back ? Date.now() - restartedAt : null;
  }
  return seen;
}

/** The outage while a round of events flows, from the middle of the round on. */
async function roundWithOutage(
  cluster: FaultCluster,
  workload: Workload,
  down: Parameters<typeof outage>[1],
): Promise<ReadinessSeen[]> {
  let reached: () => void = () => undefined;
  const reachedOutage = new Promise<void>((resolve) => (reached = resolve));
  const sending = sendWorkload(cluster.ingestUrl, workload, {
    gapMs: 100,
    afterBatch: (index, batches) => {
      if (index + 1 >= batches / 2) reached();
    },
  });
  await reachedOutage;
  const seen = await outage(cluster, down);
  await sending;
  return seen;
}

/** The Slack calls answered with a scripted status so far. */
function slackAnswered(cluster: FaultCluster, status: number): number {
  return cluster.slack.calls.filter((call) => call.status === status).length;
}

/**
 * Slack in trouble for the next calls Vigil makes, whatever they are: two answered 500, then (once those
 * were given) two answered 429 with Retry-After: 1. Resolves once all four were given.
 */
async function slackTrouble(cluster: FaultCluster, timeoutMs: number): Promise<void> {
  const until = async (status: number, count: number) => {
    const deadline = Date.now() + timeoutMs;
    while (slackAnswered(cluster, status) < count) {
      if (Date.now() > deadline)
        throw new Error(`Slack was not called ${count} times while answering ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  cluster.slack.failNext(2, { status: 500 });
  await until(500, 2);
  cluster.slack.failNext(2, { status: 429, retryAfterSeconds: 1 });
  await until(429, 2);
}

/** Until the detectors' group has committed every event sent so far (each one evaluated). */
async function detectorCaughtUp(
  cluster: FaultCluster,
  kafkaBrokers: string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    (await groupLag(kafkaBrokers, `${cluster.uid}-detector`, cluster.topics.events, `${cluster.uid}-lag`)) > 0
  ) {
    if (Date.now() > deadline) throw new Error('the detector did not catch up before the Redis outage');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The fault suite's scenario on a started cluster whose services were given their fault points: round 1
 * runs into the kill -9s; round 2's brute-force windows straddle a Redis loss (each attacker's first three
 * failures evaluated before Redis dies and comes back empty, the last two after), and its incidents are
 * posted while Slack answers 500 then 429; round 3 flows while PostgreSQL stops and starts. Each round is
 * settled before the next, then everything is checked at once.
 */
export async function runScenario(
  cluster: FaultCluster,
  deps: {
    kafkaBrokers: string[];
    databaseUrl: string;
    redis: PrivateServer;
    postgres: PrivateServer;
    attackersPerRound: number;
    settleTimeoutMs: number;
  },
): Promise<ScenarioResult> {
  const pool = new pg.Pool({ connectionString: deps.databaseUrl, max: 2 });
  // The pool outlives the PostgreSQL outage; its idle connections break then, which is expected.
  pool.on('error', () => undefined);
  try {
    const rounds = [1, 2, 3].map((round) =>
      buildWorkload(`${cluster.uid}-r${round}`, deps.attackersPerRound),
    );
    const settle = (upTo: number) =>
      waitUntilSettled(
        cluster,
        pool,
        deps.kafkaBrokers,
        mergeWorkloads(rounds.slice(0, upTo)),
        deps.settleTimeoutMs,
      );

    await sendWorkload(cluster.ingestUrl, rounds[0]!);
    await settle(1);

    // Three failures of five are in the windows when Redis goes: only a replay of the events topic brings
    // them back (the offset index says from where; the kcat mock cannot find offsets by time).
    const [beforeLoss, afterLoss] = splitAtStep(rounds[1]!, 3);
    await sendWorkload(cluster.ingestUrl, beforeLoss);
    await detectorCaughtUp(cluster, deps.kafkaBrokers, deps.settleTimeoutMs);
    // The watchdog (in the alerter, perhaps still starting after round 1's kills) must have read the epoch
    // once: a loss before its first look, papered over by the detector's new epoch, is the detector's alone.
    await Promise.all(Object.values(cluster.services).map((service) => service.started()));
    await new Promise((resolve) => setTimeout(resolve, 600));
    const readiness = await outage(cluster, {
      server: deps.redis,
      dependency: 'redis',
      services: ['detector', 'alerter'],
      downForMs: 500,
    });
    const trouble = slackTrouble(cluster, deps.settleTimeoutMs);
    await sendWorkload(cluster.ingestUrl, afterLoss);
    await trouble;
    await settle(2);

    readiness.push(
      ...(await roundWithOutage(cluster, rounds[2]!, {
        server: deps.postgres,
        dependency: 'postgres',
        services: ['alerter'],
        downForMs: 1_000,
      })),
    );
    await settle(3);

    const workload = mergeWorkloads(rounds);
    const report = await observe(cluster, pool, deps.kafkaBrokers, workload);
    return { workload, readiness, report, clean: isClean(report, EXPECTED_PIPELINE_INCIDENTS) };
  } finally {
    await pool.end();
  }
}

/** One pipeline incident per injected fault class that has a pipeline rule: the Redis loss, the poison records. */
export const EXPECTED_PIPELINE_INCIDENTS = ['pipeline.dead-letter-rate', 'pipeline.state-lost'];
