import { entityKey } from '@vigil/schema';
import { z } from 'zod';
import { deadlineDetection, deadlineResolvedDetection } from '../deadline-detections';
import { entityFromKey, isoTime } from '../detection-builder';
import { Duration, formatDuration } from '../duration';
import { HOUR } from '../fixture-events';
import { NO_DETECTIONS, defineRule } from '../rule';
import { backupMissedFixtures } from './backup-missed.fixtures';
import { isSuccessfulBackup } from './backup-signals';

export const BackupMissedParameters = z.strictObject({
  /** How often a resource is backed up. */
  schedule: Duration.default(24 * HOUR),
  /** Per resource (entity id), where it differs from `schedule`. */
  schedules: z.record(z.string(), Duration).default({}),
  /** How late a backup may finish before it counts as missed. */
  grace: Duration.default(6 * HOUR),
});
export type BackupMissedParameters = z.infer<typeof BackupMissedParameters>;

const allowanceMs = (params: BackupMissedParameters, resource: string) =>
  (params.schedules[resource] ?? params.schedule) + params.grace;

export const backupMissedRule = defineRule<BackupMissedParameters>({
  id: 'availability.backup-missed',
  version: 1,
  title: 'Backup missed',
  description:
    'Each successful backup of a resource arms a deadline at its time + schedule + grace; when the ' +
    'deadline passes with no newer successful backup, it fires (from the timer, without waiting for ' +
    'an event). The next successful backup resolves it. Resources are watched from their first ' +
    'successful backup on.',
  criteria: ['A1.2'],
  category: 'availability',
  severity: 'SEV3',
  parameters: BackupMissedParameters,
  fixtures: backupMissedFixtures,
  kinds: ['backup'],
  ownerKey: (event) => event.entity.id,
  match: (event) => isSuccessfulBackup(event),
  dedupKey: (event) => `availability.backup-missed:${entityKey(event.entity)}`,

  async evaluate(event, ctx) {
    const result = await ctx.deadline({
      op: 'arm',
      dueAtMs: ctx.eventTimeMs + allowanceMs(ctx.params, event.entity.id),
    });
    if (result.kind !== 'resolved') return NO_DETECTIONS;
    const { resolution } = result;
    const lateMs = resolution.triggerTimeMs - resolution.dueMs;
    return {
      detections: [
        deadlineResolvedDetection(ctx.rule, event, resolution, {
          title: `Backups of ${event.entity.id} resumed`,
          summary:
            `A backup of ${event.entity.id} succeeded at ${event.time}` +
            `${lateMs > 0 ? `, ${formatDuration(lateMs)} after it was due` : ''}.`,
          attributes: { lastSuccessAt: isoTime(resolution.armedAtMs), resumedAt: event.time },
        }),
      ],
    };
  },

  onDeadline(firing, rule) {
    const entity = entityFromKey(firing.scope);
    const everyMs = firing.dueMs - firing.armedAtMs;
    return deadlineDetection(
      rule,
      firing,
      { entity, source: 'backup' },
      {
        title: `Backup missed: ${entity.id}`,
        summary:
          `No successful backup of ${entity.id} since ${isoTime(firing.armedAtMs)}; ` +
          `one was due by ${isoTime(firing.dueMs)} (schedule + grace ${formatDuration(everyMs)}).`,
        attributes: {
          lastSuccessAt: isoTime(firing.armedAtMs),
          dueAt: isoTime(firing.dueMs),
          allowanceSeconds: everyMs / 1000,
        },
      },
    );
  },
});
