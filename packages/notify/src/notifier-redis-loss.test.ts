import { migrate, PgIncidentStore } from '@vigil/incidents';
import { systemClock } from '@vigil/runtime';
import { Detection } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { vi } from 'vitest';
import { startPrivateRedis } from '../../../test/fixtures/private-servers';
import { startNotifierHarness } from './testing/notifier-harness';
import { describe, expect, test } from './testing/notifier-harness';

function detection(uid: string): Detection {
  const at = new Date(Date.now() - 60_000).toISOString();
  return Detection.parse({
    id: `${uid}-d1`,
    ruleId: 'identity.brute-force',
    ruleVersion: 1,
    status: 'firing',
    title: 'Brute force against user1@example.com',
    summary: '10 failed logins in 5 minutes',
    criteria: ['CC7.2'],
    category: 'security',
    severity: 'SEV3',
    dedupKey: `${uid}:user1`,
    entity: { type: 'user', id: 'user1@example.com' },
    ownerKey: 'okta',
    firstEventAt: at,
    detectedAt: at,
    evidence: [{ eventId: `okta:${uid}-1`, topic: 'events', partition: 0, offset: '1', time: at }],
    attributes: {},
  });
}

describe('a Redis lost between a Slack post and its record', () => {
  test(
    'the retry finds the post in Slack by its marker (the attempt note is in the register): one post',
    { timeout: 60_000 },
    async ({ uid, slack, database }) => {
      const redis = await startPrivateRedis();
      try {
        await migrate(database.pool);
        const register = new PgIncidentStore({
          pool: database.pool,
          clock: systemClock,
          logger: silentLogger,
        });
        // The post went out and the journal has it; then Redis restarts empty (the journal and the job are gone)
        // and the register write fails. Only the register and Slack remember anything.
        let lost = false;
        const store = Object.create(register, {
          recordDelivery: {
            value: async (...args: Parameters<PgIncidentStore['recordDelivery']>) => {
              if (!lost) {
                lost = true;
                await redis.kill();
                await redis.start();
                throw new Error('database unavailable');
              }
              return register.recordDelivery(...args);
            },
          },
        }) as PgIncidentStore;
        const harness = await startNotifierHarness({
          uid,
          redisUrl: redis.url,
          slack,
          // The outbox sweeper sends again what the register still has pending, as the alerter does after a loss.
          overrides: { store, channelIntervalMs: 0, sweeper: { intervalMs: 200, olderThanMs: 0 } },
        });
        try {
          const opened = await register.applyDetection(detection(uid));
          await harness.notifier.enqueue(opened.notifications);
          await vi.waitFor(
            async () => {
              const loaded = await register.loadForDelivery(opened.notifications[0]!.id);
              expect(loaded?.notification.status).toBe('sent');
            },
            { timeout: 45_000, interval: 100 },
          );

          expect(lost).toBe(true);
          const posts = slack.callsTo('chat.postMessage').filter((call) => call.ok);
          expect(posts).toHaveLength(1);
          // The retry read the channel's history rather than posting blind, and the register has the one message.
          expect(slack.callsTo('conversations.history').length).toBeGreaterThan(0);
          const incident = await register.getIncident(opened.incident!.id);
          expect(incident?.slack?.ts).toBe(posts[0]?.response.ts);
        } finally {
          await harness.stop();
        }
      } finally {
        await redis.dispose();
      }
    },
  );
});
