import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBus, encode } from '@vigil/bus';
import { VigilMetrics } from '@vigil/health';
import { migrate, PgIncidentStore, type IncidentRecord } from '@vigil/incidents';
import { timerJobId } from '@vigil/notify';
import { loadAlerterConfig, startAlerter } from '@vigil/pipeline';
import { systemClock } from '@vigil/runtime';
import { Detection, topicNames } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { Queue } from 'bullmq';
import { onTestFinished, vi } from 'vitest';
import { startPrivateRedis } from '../fixtures/private-servers';
import { describe, expect, test } from '../fixtures/services';
import { startSlackStandin } from '../fixtures/slack-standin';

const SLACK_TOKEN = 'xoxb-redis-loss-test';
const SEV1_ACK_MS = 15 * 60_000;

function sev1(uid: string, n: number, detectedAt: string): Detection {
  return Detection.parse({
    id: `${uid}-d${n}`,
    ruleId: 'identity.admin-granted',
    ruleVersion: 1,
    status: 'firing',
    title: `Admin role granted to user${n}@example.com`,
    summary: 'an admin role was granted',
    criteria: ['CC7.2'],
    category: 'security',
    severity: n === 9 ? 'SEV3' : 'SEV1',
    dedupKey: `${uid}:user${n}`,
    entity: { type: 'user', id: `user${n}@example.com` },
    ownerKey: 'okta',
    firstEventAt: detectedAt,
    detectedAt,
    evidence: [
      { eventId: `okta:${uid}-${n}`, topic: 'events', partition: 0, offset: String(n), time: detectedAt },
    ],
    attributes: {},
  });
}

