import { ManualClock, RetryableError } from '@vigil/runtime';
import { Detection } from '@vigil/schema';
import { recordingLogger, silentLogger } from '@vigil/telemetry';
import { Redis } from 'ioredis';
import { vi } from 'vitest';
import { describe, expect, test } from '../../../test/fixtures/services';
import { serviceDownRule } from './availability/service-down.rule';
import { catalog } from './catalog';
import { createDetector } from './detector';
import { MINUTE, SECOND, signIn, uptimeCheck } from './fixture-events';
import { bruteForceRule } from './identity/brute-force.rule';
import { defineRule, NO_DETECTIONS } from './rule';
import { applyOverrides } from './rule-overrides';
import { asMessages } from './test-support';

const failedSignIn = (id: string, user: string, minute: number) =>
  signIn({ id, user, at: minute * MINUTE, outcome: 'failure' });
const check = (id: string, service: string, seconds: number, ok: boolean) =>
  uptimeCheck({ id, service, at: seconds * SECOND, outcome: ok ? 'success' : 'failure' });

/** The rules these tests were written for; the full catalog has tests of its own below. */
const twoRules = [bruteForceRule, serviceDownRule];

/** Sign-ins and checks for several entities interleaved, as one partition would carry them. */
const mixedBatch = [
  failedSignIn('a0', 'alice@example.com', 0),
  check('c0', 'checkout', 0, false),
  failedSignIn('b0', 'bob@example.com', 0),
  failedSignIn('a1', 'alice@example.com', 1),
  check('c1', 'checkout', 30, false),
  failedSignIn('a2', 'alice@example.com', 2),
  check('c2', 'checkout', 60, false),
  failedSignIn('a3', 'alice@example.com', 3),
  failedSignIn('a4', 'alice@example.com', 4),
  check('c3', 'checkout', 90, false),
  failedSignIn('a5', 'alice@example.com', 5),
  check('c4', 'checkout', 120, true),
];

