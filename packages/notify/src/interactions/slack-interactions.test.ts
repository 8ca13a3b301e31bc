import Fastify, { type FastifyInstance } from 'fastify';
import { onTestFinished, vi } from 'vitest';
import type { PgIncidentStore } from '@vigil/incidents';
import type { SlackStandin } from '../../../../test/fixtures/slack-standin';
import type { IncidentFacts } from '../incident-facts';
import { SLACK_ACTION_IDS, SLACK_VIEW_CALLBACKS } from '../slack-actions';
import { sampleIncident } from '../testing/incident-samples';
import { MemoryIncidentRegister } from '../testing/memory-incident-register';
import {
  describe,
  expect,
  recordingLogger,
  SLACK_TOKEN,
  test,
  type NotifierHarness,
} from '../testing/notifier-harness';
import {
  ALICE,
  BOB,
  clickPayload,
  SIGNING_SECRET,
  signedInteraction,
  submissionPayload,
} from '../testing/slack-interactions';
import type { IncidentActions } from './incident-actions';
import { buildSlackInteractionsRoute, type SlackInteractionsRouteOptions } from './interactions-route';
import { createSlackInteractionClient } from './slack-interaction-client';

const WAIT = { timeout: 10_000, interval: 20 };

/** The register's store is used only through the port: this fails to compile when they drift apart. */
const _pgStoreFits = (store: PgIncidentStore): IncidentActions => store;

interface Interactions {
  app: FastifyInstance;
  register: MemoryIncidentRegister;
  logger: ReturnType<typeof recordingLogger>;
}

async function startInteractions(
  harness: NotifierHarness,
  slack: SlackStandin,
  overrides: Partial<SlackInteractionsRouteOptions> = {},
): Promise<Interactions> {
  const register = new MemoryIncidentRegister(harness.store);
  const logger = recordingLogger();
  const app = Fastify({ logger: false });
  await app.register(
    buildSlackInteractionsRoute({
      signingSecret: SIGNING_SECRET,
      incidents: register,
      notifier: harness.notifier,
      slack: createSlackInteractionClient({ token: SLACK_TOKEN, apiUrl: slack.url, logger }),
      logger,
      ...overrides,
    }),
  );
  await app.ready();
  onTestFinished(() => app.close());
  return { app, register, logger };
}

/** An incident whose message is in Slack (the stand-in), as after its `opened` notification. */
async function openIncident(
  harness: NotifierHarness,
  register: MemoryIncidentRegister,
  overrides: Partial<IncidentFacts> = {},
): Promise<{ incident: IncidentFacts; channel: string; ts: string }> {
  const incident = register.putIncident({ ...sampleIncident(), ...overrides });
  const opened = harness.store.addNotification(incident.id, 'opened');
  await harness.notifier.enqueue([opened]);
  await vi.waitFor(() => expect(harness.store.notification(opened.id).status).toBe('sent'), WAIT);
  const slack = harness.store.incidents.get(incident.id)?.slack;
  if (!slack) throw new Error('the opening post was not recorded');
  return { incident, ...slack };
}

function buttonIds(blocks: unknown): string[] {
  return (blocks as Array<{ type: string; elements?: Array<{ action_id: string }> }>)
    .filter((block) => block.type === 'actions')
    .flatMap((block) => (block.elements ?? []).map((element) => element.action_id));
}

function openedView(slack: SlackStandin, index = -1) {
  const call = slack.callsTo('views.open').at(index);
  if (!call?.ok) throw new Error(`views.open did not succeed: ${call?.error}`);
  return call.response.view as {
    id: string;
    callback_id: string;
    private_metadata: string;
    title: { text: string };
  };
}

