import { deadlineSuffix } from '../detection-builder';
import { FIXTURE_EPOCH_MS, HOUR, MINUTE, backupJob } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const ok = (id: string, at: number, resource = 'db-prod') =>
  backupJob({ id, at, resource, outcome: 'success' });
const failed = (id: string, at: number, resource = 'db-prod') =>
  backupJob({ id, at, resource, outcome: 'failure' });

/** Defaults: daily, 6 hours' grace: due 30 hours after the last success. */
export const backupMissedFixtures: RuleFixtures = {
  positive: [
    {
      name: 'no backup for 30 hours fires from the timer; the next success resolves it',
      events: [ok('bm-a0', 0)],
      then: [{ tickAt: 29 * HOUR }, { tickAt: 30 * HOUR + MINUTE }, { events: [ok('bm-a31', 31 * HOUR)] }],
      expected: [
        {
          status: 'firing',
          triggerEventId: 'aws-backup:bm-a0',
          idSuffix: deadlineSuffix(FIXTURE_EPOCH_MS + 30 * HOUR),
          attributes: { allowanceSeconds: 30 * 3600 },
        },
        { status: 'resolved', triggerEventId: 'aws-backup:bm-a31' },
      ],
    },
    {
      name: 'failed backups do not re-arm the deadline',
      events: [ok('bm-b0', 0, 'files'), failed('bm-b24', 24 * HOUR, 'files')],
      then: [{ tickAt: 31 * HOUR }],
      expected: [
        {
          status: 'firing',
          triggerEventId: 'aws-backup:bm-b0',
          idSuffix: deadlineSuffix(FIXTURE_EPOCH_MS + 30 * HOUR),
        },
      ],
    },
  ],
  negative: [
    {
      name: 'daily backups, even a few hours late, never miss',
      events: [ok('bm-c0', 0)],
      then: [
        { tickAt: 25 * HOUR },
        { events: [ok('bm-c27', 27 * HOUR)] },
        { tickAt: 50 * HOUR },
        { events: [ok('bm-c52', 52 * HOUR)] },
        { tickAt: 80 * HOUR },
      ],
      expected: [],
    },
    {
      name: 'backups arriving out of order leave the deadline at the newest',
      events: [ok('bm-d24', 24 * HOUR, 'cache'), ok('bm-d0', 0, 'cache')],
      then: [{ tickAt: 50 * HOUR }],
      expected: [],
    },
  ],
};
