import type { NotificationFacts } from '@vigil/schema';
import { describe, expect, test } from 'vitest';
import { changeReply } from './change-reply';

const detected = { detectedAt: '2026-01-01T10:00:00.000Z' };

function facts(overrides: Partial<NotificationFacts>): NotificationFacts {
  return {
    change: 'acknowledged',
    actor: 'slack:U0ALICE01',
    at: '2026-01-01T10:03:00.000Z',
    status: 'acknowledged',
    detectionCount: 14,
    lastSeenAt: '2026-01-01T10:02:00.000Z',
    ...overrides,
  };
}

describe('changeReply: the thread tells each change as it happened', () => {
  test('an acknowledgement says who and when, with the count at that moment, whatever happened since', () => {
    expect(changeReply(facts({}), detected)).toBe(
      'Acknowledged by <@U0ALICE01> at 10:03 UTC: 14 detections in all, last at 10:02 UTC.',
    );
    expect(changeReply(facts({ actor: 'api:ops-bot', text: 'looking into it' }), detected)).toBe(
      'Acknowledged by api:ops-bot at 10:03 UTC: 14 detections in all, last at 10:02 UTC. Note: looking into it',
    );
  });

  test('a resolution: by whom, how long after detection or how much downtime, root cause as given', () => {
    expect(
      changeReply(
        facts({
          change: 'resolved',
          status: 'resolved',
          at: '2026-01-01T11:05:00.000Z',
          rootCause: 'a leaked password',
        }),
        detected,
      ),
    ).toBe('Resolved by <@U0ALICE01> 1 h 5 m after it was detected. Root cause: a leaked password.');
    expect(
      changeReply(
        facts({
          change: 'resolved',
          status: 'resolved',
          actor: 'vigil:availability.service-down',
          downtimeSeconds: 40,
        }),
        detected,
      ),
    ).toBe('Resolved by vigil:availability.service-down after 40 s of downtime.');
  });

  test('dismissals quote the reason, comments their text, and neither can mention or link', () => {
    expect(
      changeReply(
        facts({ change: 'dismissed', status: 'dismissed', reason: 'Pen test <!channel>' }),
        detected,
      ),
    ).toBe('Dismissed by <@U0ALICE01>: Pen test &lt;!channel&gt;');
    expect(
      changeReply(
        facts({ change: 'commented', status: 'open', actor: 'api:soc', text: 'called the user' }),
        detected,
      ),
    ).toBe('Comment from api:soc: called the user');
  });

  test('detections and reopenings say what the register saw then', () => {
    expect(
      changeReply(
        facts({ change: 'detections', status: 'open', actor: 'vigil:identity.brute-force' }),
        detected,
      ),
    ).toBe('1 more detection (14 in all), last at 10:02 UTC.');
    expect(
      changeReply(facts({ change: 'reopened', status: 'open', at: '2026-01-01T12:00:00.000Z' }), detected),
    ).toBe('Reopened: it fired again at 12:00 UTC after it was resolved; 14 detections in all.');
  });
});
