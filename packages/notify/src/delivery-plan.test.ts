import { describe, expect, test } from 'vitest';
import { planDelivery } from './delivery-plan';
import { sampleIncident } from './testing/incident-samples';

const owner = { team: 'security', channel: '#sec-identity', oncall: [], escalation: [] };
const posted = { channel: 'C0SECIDEN', ts: '1767261600.000100' };

describe('planDelivery', () => {
  test('opened without a message: one post to the owner channel, which takes a rate-limit slot', () => {
    const plan = planDelivery({ kind: 'opened', incident: sampleIncident(), owner, slackEnabled: true });
    expect(plan).toMatchObject({
      postsTo: '#sec-identity',
      steps: [{ step: 'post', channel: '#sec-identity' }],
    });
  });

  test('a change to an incident with no Slack message (it opened while Slack was off): post it, reply in its thread', () => {
    const plan = planDelivery({
      kind: 'updated',
      incident: { ...sampleIncident({ status: 'acknowledged' }), acknowledgedBy: 'api:ops' },
      facts: {
        change: 'acknowledged',
        actor: 'api:ops',
        at: '2026-01-01T10:03:00.000Z',
        status: 'acknowledged',
        detectionCount: 14,
        lastSeenAt: '2026-01-01T10:00:00.000Z',
      },
      owner,
      slackEnabled: true,
    });
    expect(plan).toMatchObject({
      postsTo: '#sec-identity',
      steps: [
        { step: 'post', channel: '#sec-identity', text: expect.stringContaining('[Acknowledged]') },
        {
          step: 'reply',
          channel: '#sec-identity',
          text: 'Acknowledged by api:ops at 10:03 UTC: 14 detections in all, last at 10:00 UTC.',
        },
      ],
    });
    expect(plan.steps[1]).not.toHaveProperty('threadTs');
  });

  test('resolved: update the message by its id and ts, then reply in its thread', () => {
    const incident = sampleIncident({
      slack: posted,
      status: 'resolved',
      resolvedAt: '2026-01-01T10:30:00Z',
    });
    const plan = planDelivery({ kind: 'resolved', incident, owner, slackEnabled: true });
    expect(plan).toMatchObject({
      postsTo: 'C0SECIDEN',
      steps: [
        { step: 'update', channel: 'C0SECIDEN', ts: posted.ts },
        {
          step: 'reply',
          channel: 'C0SECIDEN',
          threadTs: posted.ts,
          text: 'Resolved 30 m after it was detected.',
        },
      ],
    });
  });

  test('an opened that finds its message already there only refreshes it', () => {
    const plan = planDelivery({
      kind: 'opened',
      incident: sampleIncident({ slack: posted }),
      owner,
      slackEnabled: true,
    });
    expect(plan).toMatchObject({ steps: [{ step: 'update' }] });
    expect(plan.postsTo).toBeUndefined();
  });

  test('without Slack every kind is one log entry with the whole message; nothing waits for a post', () => {
    const plan = planDelivery({
      kind: 'updated',
      incident: sampleIncident({ detectionCount: 3 }),
      owner,
      slackEnabled: false,
      previousDetectionCount: 1,
    });
    expect(plan).toMatchObject({
      steps: [
        {
          step: 'log',
          channel: '#sec-identity',
          text: expect.stringContaining('INC-42'),
          followUp: '2 more detections (3 in all), last at 10:00 UTC.',
        },
      ],
    });
  });
});
