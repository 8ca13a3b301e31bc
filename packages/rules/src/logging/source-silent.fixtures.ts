import { deadlineSuffix } from '../detection-builder';
import { FIXTURE_EPOCH_MS, MINUTE, SECOND, heartbeat, signIn } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const parameters = { sources: { 'log-shipper': 60, okta: '5m' } };

/** Registered: log-shipper every 60 s, okta every 5 minutes; one minute's grace. */
export const sourceSilentFixtures: RuleFixtures = {
  positive: [
    {
      name: 'a shipper silent past its interval fires from the timer; its next heartbeat resolves it',
      parameters,
      events: [
        heartbeat({ id: 'ss-a0', at: 0, source: 'log-shipper' }),
        signIn({ id: 'ss-a1', at: 0, user: 'alice', outcome: 'success' }),
      ],
      then: [
        { tickAt: 110 * SECOND },
        { tickAt: 3 * MINUTE },
        { events: [heartbeat({ id: 'ss-a5', at: 5 * MINUTE, source: 'log-shipper' })] },
      ],
      expected: [
        {
          status: 'firing',
          triggerEventId: 'log-shipper:ss-a0',
          idSuffix: deadlineSuffix(FIXTURE_EPOCH_MS + 2 * MINUTE),
          attributes: { expectedIntervalSeconds: 60 },
        },
        { status: 'resolved', triggerEventId: 'log-shipper:ss-a5', attributes: { silentSeconds: 300 } },
      ],
    },
    {
      name: 'any event of the source re-arms it, not only heartbeats; the last one counts',
      parameters,
      events: [
        signIn({ id: 'ss-b0', at: 0, user: 'bob', outcome: 'failure' }),
        signIn({ id: 'ss-b4', at: 4 * MINUTE, user: 'bob', outcome: 'success' }),
      ],
      then: [{ tickAt: 9 * MINUTE }, { tickAt: 11 * MINUTE }],
      expected: [
        {
          status: 'firing',
          triggerEventId: 'okta:ss-b4',
          idSuffix: deadlineSuffix(FIXTURE_EPOCH_MS + 10 * MINUTE),
          attributes: { expectedIntervalSeconds: 300 },
        },
      ],
    },
  ],
  negative: [
    {
      name: 'a source that keeps talking (sign-ins, no heartbeats) is never silent',
      parameters,
      events: [signIn({ id: 'ss-c0', at: 0, user: 'carol', outcome: 'success' })],
      then: [
        { tickAt: 4 * MINUTE },
        { events: [signIn({ id: 'ss-c4', at: 4 * MINUTE, user: 'carol', outcome: 'success' })] },
        { tickAt: 9 * MINUTE },
        { events: [signIn({ id: 'ss-c8', at: 8 * MINUTE, user: 'carol', outcome: 'success' })] },
        { tickAt: 13 * MINUTE },
      ],
      expected: [],
    },
    {
      name: 'an unregistered source is not watched',
      parameters,
      events: [heartbeat({ id: 'ss-d0', at: 0, source: 'github' })],
      then: [{ tickAt: 60 * MINUTE }],
      expected: [],
    },
  ],
};
