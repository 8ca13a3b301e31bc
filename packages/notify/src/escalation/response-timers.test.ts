import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { onTestFinished, vi } from 'vitest';
import type { IncidentFacts } from '../incident-facts';
import { parseOwners } from '../owners';
import { sampleIncident, sampleOutage } from '../testing/incident-samples';
import { MemoryIncidentRegister } from '../testing/memory-incident-register';
import { MemoryNotificationStore } from '../testing/memory-notification-store';
import {
  describe,
  expect,
  recordingLogger,
  SLACK_TOKEN,
  test,
  type NotifierHarness,
} from '../testing/notifier-harness';
import { createResponseTimers, timerJobId, type ResponseTimers } from './response-timers';

const WAIT = { timeout: 10_000, interval: 20 };

const OWNERS = parseOwners(
  [
    'fallbackChannel: "#soc"',
    'owners:',
    '  - match: { rule: "identity.*" }',
    '    team: security',
    '    channel: "#sec-identity"',
    '    oncall: [U0SECONC1]',
    '    escalation:',
    '      - { afterMinutes: 0, users: [U0SECLEAD] }',
    '      - { afterMinutes: 1, users: [U0CISO001] }',
    '  - match: { rule: "availability.*" }',
    '    team: sre',
    '    channel: "#sre"',
    '    oncall: [U0SREONC1]',
  ].join('\n'),
  'test-owners.yaml',
);

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

interface TimerSetup {
  harness: NotifierHarness;
  register: MemoryIncidentRegister;
  timers: ResponseTimers;
  queueName: string;
}

