/**
 * The fault suite's short, deterministic run (docs/operations.md, "Fault suite"): ingest, detector and
 * alerter as separate processes on their own Redis and PostgreSQL. Round 1: each killed with SIGKILL by
 * its own fault point at the riskiest moments, restarted as a container would be. Round 2: Redis dies
 * between the first and the last failures of each brute-force window and comes back empty; Slack answers
 * 500 then 429. Round 3: PostgreSQL stops and starts. Every round sends poison items. What a user sees
 * afterwards must be exact. `pnpm fault --minutes N` is the long, randomized run.
 */
import { startPrivatePostgres, startPrivateRedis, type PrivateServer } from '../fixtures/private-servers';
import { afterEach, describe, expect, test } from '../fixtures/services';
import { createFaultCluster, type FaultCluster } from './fault-cluster';
import { EXPECTED_PIPELINE_INCIDENTS, runScenario } from './fault-scenario';
import { formatReport, timeline } from './observe';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('fault suite', { timeout: 240_000 }, () => {
  // Once with brute force's windows in Redis scripts (the default), once with them in the detector's process
  // (DETECTOR_LOCAL_WINDOWS): a kill after the publish then finds the window in the scope's hash.
  test.for<{ windows: string; env: Record<string, string> }>([
    { windows: 'windows in Redis scripts', env: {} },
    { windows: 'windows in process', env: { DETECTOR_LOCAL_WINDOWS: 'true' } },
  ])(
    'kill -9 at the fault points, Redis lost mid-window, Slack 500 and 429, a PostgreSQL outage, poison: every incident once, every Slack post once, nothing lost ($windows)',
    async ({ env }, { uid, kafkaBrokers }) => {
      const redis: PrivateServer = await startPrivateRedis();
      cleanups.push(() => redis.dispose());
      const postgres: PrivateServer = await startPrivatePostgres();
      cleanups.push(() => postgres.dispose());
      const cluster: FaultCluster = await createFaultCluster({
        uid,
        kafkaBrokers,
        redisUrl: redis.url,
        databaseUrl: postgres.url,
        env,
        faults: {
          // The second run dies once a redelivered batch's markers are gone: its continuations are not
          // repeated then, and must not be missed.
          detector: [
            { VIGIL_FAULT_POINT: 'detector.after-publish' },
            { VIGIL_FAULT_POINT: 'detector.after-release' },
          ],
          alerter: [
            { VIGIL_FAULT_POINT: 'alerter.after-register-write' },
            { VIGIL_FAULT_POINT: 'alerter.after-slack-post', VIGIL_FAULT_AFTER: '2' },
          ],
        },
      });
      cleanups.push(() => cluster.stop());
      const t0 = Date.now();
      await cluster.start();
      const result = await runScenario(cluster, {
        kafkaBrokers,
        databaseUrl: postgres.url,
        redis,
        postgres,
        attackersPerRound: 8,
        settleTimeoutMs: 90_000,
      });

      const faults = Object.values(cluster.services).flatMap((service) => service.faultsReached());
      const injected = [
        ...faults,
        'redis lost (windows straddling it)',
        'slack 500 ×2 then 429 ×2',
        'postgres outage',
        'poison records',
      ];
      console.log(
        `${formatReport(result.report, injected, EXPECTED_PIPELINE_INCIDENTS)}\n${timeline(cluster, t0)}\nreadiness: ${JSON.stringify(result.readiness)}`,
      );
      // Each fault fired where it was set, once: the run proves something only if the crashes happened.
      expect(faults.sort()).toEqual([
        'alerter.after-register-write',
        'alerter.after-slack-post',
        'detector.after-publish',
        'detector.after-release',
      ]);
      expect(result.report).toMatchObject({
        expectedIncidents: 24,
        missing: [],
        duplicated: [],
        unexpected: [],
        lostEvents: [],
        unposted: [],
        postedTwice: [],
        repeatedPosts: 0,
        unsent: 0,
        missingDeadLetters: [],
        unexpectedDeadLetters: [],
        poisonSent: { nul: 3, surrogate: 3, deep: 3, far: 3 },
        // The scripted answers reached real calls, and still no post was lost or repeated (above).
        slackFailures: { status500: 2, status429: 2 },
        lag: { detector: 0, alerter: 0 },
      });
      // Its own incident about each fault class that has a rule, once: the lost state, the poison's dead letters.
      // The kills and the database outage are not state loss; the short Slack trouble is no lasting backlog.
      expect([...result.report.pipelineIncidents].sort()).toEqual(EXPECTED_PIPELINE_INCIDENTS);
      expect(result.clean).toBe(true);
      // Readiness said what was down while it was, and came back.
      expect(
        result.readiness.map((r) => [
          r.service,
          r.dependency,
          r.downStatus,
          r.downNamed,
          r.backWithinMs !== null,
        ]),
      ).toEqual([
        ['detector', 'redis', 503, true, true],
        ['alerter', 'redis', 503, true, true],
        ['alerter', 'postgres', 503, true, true],
      ]);
    },
  );
});