describe('detector.processBatch (Redis)', () => {
  test('runs every rule over a mixed batch: fires, resolves with downtime, in stream order', async ({
    redis,
    uid,
  }) => {
    const clock = new ManualClock();
    const detector = createDetector({
      redis,
      keyPrefix: `${uid}:`,
      rules: twoRules,
      clock,
      logger: silentLogger,
    });
    const { detections, late } = await detector.processBatch(asMessages(mixedBatch));

    expect(late).toEqual([]);
    expect(detections.map((d) => [d.id, d.status])).toEqual([
      ['availability.service-down:availability.service-down:service:checkout:prober:c2', 'firing'],
      ['identity.brute-force:identity.brute-force:user:alice@example.com:okta:a4', 'firing'],
      // alice's sixth failure is the burst going on: it adds to the incident the fifth opened.
      ['identity.brute-force:identity.brute-force:user:alice@example.com:okta:a5:burst', 'firing'],
      ['availability.service-down:availability.service-down:service:checkout:prober:c4:resolved', 'resolved'],
    ]);
    for (const detection of detections) expect(Detection.parse(detection)).toEqual(detection);
    const [, bruteForce, continuation, resolved] = detections;
    expect(continuation?.burst).toEqual({ id: 'okta:a4', events: 6, continuation: true });
    expect(resolved?.attributes.downtimeSeconds).toBe(120);
    expect(resolved?.detectedAt).toBe(new Date(clock.now()).toISOString());
    // Evidence points back into the stream: alice's five failures at their offsets.
    expect(bruteForce?.evidence.map((e) => [e.eventId, e.offset])).toEqual([
      ['okta:a0', '0'],
      ['okta:a1', '3'],
      ['okta:a2', '5'],
      ['okta:a3', '7'],
      ['okta:a4', '8'],
    ]);
  });

  test('a redelivered batch repeats exactly the same detections, and no others', async ({ redis, uid }) => {
    const clock = new ManualClock();
    const detector = createDetector({
      redis,
      keyPrefix: `${uid}:`,
      rules: twoRules,
      clock,
      logger: silentLogger,
    });
    const messages = asMessages(mixedBatch);
    const first = await detector.processBatch(messages);
    clock.advance(5 * MINUTE);
    // A new detector, as after a restart: nothing is remembered in memory.
    const restarted = createDetector({
      redis,
      keyPrefix: `${uid}:`,
      rules: twoRules,
      clock,
      logger: silentLogger,
    });
    expect(await restarted.processBatch(messages)).toEqual(first);
    expect(first.detections).toHaveLength(4);
  });

  test('after a crash mid-stream, a redelivery from an earlier offset repeats only what those events caused', async ({
    redis,
    uid,
  }) => {
    const clock = new ManualClock();
    const detector = createDetector({
      redis,
      keyPrefix: `${uid}:`,
      rules: twoRules,
      clock,
      logger: silentLogger,
    });
    const messages = asMessages(mixedBatch);
    const firstHalf = await detector.processBatch(messages.slice(0, 9));
    const secondHalf = await detector.processBatch(messages.slice(9));
    // The offset commit after the first half was lost: from offset 5 again, then new events.
    const next = [failedSignIn('a6', 'alice@example.com', 6), check('c5', 'checkout', 150, false)];
    const again = await detector.processBatch([
      ...messages.slice(5),
      ...asMessages(next, 'vigil.events', 12),
    ]);
    // The same detections again, except that a6 goes on with the burst: the batch's continuation is a6's.
    const [continuation, ...repeated] = [...again.detections].reverse();
    expect(repeated.reverse()).toEqual(
      [...firstHalf.detections, ...secondHalf.detections].filter((d) => !d.burst?.continuation),
    );
    expect(continuation).toMatchObject({
      id: 'identity.brute-force:identity.brute-force:user:alice@example.com:okta:a6:burst',
      burst: { id: 'okta:a4', events: 7, continuation: true },
    });
  });

  test('the same event twice in one batch counts once and reports its detection once', async ({
    redis,
    uid,
  }) => {
    const detector = createDetector({
      redis,
      keyPrefix: `${uid}:`,
      rules: [bruteForceRule],
      clock: new ManualClock(),
      logger: silentLogger,
    });
    const events = [0, 1, 2, 3, 4].map((m) => failedSignIn(`d${m}`, 'dave@example.com', m));
    const last = events[4];
    if (!last) throw new Error('unreachable');
    const { detections } = await detector.processBatch(asMessages([...events, last, last]));
    expect(detections.map((d) => d.id)).toEqual([
      'identity.brute-force:identity.brute-force:user:dave@example.com:okta:d4',
    ]);
  });

  test('events too late for a rule are returned with the reason, not counted', async ({ redis, uid }) => {
    const detector = createDetector({
      redis,
      keyPrefix: `${uid}:`,
      rules: twoRules,
      clock: new ManualClock(),
      logger: silentLogger,
    });
    const lateFailure = failedSignIn('late', 'erin@example.com', 14);
    const lateCheck = check('late-check', 'search', 0, false);
    const result = await detector.processBatch(
      asMessages([
        failedSignIn('e20', 'erin@example.com', 20),
        check('s300', 'search', 300, true),
        lateFailure,
        lateCheck,
        ...[21, 22, 23].map((m) => failedSignIn(`e${m}`, 'erin@example.com', m)),
      ]),
    );
    // Had the late failure counted, erin would have had five failures within ten minutes at minute 23.
    expect(result.detections).toEqual([]);
    expect(result.late).toEqual([
      {
        event: lateFailure,
        position: { topic: 'vigil.events', partition: 0, offset: '2' },
        reason: expect.stringContaining(
          'identity.brute-force: event time 2025-12-31T23:14:00.000Z is 6m behind',
        ),
        rules: [
          { ruleId: 'identity.brute-force', reason: expect.stringContaining('the allowed lateness is 5m') },
        ],
      },
      {
        event: lateCheck,
        position: { topic: 'vigil.events', partition: 0, offset: '3' },
        reason: expect.stringContaining('availability.service-down: event time'),
        rules: [
          {
            ruleId: 'availability.service-down',
            reason: expect.stringContaining('the allowed lateness is 2m'),
          },
        ],
      },
    ]);
  });

  test('replaying events counted long ago reports nothing late and logs no "event not counted"', async ({
    redis,
    uid,
  }) => {
    const logger = recordingLogger();
    const detector = createDetector({
      redis,
      keyPrefix: `${uid}:`,
      rules: catalog,
      clock: new ManualClock(),
      logger,
    });
    // A file of failed sign-ins (frank's two, gina's one) and an hour of later traffic, then the same file again.
    const file = [
      failedSignIn('f0', 'frank@example.com', 0),
      failedSignIn('f1', 'frank@example.com', 1),
      failedSignIn('g0', 'gina@example.com', 2),
    ];
    expect(await detector.processBatch(asMessages(file))).toEqual({ detections: [], late: [], markers: [] });
    await detector.processBatch(
      asMessages([failedSignIn('f60', 'frank@example.com', 60), failedSignIn('g60', 'gina@example.com', 60)]),
    );
    const replay = await detector.processBatch(asMessages(file));
    expect(replay).toEqual({ detections: [], late: [], markers: [] });
    expect(logger.lines.filter((line) => line.msg === 'event not counted')).toEqual([]);

    // An event as old that was never counted is still reported as late, with the reason.
    const neverSeen = failedSignIn('f-new', 'frank@example.com', 1);
    const late = await detector.processBatch(asMessages([neverSeen]));
    expect(late.late.map((entry) => entry.event.id)).toEqual(['okta:f-new']);
    expect(logger.lines.filter((line) => line.msg === 'event not counted')).toEqual([
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ eventId: 'okta:f-new' }) }),
    ]);
  });

  test('events stamped far in the future are returned, not allowed to move windows forward', async ({
    redis,
    uid,
  }) => {
    const clock = new ManualClock();
    const detector = createDetector({
      redis,
      keyPrefix: `${uid}:`,
      rules: twoRules,
      clock,
      logger: silentLogger,
    });
    const future = failedSignIn('future', 'frank@example.com', 24 * 60);
    const { late } = await detector.processBatch(asMessages([future]));
    expect(late).toEqual([
      expect.objectContaining({
        event: future,
        reason: expect.stringContaining('ahead of the detector'),
        rules: [],
      }),
    ]);
    const burst = [0, 1, 2, 3, 4].map((m) => failedSignIn(`f${m}`, 'frank@example.com', m));
    expect((await detector.processBatch(asMessages(burst))).detections).toHaveLength(1);
  });

  test('parameter overrides change what fires', async ({ redis, uid }) => {
    const strict = {
      ...serviceDownRule,
      params: serviceDownRule.parameters.parse({ consecutiveFailures: 1 }),
    };
    const detector = createDetector({
      redis,
      keyPrefix: `${uid}:`,
      rules: [strict],
      clock: new ManualClock(),
      logger: silentLogger,
    });
    const { detections } = await detector.processBatch(asMessages([check('x0', 'api', 0, false)]));
    expect(detections.map((d) => d.status)).toEqual(['firing']);
  });

  test('one batch is one Redis pipeline', async ({ redis, uid }) => {
    const detector = createDetector({
      redis,
      keyPrefix: `${uid}:`,
      rules: catalog,
      clock: new ManualClock(),
      logger: silentLogger,
    });
    const pipeline = vi.spyOn(redis, 'pipeline');
    await detector.processBatch(asMessages(mixedBatch));
    expect(pipeline).toHaveBeenCalledTimes(1);
    const [created] = pipeline.mock.results;
    // 7 failed sign-ins: brute force, password spray and distributed password spray each; 5 checks:
    // service-down, slo-burn and commitment-breach each. Nothing else matches.
    expect(created?.type === 'return' && created.value.length).toBe(7 * 3 + 5 * 3);
  });

  test('rules that watch every sign-in or every event of a source cost one call per batch', async ({
    redis,
    uid,
  }) => {
    const rules = applyOverrides(catalog, {
      'logging.source-silent': { parameters: { sources: { okta: 300 } } },
    });
    const detector = createDetector({
      redis,
      keyPrefix: `${uid}:`,
      rules,
      clock: new ManualClock(),
      logger: silentLogger,
    });
    const signIns = Array.from({ length: 200 }, (_, i) =>
      signIn({ id: `s${i}`, user: `user${i % 50}@example.com`, at: i * SECOND, outcome: 'success' }),
    );
    const pipeline = vi.spyOn(redis, 'pipeline');
    expect(await detector.processBatch(asMessages(signIns))).toEqual({ detections: [], late: [], markers: [] });
    const [created] = pipeline.mock.results;
    // identity.deprovisioned-access (a sequence) and logging.source-silent (a deadline): one each.
    expect(created?.type === 'return' && created.value.length).toBe(2);
  });

  test('when Redis is unreachable the batch fails as retryable and returns nothing', async ({ uid }) => {
    const unreachable = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      const rules = applyOverrides(catalog, {
        'logging.source-silent': { parameters: { sources: { okta: 300, prober: 60 } } },
      });
      const detector = createDetector({
        redis: unreachable,
        keyPrefix: `${uid}:`,
        rules,
        clock: new ManualClock(),
        logger: silentLogger,
      });
      // Single calls and grouped ones (the sign-in's sequence, every event's deadline) all fail.
      const batch = [
        ...mixedBatch,
        signIn({ id: 'ok', user: 'erin@example.com', at: 0, outcome: 'success' }),
      ];
      await expect(detector.processBatch(asMessages(batch))).rejects.toBeInstanceOf(RetryableError);
      await expect(detector.tick()).rejects.toBeInstanceOf(RetryableError);
    } finally {
      unreachable.disconnect();
    }
  });

  test('a rule that asks Redis again after its first await fails the batch with the reason', async ({
    redis,
    uid,
  }) => {
    const greedy = defineRule({
      ...bruteForceRule,
      id: 'test.greedy',
      async evaluate(_event, ctx) {
        const spec = { windowMs: MINUTE, latenessMs: MINUTE, threshold: 2, maxEvidence: 5 };
        await ctx.countInWindow(spec);
        await ctx.countInWindow({ ...spec, scope: 'second' });
        return NO_DETECTIONS;
      },
    });
    const detector = createDetector({
      redis,
      keyPrefix: `${uid}:`,
      rules: [greedy],
      clock: new ManualClock(),
      logger: silentLogger,
    });
    await expect(
      detector.processBatch(asMessages([failedSignIn('g0', 'grace@example.com', 0)])),
    ).rejects.toThrow(/requested after the batch was sent/);
  });

  test('rejects a key prefix that would break the hash tag', ({ redis }) => {
    expect(() =>
      createDetector({
        redis,
        keyPrefix: '{tenant}:',
        rules: twoRules,
        clock: new ManualClock(),
        logger: silentLogger,
      }),
    ).toThrow(/must not contain braces/);
  });
});
