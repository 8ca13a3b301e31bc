import { accountChange, backupJob, HOUR } from '../fixture-events';
import type { RuleFixtures } from '../rule';

export const backupFailedFixtures: RuleFixtures = {
  positive: [
    {
      name: 'a failed job, an aborted job and a deleted recovery point each fire',
      events: [
        backupJob({ id: 'bf-a1', at: 0, resource: 'db-prod', outcome: 'failure' }),
        backupJob({ id: 'bf-a2', at: HOUR, resource: 'files-prod', outcome: 'failure', state: 'aborted' }),
        accountChange({
          id: 'bf-a3',
          at: 2 * HOUR,
          change: 'backup-deleted',
          entity: { type: 'resource', id: 'db-prod' },
          source: 'cloudtrail',
          kind: 'api_activity',
          actor: 'mallory',
        }),
      ],
      expected: [
        {
          status: 'firing',
          triggerEventId: 'aws-backup:bf-a1',
          attributes: { reason: 'failed', jobId: 'bf-a1' },
        },
        { status: 'firing', triggerEventId: 'aws-backup:bf-a2', attributes: { reason: 'aborted' } },
        {
          status: 'firing',
          triggerEventId: 'cloudtrail:bf-a3',
          attributes: { reason: 'deleted', actor: 'mallory' },
        },
      ],
    },
  ],
  negative: [
    {
      name: 'completed and expired backups, and a denied deletion',
      events: [
        backupJob({ id: 'bf-b1', at: 0, resource: 'db-prod', outcome: 'success' }),
        backupJob({ id: 'bf-b2', at: HOUR, resource: 'db-prod', outcome: 'unknown', state: 'expired' }),
        accountChange({
          id: 'bf-b3',
          at: 2 * HOUR,
          change: 'backup-deleted',
          entity: { type: 'resource', id: 'db-prod' },
          source: 'cloudtrail',
          kind: 'api_activity',
          outcome: 'failure',
        }),
      ],
      expected: [],
    },
  ],
};
