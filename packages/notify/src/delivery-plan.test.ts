import { describe, expect, test } from 'vitest';
import { planDelivery } from './delivery-plan';
import { sampleIncident } from './testing/incident-samples';

const owner = { team: 'security', channel: '#sec-identity', oncall: [], escalation: [] };
const posted = { channel: 'C0SECIDEN', ts: '1767261600.000100' };

describe('planDelivery', () => {
  test('opened without a message: one post to the owner channel, which takes a rate-limit slot', () => {
    const plan = planDelivery({ kind: 'opened', incident: sampleIncident(), owner, slackEnabled: true });
    expect(plan).toMatchObject({
      type: 'steps',
      postsTo: '#sec-identity',
      steps: [{ step: 'post', channel: '#sec-identity' }],
    });
  });

  test('updated or resolved before the first post: wait for it', () => {
    for (const kind of ['updated', 'resolved'] as const) {
      expect(planDelivery({ kind, incident: sampleIncident(), owner, slackEnabled: true })).toEqual({
        type: 'wait-for-first-message',
      });
    }
  });

  test('resolved: update the message by its id and ts, then reply in its thread', () => {
    const incident = sampleIncident({
      slack: posted,
      status: 'resolved',
      resolvedAt: '2026-01-01T10:30:00Z',
    });
    const plan = planDelivery({ kind: 'resolved', incident, owner, slackEnabled: true });
    expect(plan).toMatchObject({
      type: 'steps',
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
    expect(plan).toMatchObject({ type: 'steps', steps: [{ step: 'update' }] });
    expect(plan.type === 'steps' && plan.postsTo).toBeUndefined();
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
      type: 'steps',
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
