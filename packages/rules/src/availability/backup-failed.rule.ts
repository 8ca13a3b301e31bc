import { BACKUP_STATE, JOB_ID, entityKey, type VigilEvent } from '@vigil/schema';
import { z } from 'zod';
import { actorText, changeOf, singleEventDetection, stringAttribute } from '../detection-builder';
import { defineRule } from '../rule';
import { backupFailedFixtures } from './backup-failed.fixtures';
import { FAILED_BACKUP_STATES } from './backup-signals';

export const BackupFailedParameters = z.strictObject({});
export type BackupFailedParameters = z.infer<typeof BackupFailedParameters>;

function failure(event: VigilEvent): 'failed' | 'aborted' | 'deleted' | undefined {
  if (event.kind === 'backup') {
    const state = stringAttribute(event, BACKUP_STATE);
    if (state !== undefined && FAILED_BACKUP_STATES.has(state))
      return state as 'failed' | 'aborted' | 'deleted';
    return event.outcome === 'failure' ? 'failed' : undefined;
  }
  return changeOf(event) === 'backup-deleted' && event.outcome !== 'failure' ? 'deleted' : undefined;
}

export const backupFailedRule = defineRule<BackupFailedParameters>({
  id: 'availability.backup-failed',
  version: 1,
  title: 'Backup failed or deleted',
  description:
    'Fires on every backup job that failed or was aborted, every backup reported deleted ' +
    '(`vigil.backup_state`), and every successful change that deleted a backup, recovery point or ' +
    'snapshot (`backup-deleted`). Expired backups (retention) do not fire.',
  criteria: ['A1.2'],
  category: 'availability',
  severity: 'SEV3',
  parameters: BackupFailedParameters,
  fixtures: backupFailedFixtures,
  kinds: ['backup', 'account_change', 'api_activity'],
  ownerKey: (event) => event.entity.id,
  match: (event) => failure(event) !== undefined,
  dedupKey: (event) => `availability.backup-failed:${entityKey(event.entity)}`,

  evaluate(event, ctx) {
    const what = failure(event) ?? 'failed';
    const job = stringAttribute(event, JOB_ID);
    const summary =
      event.kind === 'backup'
        ? `Backup of ${event.entity.id} ${what}${job ? ` (job ${job})` : ''} at ${event.time} (${event.source}).`
        : `A backup of ${event.entity.id} was deleted by ${actorText(event)} (${event.source} ${event.action}).`;
    return Promise.resolve({
      detections: [
        singleEventDetection(ctx.rule, event, ctx.position, {
          title: `Backup ${what}: ${event.entity.id}`,
          summary,
          attributes: {
            reason: what,
            jobId: job ?? null,
            source: event.source,
            actor: event.actor.user ?? null,
          },
        }),
      ],
    });
  },
});