describe('response timers', () => {
  async function setUp(
    context: { uid: string; redisUrl: string; slack: { url: string } },
    startNotifier: (options?: { overrides?: object }) => Promise<NotifierHarness>,
  ): Promise<TimerSetup> {
    const queueName = `timers-${context.uid}`;
    // The register and the notifier share one store, as they share the database.
    const store = new MemoryNotificationStore();
    const register = new MemoryIncidentRegister(store);
    const timers = createResponseTimers({
      connection: { url: context.redisUrl },
      queueName,
      incidents: register,
      owners: OWNERS,
      slack: { token: SLACK_TOKEN, apiUrl: context.slack.url },
      logger: recordingLogger(),
      backoffMs: 100,
    });
    await timers.start();
    onTestFinished(() => timers.stop());
    const harness = await startNotifier({ overrides: { store, owners: OWNERS, timers } });
    return { harness, register, timers, queueName };
  }

  /** Opens the incident as the alerter would: its `opened` notification is delivered, which arms its timers. */
  async function open(setup: TimerSetup, incident: IncidentFacts): Promise<{ channel: string; ts: string }> {
    setup.register.putIncident(incident);
    const opened = setup.harness.store.addNotification(incident.id, 'opened');
    await setup.harness.notifier.enqueue([opened]);
    await vi.waitFor(() => expect(setup.harness.store.notification(opened.id).status).toBe('sent'), WAIT);
    const slack = setup.harness.store.incidents.get(incident.id)?.slack;
    if (!slack) throw new Error('no opening post');
    return slack;
  }

  test('unacknowledged at its due time: the finding is recorded and the thread mentions the escalation chain', async ({
    uid,
    redisUrl,
    redis: _redis,
    slack,
    startNotifier,
  }) => {
    const setup = await setUp({ uid, redisUrl, slack }, startNotifier);
    const incident = { ...sampleIncident(), ackDueAt: inMs(600), resolveDueAt: inMs(3_600_000) };
    const { channel, ts } = await open(setup, incident);

    await vi.waitFor(() => expect(setup.register.findings).toHaveLength(1), WAIT);
    expect(setup.register.findings[0]).toMatchObject({
      incidentId: incident.id,
      kind: 'ack-overdue',
      data: {
        key: `${incident.id}.ack-overdue`,
        dueAt: incident.ackDueAt,
        status: 'open',
        severity: 'SEV2',
        escalationStep: 0,
        notified: ['U0SECLEAD'],
      },
    });
    await vi.waitFor(() => expect(slack.replies(channel, ts)).toHaveLength(1), WAIT);
    expect(slack.replies(channel, ts)[0]?.text).toMatch(
      /^:rotating_light: INC-42 \(SEV2\) has not been acknowledged: it was due \d+ s ago\. Escalating to <@U0SECLEAD>\.$/,
    );
    // The next step of the chain is armed for a minute after the due time.
    const queue = new Queue(setup.queueName, { connection: { url: redisUrl } });
    onTestFinished(() => queue.close());
    expect(await queue.getJobState(timerJobId(incident.id, 'ack-overdue', 1))).toBe('delayed');
  });

  test('an incident recorded from history (backfill, replay) arms no timer: nobody is paged when it falls due', async ({
    uid,
    redisUrl,
    redis: _redis,
    slack,
    startNotifier,
  }) => {
    const setup = await setUp({ uid, redisUrl, slack }, startNotifier);
    const incident = { ...sampleIncident(), ackDueAt: inMs(300), resolveDueAt: inMs(600) };
    setup.register.putIncident(incident);
    const opened = setup.harness.store.addNotification(incident.id, 'opened', new Date(), {
      change: 'opened',
      actor: 'vigil:identity.brute-force',
      at: new Date().toISOString(),
      status: 'open',
      detectionCount: 1,
      lastSeenAt: incident.lastSeenAt,
      historical: true,
    });
    await setup.harness.notifier.enqueue([opened]);
    await vi.waitFor(() => expect(setup.harness.store.notification(opened.id).status).toBe('sent'), WAIT);
    const queue = new Queue(setup.queueName, { connection: { url: redisUrl } });
    onTestFinished(() => queue.close());
    expect(await queue.getJobState(timerJobId(incident.id, 'ack-overdue'))).toBe('unknown');
    expect(await queue.getJobState(timerJobId(incident.id, 'unresolved-overdue'))).toBe('unknown');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(setup.register.findings).toEqual([]);
    const post = slack.callsTo('chat.postMessage')[0];
    expect(String(post?.args.text)).toContain('Historical: ');
    expect(JSON.stringify(post?.args)).not.toContain('<@');
  });

  test('acknowledged in time: the timer fires, finds it acknowledged, and does nothing', async ({
    uid,
    redisUrl,
    redis: _redis,
    slack,
    startNotifier,
  }) => {
    const setup = await setUp({ uid, redisUrl, slack }, startNotifier);
    const incident = { ...sampleIncident(), ackDueAt: inMs(1_000), resolveDueAt: inMs(3_600_000) };
    const { channel, ts } = await open(setup, incident);
    const queue = new Queue(setup.queueName, { connection: { url: redisUrl } });
    onTestFinished(() => queue.close());
    const jobId = timerJobId(incident.id, 'ack-overdue');
    expect(await queue.getJobState(jobId)).toBe('delayed');

    await setup.register.transition(incident.id, 'acknowledge', { actor: 'slack:U0ALICE01' });
    await vi.waitFor(async () => expect(await queue.getJobState(jobId)).toBe('completed'), WAIT);
    expect((await queue.getJob(jobId))?.returnvalue).toBe('cleared');
    expect(setup.register.findings).toHaveLength(0);
    expect(slack.replies(channel, ts)).toHaveLength(0);
    expect(await queue.getJobState(timerJobId(incident.id, 'ack-overdue', 1))).toBe('unknown');
  });

  test('a later escalation step fires on its own, mentioning the next people', async ({
    uid,
    redisUrl,
    redis: _redis,
    slack,
    startNotifier,
  }) => {
    const setup = await setUp({ uid, redisUrl, slack }, startNotifier);
    // Due 61 s ago: the due-time step and the 1-minute step are both overdue already.
    const incident = { ...sampleIncident(), ackDueAt: inMs(-61_000), resolveDueAt: inMs(3_600_000) };
    const { channel, ts } = await open(setup, incident);

    await vi.waitFor(() => expect(setup.register.findings).toHaveLength(2), WAIT);
    expect(
      setup.register.findings.map((finding) => [finding.data.escalationStep, finding.data.notified]),
    ).toEqual([
      [0, ['U0SECLEAD']],
      [1, ['U0CISO001']],
    ]);
    // Both were due when it opened; each waited for the incident's message and went into its thread.
    await vi.waitFor(() => expect(slack.replies(channel, ts)).toHaveLength(2), WAIT);
    expect(slack.replies(channel, ts).map((reply) => reply.text)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^:rotating_light: INC-42 \(SEV2\) has not been acknowledged: it was due 1 m ago\. Escalating to <@U0SECLEAD>\.$/,
        ),
        expect.stringMatching(
          /^:rotating_light: INC-42 \(SEV2\) is still not acknowledged, 1 m after it was due\. Escalating to <@U0CISO001>\.$/,
        ),
      ]),
    );
  });

  test('unresolved at its resolution due time; without a chain, the on-call people are mentioned', async ({
    uid,
    redisUrl,
    redis: _redis,
    slack,
    startNotifier,
  }) => {
    const setup = await setUp({ uid, redisUrl, slack }, startNotifier);
    const incident = {
      ...sampleOutage({ status: 'acknowledged' }),
      acknowledgedAt: inMs(-60_000),
      acknowledgedBy: 'slack:U0SREONC1',
      ackDueAt: inMs(-30_000),
      resolveDueAt: inMs(600),
    };
    const { channel, ts } = await open(setup, incident);

    await vi.waitFor(() => expect(setup.register.findings).toHaveLength(1), WAIT);
    expect(setup.register.findings[0]).toMatchObject({
      kind: 'unresolved-overdue',
      data: { dueAt: incident.resolveDueAt, status: 'acknowledged', notified: ['U0SREONC1'] },
    });
    await vi.waitFor(() => expect(slack.replies(channel, ts)).toHaveLength(1), WAIT);
    expect(slack.replies(channel, ts)[0]?.text).toMatch(
      /^:hourglass: INC-7 \(SEV1\) is still acknowledged: it was due to be resolved \d+ s ago\. Escalating to <@U0SREONC1>\.$/,
    );
  });

  test('postmortem overdue: a SEV1 resolved days ago without root cause or postmortem link; not one with both', async ({
    uid,
    redisUrl,
    redis: _redis,
    slack,
    startNotifier,
  }) => {
    const setup = await setUp({ uid, redisUrl, slack }, startNotifier);
    const fiveDays = 5 * 24 * 3600 * 1000;
    const lacking = {
      ...sampleOutage({ status: 'resolved', resolvedAt: inMs(-fiveDays + 500) }),
      resolvedBy: 'slack:U0SREONC1',
      ackDueAt: inMs(-fiveDays),
      resolveDueAt: inMs(-fiveDays),
    };
    const complete = {
      ...lacking,
      id: randomUUID(),
      seq: 8,
      rootCause: 'Bad deploy',
      postmortemUrl: 'https://wiki.example.com/pm/8',
    };
    // Opened (and so armed) as the notifier delivers them; the postmortem timers fall due at once.
    const { channel, ts } = await open(setup, lacking);
    await open(setup, complete);

    await vi.waitFor(() => expect(setup.register.findings).toHaveLength(1), WAIT);
    expect(setup.register.findings[0]).toMatchObject({
      incidentId: lacking.id,
      kind: 'postmortem-overdue',
      data: { missing: ['rootCause', 'postmortemUrl'], notified: ['U0SREONC1'], status: 'resolved' },
    });
    await vi.waitFor(() => expect(slack.replies(channel, ts)).toHaveLength(1), WAIT);
    expect(slack.replies(channel, ts)[0]?.text).toMatch(
      /^:memo: INC-7 \(SEV1\) was resolved but still has no root cause and no postmortem link; it was due \d+ s ago\. <@U0SREONC1>, please add it to the incident\.$/,
    );
    const queue = new Queue(setup.queueName, { connection: { url: redisUrl } });
    onTestFinished(() => queue.close());
    await vi.waitFor(
      async () =>
        expect((await queue.getJob(timerJobId(complete.id, 'postmortem-overdue')))?.returnvalue).toBe(
          'cleared',
        ),
      WAIT,
    );
  });

  test('arming again is a no-op: one delayed job per incident and kind', async ({
    uid,
    redisUrl,
    redis: _redis,
    slack,
    startNotifier,
  }) => {
    const setup = await setUp({ uid, redisUrl, slack }, startNotifier);
    const incident = { ...sampleIncident(), ackDueAt: inMs(3_600_000), resolveDueAt: inMs(7_200_000) };
    setup.register.putIncident(incident);
    await Promise.all([
      setup.timers.sync(incident),
      setup.timers.sync(incident),
      setup.timers.sync(incident),
    ]);
    const queue = new Queue(setup.queueName, { connection: { url: redisUrl } });
    onTestFinished(() => queue.close());
    const delayed = await queue.getDelayed();
    expect(delayed.map((job) => job.id).sort()).toEqual(
      [timerJobId(incident.id, 'ack-overdue'), timerJobId(incident.id, 'unresolved-overdue')].sort(),
    );
    expect(
      delayed.find((job) => job.id === timerJobId(incident.id, 'ack-overdue'))?.opts.delay,
    ).toBeGreaterThan(3_590_000);
  });
});
