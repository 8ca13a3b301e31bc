import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encode } from '@vigil/bus';
import { loadRules, startDetectorStage } from '@vigil/pipeline';
import { createDetector } from '@vigil/rules';
import { systemClock } from '@vigil/runtime';
import { OCSF_CLASS_BY_KIND, entityKey, topicNames, type VigilEvent } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { Redis } from 'ioredis';
import { describe, expect, test } from '../fixtures/services';
import { kafkaBus, tapDetections } from './detector-harness';
import { eventually } from './pipeline-harness';

const run = promisify(execFile);

/** A user's rules directory: a native counting rule and a Sigma correlation over CloudTrail, copied in. */
function userDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-e2e-'));
  for (const name of ['console-failures-per-ip.yaml', 'mr_cloudtrail_access_denied_burst.yml'])
    cpSync(join('config/rules.d', name), join(dir, name));
  return dir;
}

function event(
  partial: Partial<VigilEvent> & Pick<VigilEvent, 'id' | 'kind' | 'entity'>,
  secondsAgo: number,
): VigilEvent {
  const time = new Date(Date.now() - secondsAgo * 1000).toISOString();
  return {
    source: 'custom',
    action: 'test',
    ocsfClassUid: OCSF_CLASS_BY_KIND[partial.kind],
    time,
    receivedAt: new Date().toISOString(),
    outcome: 'unknown',
    actor: {},
    attributes: {},
    raw: null,
    ...partial,
  };
}

describe('rules written as code, end to end', () => {
  test('`pnpm rules test` passes, then a native rule and a Sigma correlation fire through Kafka and the detector stage', async ({
    kafkaBrokers,
    redisUrl,
    uid,
    redis,
  }) => {
    const dir = userDirectory();
    const cli = await run(
      join('node_modules', '.bin', 'tsx'),
      ['packages/rules/src/cli/rules.ts', 'test', dir],
      {
        env: { ...process.env, REDIS_URL: redisUrl },
      },
    );
    expect(cli.stdout).toMatch(/^PASS +acme\.console-failures-per-ip +\(2 tests/m);
    expect(cli.stdout).toMatch(/^PASS +sigma\.aws_access_denied_burst +\(1 tests/m);
    expect(cli.stdout).toContain('2 rules, 0 failed, 0 without tests');

    // The detector as RULES_DIR configures it: the catalog plus the directory.
    const rules = loadRules(undefined, {}, dir);
    expect(rules.map((r) => r.id)).toEqual(
      expect.arrayContaining([
        'identity.brute-force',
        'acme.console-failures-per-ip',
        'sigma.aws_access_denied_burst',
      ]),
    );
    const topics = topicNames(`${uid}.`);
    const client = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
    const detector = createDetector({
      redis: client,
      keyPrefix: `${uid}:det:`,
      rules,
      clock: systemClock,
      logger: silentLogger,
    });
    const consumer = kafkaBus(kafkaBrokers, `${uid}-detector`);
    const producer = kafkaBus(kafkaBrokers, `${uid}-producer`);
    await Promise.all([producer.start(), consumer.start()]);
    const [tap, stage] = await Promise.all([
      tapDetections(kafkaBrokers, uid, topics),
      startDetectorStage({
        bus: consumer,
        topics,
        detector,
        logger: silentLogger,
        groupId: `${uid}-detector`,
      }),
    ]);
    try {
      const ip = '198.51.100.77';
      const signIns = ['ann', 'bob', 'cy', 'dee', 'eli'].map((user, i) =>
        event(
          {
            id: `okta:${uid}-s${i}`,
            source: 'aws',
            kind: 'authentication',
            action: 'ConsoleLogin',
            entity: { type: 'user', id: `${user}@example.com` },
            outcome: 'failure',
            actor: { user: `${user}@example.com`, ip },
            attributes: { 'vigil.interface': 'console' },
          },
          60 - i * 5,
        ),
      );
      const arn = `arn:aws:iam::111122223333:user/${uid}`;
      const denials = Array.from({ length: 10 }, (_, i) =>
        event(
          {
            id: `aws:${uid}-d${i}`,
            source: 'aws',
            kind: 'api_activity',
            action: 'ListBuckets',
            entity: { type: 'user', id: arn },
            actor: { user: arn },
            raw: {
              eventSource: 's3.amazonaws.com',
              eventName: 'ListBuckets',
              errorCode: 'AccessDenied',
              userIdentity: { type: 'IAMUser', arn },
            },
          },
          50 - i,
        ),
      );
      await producer.publish(
        topics.events,
        [...signIns, ...denials].map((e) => encode('events', entityKey(e.entity), e)),
      );
      const fired = await eventually(
        async () => {
          const ids = new Set(tap.records.map((d) => d.ruleId));
          return ids.has('acme.console-failures-per-ip') && ids.has('sigma.aws_access_denied_burst')
            ? tap.records
            : undefined;
        },
        60_000,
        'both custom rules to fire',
      );
      const native = fired.find((d) => d.ruleId === 'acme.console-failures-per-ip')!;
      expect(native).toMatchObject({
        title: `Failed console sign-ins from ${ip}`,
        severity: 'SEV2',
        ownerKey: 'security-oncall',
        entity: { type: 'ip', id: ip },
        attributes: { count: 5, threshold: 5 },
      });
      expect(native.evidence.map((e) => e.eventId).sort()).toEqual(signIns.map((e) => e.id).sort());
      const sigma = fired.find((d) => d.ruleId === 'sigma.aws_access_denied_burst')!;
      expect(sigma).toMatchObject({
        severity: 'SEV2',
        criteria: ['CC7.2'],
        attributes: { count: 10, group: arn },
      });
      expect(sigma.summary).toContain(
        `10 matching events for userIdentity.arn = ${arn} within 10m (threshold 10)`,
      );
      // Each fires once: no other custom detections.
      expect(fired.filter((d) => d.ruleId.startsWith('acme.') || d.ruleId.startsWith('sigma.'))).toHaveLength(
        2,
      );
    } finally {
      await Promise.allSettled([stage.stop(), tap.stop(), producer.stop()]);
      await consumer.stop().catch(() => undefined);
      client.disconnect();
      const keys = await redis.keys(`${uid}:det:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  }, 150_000);
});
