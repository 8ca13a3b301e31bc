import { MINUTE, SECOND, signIn } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const failure = (id: string, user: string, at: number) => signIn({ id, user, at, outcome: 'failure' });
const success = (id: string, user: string, at: number) => signIn({ id, user, at, outcome: 'success' });

/** Defaults: 5 failures within 10 minutes. */
export const bruteForceFixtures: RuleFixtures = {
  positive: [
    {
      name: 'the fifth failure within ten minutes fires, once for the burst',
      events: [0, 1, 2, 3, 4, 5, 6].map((minute) =>
        failure(`bf-a${minute}`, 'alice@example.com', minute * MINUTE),
      ),
      expected: [
        {
          status: 'firing',
          triggerEventId: 'okta:bf-a4',
          attributes: { failedSignIns: 5, threshold: 5, windowSeconds: 600 },
        },
        // The burst's later failures (one batch) add to the incident: 7 in all.
        { status: 'firing', triggerEventId: 'okta:bf-a6', idSuffix: 'burst', burstEvents: 7 },
      ],
    },
    {
      name: 'a failure exactly one window before the fifth still counts',
      events: [0, 150, 300, 450, 600].map((s) => failure(`bf-b${s}`, 'bob@example.com', s * SECOND)),
      expected: [{ status: 'firing', triggerEventId: 'okta:bf-b600' }],
    },
    {
      name: 'a failure arriving out of order completes the burst and is the trigger',
      events: [0, 1, 2, 4, 3].map((minute) => failure(`bf-c${minute}`, 'carol@example.com', minute * MINUTE)),
      expected: [{ status: 'firing', triggerEventId: 'okta:bf-c3' }],
    },
    {
      name: 'a second burst after a quiet window fires again',
      events: [
        ...[0, 1, 2, 3, 4].map((minute) => failure(`bf-d${minute}`, 'dave@example.com', minute * MINUTE)),
        ...[30, 31, 32, 33, 34].map((minute) =>
          failure(`bf-d${minute}`, 'dave@example.com', minute * MINUTE),
        ),
      ],
      expected: [
        { status: 'firing', triggerEventId: 'okta:bf-d4' },
        { status: 'firing', triggerEventId: 'okta:bf-d34' },
      ],
    },
  ],
  negative: [
    {
      name: 'four failures stay below the threshold',
      events: [0, 1, 2, 3].map((minute) => failure(`bf-e${minute}`, 'erin@example.com', minute * MINUTE)),
      expected: [],
    },
    {
      name: 'five failures spread over more than ten minutes',
      events: [0, 156, 312, 468, 624].map((s) => failure(`bf-f${s}`, 'frank@example.com', s * SECOND)),
      expected: [],
    },
    {
      name: 'successful sign-ins do not count',
      events: [
        ...[0, 1, 2, 3].map((minute) => failure(`bf-g${minute}`, 'grace@example.com', minute * MINUTE)),
        ...[4, 5, 6].map((minute) => success(`bf-g${minute}`, 'grace@example.com', minute * MINUTE)),
      ],
      expected: [],
    },
    {
      name: 'one failure delivered five times counts once',
      events: Array.from({ length: 5 }, () => failure('bf-h0', 'heidi@example.com', 0)),
      expected: [],
    },
    {
      name: 'failures for different users do not add up',
      events: ['ivan', 'judy', 'mallory', 'niaj', 'olivia'].map((user, i) =>
        failure(`bf-i${i}`, `${user}@example.com`, i * MINUTE),
      ),
      expected: [],
    },
  ],
};