describe('Slack interactions', () => {
  test('acknowledge, then resolve through the modal: the message is updated in place and the thread says who', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier();
    const armed: IncidentFacts[] = [];
    const timers = { sync: async (incident: IncidentFacts) => void armed.push(incident) };
    const { app, register } = await startInteractions(harness, slack, { timers });
    const { incident, channel, ts } = await openIncident(harness, register);
    expect(buttonIds(slack.message(channel, ts)?.blocks)).toEqual([
      SLACK_ACTION_IDS.acknowledge,
      SLACK_ACTION_IDS.resolve,
      SLACK_ACTION_IDS.dismiss,
    ]);

    const ack = await app.inject(
      signedInteraction(
        clickPayload({ action: 'acknowledge', incidentId: incident.id, channel, messageTs: ts }),
      ),
    );
    expect(ack.statusCode).toBe(200);
    expect(register.incident(incident.id)).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'slack:U0ALICE01',
    });
    expect(register.timeline.at(-1)).toMatchObject({
      kind: 'acknowledged',
      actor: 'slack:U0ALICE01',
      data: { from: 'open', to: 'acknowledged', text: 'via Slack by @alice (U0ALICE01)' },
    });
    await vi.waitFor(() => expect(slack.replies(channel, ts)).toHaveLength(1), WAIT);
    expect(slack.replies(channel, ts)[0]?.text).toEqual(
      expect.stringMatching(
        /^Acknowledged by <@U0ALICE01> at \d\d:\d\d UTC: 1 detection in all, last at 10:00 UTC\.$/,
      ),
    );
    const acknowledged = slack.message(channel, ts);
    expect(acknowledged?.text).toContain('[Acknowledged]');
    expect(JSON.stringify(acknowledged?.blocks)).toContain('*Acknowledged*\\n<@U0ALICE01>');
    expect(buttonIds(acknowledged?.blocks)).toEqual([SLACK_ACTION_IDS.resolve, SLACK_ACTION_IDS.dismiss]);

    const trigger = slack.issueTrigger();
    const click = await app.inject(
      signedInteraction(
        clickPayload({
          action: 'resolve',
          incidentId: incident.id,
          channel,
          messageTs: ts,
          triggerId: trigger,
        }),
      ),
    );
    expect(click.statusCode).toBe(200);
    const view = openedView(slack);
    expect(slack.callsTo('views.open')[0]?.args.trigger_id).toBe(trigger);
    expect(view.callback_id).toBe(SLACK_VIEW_CALLBACKS.resolve);
    expect(view.title.text).toBe('Resolve INC-42');
    expect(JSON.parse(view.private_metadata)).toEqual({ incidentId: incident.id, channel, messageTs: ts });
    expect(register.incident(incident.id).status).toBe('acknowledged');

    const submit = await app.inject(
      signedInteraction(
        submissionPayload({
          view,
          values: {
            root_cause: 'A reused password from a breached site',
            remediation: 'Password reset, lockout enabled',
            postmortem_url: 'https://wiki.example.com/pm/42',
          },
        }),
      ),
    );
    expect(submit.statusCode).toBe(200);
    expect(submit.body).toBe('');
    expect(register.incident(incident.id)).toMatchObject({
      status: 'resolved',
      resolvedBy: 'slack:U0ALICE01',
      rootCause: 'A reused password from a breached site',
      postmortemUrl: 'https://wiki.example.com/pm/42',
    });
    await vi.waitFor(() => expect(slack.replies(channel, ts)).toHaveLength(2), WAIT);
    expect(slack.replies(channel, ts)[1]?.text).toMatch(
      /^Resolved by <@U0ALICE01> \d.* after it was detected\. Root cause: A reused password from a breached site\.( Remediation: .*)? Postmortem: https:\/\/wiki\.example\.com\/pm\/42$/,
    );
    const resolved = slack.message(channel, ts);
    expect(resolved?.text).toContain('[Resolved]');
    expect(JSON.stringify(resolved?.blocks)).toContain(
      '*Root cause*\\nA reused password from a breached site',
    );
    expect(buttonIds(resolved?.blocks)).toEqual([]);
    // One update per action, always of the one message.
    expect(slack.callsTo('chat.update').map((call) => call.args.ts)).toEqual([ts, ts]);
    expect(slack.callsTo('chat.postEphemeral')).toHaveLength(0);
    // The response timers are re-armed from each result: the postmortem timer starts at resolution.
    expect(armed.map((armedIncident) => armedIncident.status)).toEqual(['acknowledged', 'resolved']);
  });

  test('a forged signature, a stale or future timestamp, or none: 401, nothing changed, nothing secret logged', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier();
    const { app, register, logger } = await startInteractions(harness, slack);
    const { incident, channel, ts } = await openIncident(harness, register);
    const payload = clickPayload({ action: 'acknowledge', incidentId: incident.id, channel, messageTs: ts });
    const now = Math.floor(Date.now() / 1000);
    const forged = signedInteraction(payload, { secret: 'not-the-signing-secret' });
    const cases = [
      [forged, 'invalid_signature'],
      [signedInteraction(payload, { timestampSeconds: now - 301 }), 'stale_request'],
      [signedInteraction(payload, { timestampSeconds: now + 600 }), 'stale_request'],
      [{ ...forged, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 'missing_signature'],
      // A body changed after signing: Slack signed other bytes.
      [
        { ...signedInteraction(payload), payload: `${signedInteraction(payload).payload}&x=1` },
        'invalid_signature',
      ],
    ] as const;
    const callsBefore = slack.calls.length;
    for (const [request, code] of cases) {
      const response = await app.inject(request);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ error: { code, message: expect.any(String) } });
    }
    expect(register.transitionCalls).toHaveLength(0);
    expect(register.incident(incident.id).status).toBe('open');
    expect(slack.calls.length).toBe(callsBefore);
    const logged = JSON.stringify(logger.entries);
    expect(logged).toContain('refused a Slack request that failed verification');
    expect(logged).not.toContain(SIGNING_SECRET);
    const forgedSignature = forged.headers['x-slack-signature'] ?? 'missing';
    expect(logged).not.toContain(forgedSignature.slice(3, 20));
  });

  test('the same click delivered twice acts once; another click is told the incident is already acknowledged', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier();
    const { app, register } = await startInteractions(harness, slack);
    const { incident, channel, ts } = await openIncident(harness, register);
    const click = signedInteraction(
      clickPayload({
        action: 'acknowledge',
        incidentId: incident.id,
        channel,
        messageTs: ts,
        actionTs: '1767261700.000100',
      }),
    );

    const answers = await Promise.all([app.inject(click), app.inject(click)]);
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200]);
    expect(register.transitionCalls).toHaveLength(2);
    expect(register.timeline.filter((entry) => entry.kind === 'acknowledged')).toHaveLength(1);
    await vi.waitFor(() => expect(slack.replies(channel, ts)).toHaveLength(1), WAIT);

    const second = await app.inject(
      signedInteraction(
        clickPayload({ action: 'acknowledge', incidentId: incident.id, user: BOB, channel, messageTs: ts }),
      ),
    );
    expect(second.statusCode).toBe(200);
    const refusal =
      'INC-42 is acknowledged; it cannot be acknowledged again. An acknowledged incident can be contained, resolved, dismissed or commented on.';
    expect(second.json()).toEqual({ response_type: 'ephemeral', replace_original: false, text: refusal });
    await vi.waitFor(() => expect(slack.callsTo('chat.postEphemeral')).toHaveLength(1), WAIT);
    expect(slack.callsTo('chat.postEphemeral')[0]?.args).toMatchObject({
      channel,
      user: BOB.id,
      text: refusal,
    });
    expect(register.incident(incident.id).acknowledgedBy).toBe('slack:U0ALICE01');
    // Nothing more reached the message: one update and one reply, from the one acknowledgement.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slack.callsTo('chat.update')).toHaveLength(1);
    expect(slack.replies(channel, ts)).toHaveLength(1);
  });

  test('illegal transitions are answered politely: no modal for a resolved incident; a stale modal shows why', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier();
    const { app, register } = await startInteractions(harness, slack);
    const { incident, channel, ts } = await openIncident(harness, register);

    // Alice opens the resolve modal; Bob dismisses the incident meanwhile.
    await app.inject(
      signedInteraction(
        clickPayload({
          action: 'resolve',
          incidentId: incident.id,
          channel,
          messageTs: ts,
          triggerId: slack.issueTrigger(),
        }),
      ),
    );
    const view = openedView(slack);
    await register.transition(incident.id, 'dismiss', { reason: 'Pen test', actor: 'slack:U0BOB0001' });

    const submit = await app.inject(
      signedInteraction(
        submissionPayload({ view, values: { root_cause: 'x', remediation: null, postmortem_url: null } }),
      ),
    );
    expect(submit.statusCode).toBe(200);
    expect(submit.json()).toEqual({
      response_action: 'errors',
      errors: {
        root_cause:
          'INC-42 is dismissed; it cannot be resolved. Dismissed is final: only comments can be added.',
      },
    });
    expect(register.incident(incident.id).status).toBe('dismissed');

    // A click on a button of a message not yet updated: told, and no modal is opened.
    const click = await app.inject(
      signedInteraction(
        clickPayload({
          action: 'resolve',
          incidentId: incident.id,
          channel,
          messageTs: ts,
          triggerId: slack.issueTrigger(),
        }),
      ),
    );
    expect(click.statusCode).toBe(200);
    expect(click.json()).toMatchObject({
      text: expect.stringMatching(/^INC-42 is dismissed; it cannot be resolved\./),
    });
    expect(slack.callsTo('views.open')).toHaveLength(1);
    await vi.waitFor(() => expect(slack.callsTo('chat.postEphemeral')).toHaveLength(1), WAIT);

    // An incident the register does not have.
    const unknown = await app.inject(
      signedInteraction(
        clickPayload({
          action: 'acknowledge',
          incidentId: '00000000-0000-4000-8000-000000000000',
          channel,
          messageTs: ts,
        }),
      ),
    );
    expect(unknown.statusCode).toBe(200);
    expect(unknown.json()).toMatchObject({
      text: 'This incident is not in the Vigil register, so nothing was changed.',
    });
  });

  test('dismiss needs a reason: the modal shows the error next to it; with one, the incident is dismissed', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier();
    const { app, register } = await startInteractions(harness, slack);
    const { incident, channel, ts } = await openIncident(harness, register);
    await app.inject(
      signedInteraction(
        clickPayload({
          action: 'dismiss',
          incidentId: incident.id,
          user: BOB,
          channel,
          messageTs: ts,
          triggerId: slack.issueTrigger(),
        }),
      ),
    );
    const view = openedView(slack);
    expect(view.callback_id).toBe(SLACK_VIEW_CALLBACKS.dismiss);

    for (const reason of [null, '   ']) {
      const empty = await app.inject(
        signedInteraction(submissionPayload({ view, user: BOB, values: { reason } })),
      );
      expect(empty.statusCode).toBe(200);
      expect(empty.json()).toEqual({ response_action: 'errors', errors: { reason: expect.any(String) } });
    }
    expect(register.transitionCalls).toHaveLength(0);

    const given = await app.inject(
      signedInteraction(
        submissionPayload({ view, user: BOB, values: { reason: 'Scheduled pen test by Acme <ticket 12>' } }),
      ),
    );
    expect(given.statusCode).toBe(200);
    expect(given.body).toBe('');
    expect(register.incident(incident.id)).toMatchObject({
      status: 'dismissed',
      dismissedBy: 'slack:U0BOB0001',
      dismissalReason: 'Scheduled pen test by Acme <ticket 12>',
    });
    await vi.waitFor(() => expect(slack.replies(channel, ts)).toHaveLength(1), WAIT);
    expect(slack.replies(channel, ts)[0]?.text).toBe(
      'Dismissed by <@U0BOB0001>: Scheduled pen test by Acme &lt;ticket 12&gt;',
    );
    expect(buttonIds(slack.message(channel, ts)?.blocks)).toEqual([]);
  });

  test('a slow register does not hold the answer: Slack is answered in budget and the action completes after', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier();
    const { app, register } = await startInteractions(harness, slack, { answerWithinMs: 300 });
    const { incident, channel, ts } = await openIncident(harness, register);
    register.transitionDelayMs = 1_500;

    const started = performance.now();
    const answer = await app.inject(
      signedInteraction(
        clickPayload({ action: 'acknowledge', incidentId: incident.id, channel, messageTs: ts }),
      ),
    );
    expect(answer.statusCode).toBe(200);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(register.incident(incident.id).status).toBe('open');
    await vi.waitFor(() => expect(register.incident(incident.id).status).toBe('acknowledged'), WAIT);
    await vi.waitFor(() => expect(slack.replies(channel, ts)).toHaveLength(1), WAIT);
  });

  test('a slow views.open is given up within the budget and the person is told to click again', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier();
    const { app, register } = await startInteractions(harness, slack, { answerWithinMs: 800 });
    const { incident, channel, ts } = await openIncident(harness, register);
    slack.delayNext(1, 3_000);

    const started = performance.now();
    const answer = await app.inject(
      signedInteraction(
        clickPayload({
          action: 'resolve',
          incidentId: incident.id,
          channel,
          messageTs: ts,
          triggerId: slack.issueTrigger(),
        }),
      ),
    );
    expect(answer.statusCode).toBe(200);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(answer.json()).toMatchObject({
      text: expect.stringMatching(/^Vigil could not open the form .*click the button again/),
    });
    await vi.waitFor(() => expect(slack.callsTo('chat.postEphemeral')).toHaveLength(1), WAIT);
    expect(register.transitionCalls).toHaveLength(0);
  });

  test('payloads it does not handle get 200; a broken one 400; the host app keeps its own JSON parsing', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier({ slack: undefined });
    const register = new MemoryIncidentRegister(harness.store);
    const app = Fastify({ logger: false });
    app.post('/echo', async (request) => ({ got: request.body }));
    await app.register(
      buildSlackInteractionsRoute({
        signingSecret: SIGNING_SECRET,
        incidents: register,
        logger: recordingLogger(),
      }),
    );
    onTestFinished(() => app.close());

    const closed = await app.inject(signedInteraction({ type: 'view_closed', user: { id: ALICE.id } }));
    expect(closed.statusCode).toBe(200);
    const other = await app.inject(
      signedInteraction({
        type: 'block_actions',
        user: { id: ALICE.id },
        actions: [{ action_id: 'someone.else' }],
      }),
    );
    expect(other.statusCode).toBe(200);
    const broken = await app.inject(signedInteraction({ type: 'view_submission', user: {} }));
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ error: { code: 'invalid_payload' } });

    const echo = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    expect(echo.json()).toEqual({ got: { a: 1 } });
    expect(slack.calls).toHaveLength(0);
  });
});