describe('response timers survive Redis loss', () => {
  test(
    'Redis killed and restarted empty: every open incident has its timers again, they fire on time, nobody is escalated twice',
    { timeout: 120_000 },
    async ({ uid, database }) => {
      const redis = await startPrivateRedis();
      onTestFinished(() => redis.dispose());
      const slack = await startSlackStandin({ token: SLACK_TOKEN });
      onTestFinished(() => slack.stop());
      await migrate(database.pool);
      const store = new PgIncidentStore({ pool: database.pool, clock: systemClock, logger: silentLogger });

      const dir = mkdtempSync(join(tmpdir(), 'vigil-timers-'));
      writeFileSync(
        join(dir, 'owners.yaml'),
        "fallbackChannel: '#soc'\nowners:\n  - match: { rule: 'identity.*' }\n    team: security\n    channel: '#sec'\n    oncall: [U0SECONC1]\n",
      );
      const config = loadAlerterConfig({
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        TOPIC_PREFIX: `${uid}.`,
        ALERTER_GROUP: `${uid}-alerter`,
        NOTIFY_QUEUE: `${uid}-notify`,
        RESPONSE_TIMERS_QUEUE: `${uid}-timers`,
        STATE_EPOCH_KEY: `${uid}:state-epoch`,
        STATE_CHECK_INTERVAL_MS: '300',
        NOTIFY_CHANNEL_INTERVAL_MS: '0',
        OWNERS_FILE: join(dir, 'owners.yaml'),
        SLACK_BOT_TOKEN: SLACK_TOKEN,
        SLACK_API_URL: slack.url,
        WATCHDOG_ENABLED: 'false',
      });
      const bus = createBus({ clientId: uid, logger: silentLogger });
      await bus.start();
      const alerter = await startAlerter(config, {
        bus,
        logger: silentLogger,
        clock: systemClock,
        metrics: new VigilMetrics({ service: 'alerter', defaultMetrics: false }),
        adminPort: false,
      });
      onTestFinished(async () => {
        await alerter.stop();
        await bus.stop();
      });
      const timersQueue = new Queue(config.RESPONSE_TIMERS_QUEUE, { connection: { url: redis.url } });
      timersQueue.on('error', () => undefined); // refused while Redis is down, as intended
      onTestFinished(() => timersQueue.close());

      // Four SEV1 incidents due to be acknowledged in 25 s, and one SEV3 that will be closed (owing nothing).
      const ackDueAt = Date.now() + 25_000;
      const detectedAt = new Date(ackDueAt - SEV1_ACK_MS).toISOString();
      const detections = [1, 2, 3, 4, 9].map((n) => sev1(uid, n, detectedAt));
      await bus.publish(
        topicNames(config.TOPIC_PREFIX).detections,
        detections.map((d) => encode('detections', d.dedupKey, d)),
      );
      const incidents = await vi.waitFor(
        async () => {
          const page = await store.listIncidents({ limit: 10 });
          const withSlack = page.incidents.filter((incident) => incident.slack !== null);
          expect(withSlack).toHaveLength(5);
          const byUser = (n: number) => page.incidents.find((i) => i.entity.id === `user${n}@example.com`);
          return [1, 2, 3, 4, 9].map(byUser);
        },
        { timeout: 20_000, interval: 200 },
      );
      const [a, b, c, acked, closed] = incidents as [IncidentRecord, ...IncidentRecord[]];
      await store.transition(acked!.id, 'acknowledge', { actor: 'api:ops' });
      await store.transition(closed!.id, 'resolve', { actor: 'api:ops' });
      await store.transition(closed!.id, 'close', { actor: 'api:ops' });
      const unacked = [a, b, c] as IncidentRecord[];
      const open = [...unacked, acked!];

      const armed = async (id: string, kind: Parameters<typeof timerJobId>[1]) =>
        (await timersQueue.getJobState(timerJobId(id, kind))) === 'delayed';
      const everyOpenIncidentArmed = async () => {
        for (const incident of unacked) expect(await armed(incident.id, 'ack-overdue')).toBe(true);
        for (const incident of open) expect(await armed(incident.id, 'unresolved-overdue')).toBe(true);
      };
      await vi.waitFor(everyOpenIncidentArmed, { timeout: 10_000, interval: 200 });

      await redis.kill();
      await redis.start();
      // Nothing in Redis now; the alerter sees the epoch change and rebuilds the timers from the register.
      await vi.waitFor(everyOpenIncidentArmed, { timeout: 15_000, interval: 200 });
      expect(Date.now()).toBeLessThan(ackDueAt);
      for (const kind of ['ack-overdue', 'unresolved-overdue', 'postmortem-overdue'] as const) {
        expect(await timersQueue.getJobState(timerJobId(closed!.id, kind))).toBe('unknown');
      }

      const escalations = (incident: IncidentRecord) =>
        slack
          .callsTo('chat.postMessage')
          .filter(
            (call) =>
              call.ok &&
              String(call.args.text).includes(`INC-${incident.seq} (SEV1) has not been acknowledged`),
          );
      const findings = async (incident: IncidentRecord) =>
        ((await store.getIncident(incident.id))?.timeline ?? []).filter(
          (entry) => entry.kind === 'response-finding',
        );

      await vi.waitFor(
        async () => {
          for (const incident of unacked) expect(escalations(incident)).toHaveLength(1);
        },
        { timeout: 45_000, interval: 250 },
      );
      for (const incident of unacked) {
        const [finding] = await findings(incident);
        expect(finding?.data).toMatchObject({ finding: 'ack-overdue', escalationStep: 0 });
        // On time: within a few seconds of the due time, although Redis lost the timer in between.
        const late = Date.parse(String(finding?.data.checkedAt)) - ackDueAt;
        expect(late).toBeGreaterThanOrEqual(-1_000);
        expect(late).toBeLessThan(5_000);
      }
      expect(await findings(acked!)).toEqual([]);

      // Lost again after they fired: re-armed, they find the findings recorded and escalate nobody twice.
      await redis.kill();
      await redis.start();
      await vi.waitFor(
        async () => {
          for (const incident of open) expect(await armed(incident.id, 'unresolved-overdue')).toBe(true);
          for (const incident of unacked) {
            expect(await timersQueue.getJobState(timerJobId(incident.id, 'ack-overdue'))).toBe('completed');
          }
        },
        { timeout: 15_000, interval: 200 },
      );
      for (const incident of unacked) {
        expect(escalations(incident)).toHaveLength(1);
        expect(await findings(incident)).toHaveLength(1);
      }
    },
  );
});
