import { deadlineSuffix } from '../detection-builder';
import { DAY, FIXTURE_EPOCH_MS, backupJob, restoreTest } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const tested = (id: string, at: number, resource = 'db-prod') =>
  restoreTest({ id, at, resource, outcome: 'success' });

/** Defaults: 90 days. */
export const restoreTestOverdueFixtures: RuleFixtures = {
  positive: [
    {
      name: '90 days without a restore test fires; the next successful test resolves it',
      events: [tested('rt-a0', 0)],
      then: [{ tickAt: 89 * DAY }, { tickAt: 91 * DAY }, { events: [tested('rt-a92', 92 * DAY)] }],
      expected: [
        {
          status: 'firing',
          triggerEventId: 'restore-tests:rt-a0',
          idSuffix: deadlineSuffix(FIXTURE_EPOCH_MS + 90 * DAY),
          attributes: { maxAgeDays: 90 },
        },
        { status: 'resolved', triggerEventId: 'restore-tests:rt-a92' },
      ],
    },
    {
      name: 'a resource backed up but never restore-tested fires 90 days after its first backup',
      events: [backupJob({ id: 'rt-b0', at: 0, resource: 'files', outcome: 'success' })],
      then: [
        { events: [backupJob({ id: 'rt-b1', at: DAY, resource: 'files', outcome: 'success' })] },
        { tickAt: 91 * DAY },
      ],
      expected: [
        {
          status: 'firing',
          triggerEventId: 'aws-backup:rt-b0',
          idSuffix: deadlineSuffix(FIXTURE_EPOCH_MS + 90 * DAY),
        },
      ],
    },
  ],
  negative: [
    {
      name: 'restore tests every 60 days, and a failed one that does not count as one',
      events: [
        tested('rt-c0', 0),
        backupJob({ id: 'rt-c1', at: DAY, resource: 'db-prod', outcome: 'success' }),
      ],
      then: [
        { events: [tested('rt-c60', 60 * DAY)] },
        { events: [restoreTest({ id: 'rt-c100', at: 100 * DAY, resource: 'db-prod', outcome: 'failure' })] },
        { tickAt: 120 * DAY },
      ],
      expected: [],
    },
  ],
};
