import { entityKey } from '@vigil/schema';
import { z } from 'zod';
import { deadlineDetection, deadlineResolvedDetection } from '../deadline-detections';
import { entityFromKey, isoTime } from '../detection-builder';
import { Duration, formatDuration } from '../duration';
import { DAY } from '../fixture-events';
import { NO_DETECTIONS, defineRule } from '../rule';
import { isSuccessfulBackup } from './backup-signals';
import { restoreTestOverdueFixtures } from './restore-test-overdue.fixtures';

export const RestoreTestOverdueParameters = z.strictObject({
  /** The longest a resource may go without a successful restore test. */
  maxAge: Duration.default(90 * DAY),
  /**
   * Also watch resources that are backed up but were never restore-tested: their first successful
   * backup starts the clock.
   */
  watchBackups: z.boolean().default(true),
});
export type RestoreTestOverdueParameters = z.infer<typeof RestoreTestOverdueParameters>;

export const restoreTestOverdueRule = defineRule<RestoreTestOverdueParameters>({
  id: 'availability.restore-test-overdue',
  version: 1,
  title: 'Restore test overdue',
  description:
    'Each successful restore test of a resource arms a deadline `maxAge` later; when it passes with no ' +
    'newer successful restore test, it fires from the timer. With `watchBackups`, the first successful ' +
    'backup of a resource never restore-tested arms it too. The next successful restore test resolves it.',
  criteria: ['A1.3'],
  category: 'availability',
  severity: 'SEV3',
  parameters: RestoreTestOverdueParameters,
  fixtures: restoreTestOverdueFixtures,
  kinds: ['restore_test', 'backup'],
  ownerKey: (event) => event.entity.id,
  match: (event, params) =>
    (event.kind === 'restore_test' && event.outcome === 'success') ||
    (params.watchBackups && isSuccessfulBackup(event)),
  dedupKey: (event) => `availability.restore-test-overdue:${entityKey(event.entity)}`,

  async evaluate(event, ctx) {
    const restoreTest = event.kind === 'restore_test';
    const result = await ctx.deadline({
      op: restoreTest ? 'arm' : 'arm-if-absent',
      dueAtMs: ctx.eventTimeMs + ctx.params.maxAge,
    });
    if (result.kind !== 'resolved') return NO_DETECTIONS;
    const { resolution } = result;
    return {
      detections: [
        deadlineResolvedDetection(ctx.rule, event, resolution, {
          title: `Restore test done: ${event.entity.id}`,
          summary: `${event.entity.id} passed a restore test at ${event.time}, ${formatDuration(Math.max(1, resolution.triggerTimeMs - resolution.dueMs))} after it was due.`,
          attributes: { restoreTestAt: event.time, dueAt: isoTime(resolution.dueMs) },
        }),
      ],
    };
  },

  onDeadline(firing, rule) {
    const entity = entityFromKey(firing.scope);
    return deadlineDetection(
      rule,
      firing,
      { entity, source: 'restore-test' },
      {
        title: `Restore test overdue: ${entity.id}`,
        summary:
          `No successful restore test of ${entity.id} since ${isoTime(firing.armedAtMs)} ` +
          `(due by ${isoTime(firing.dueMs)}, every ${formatDuration(firing.dueMs - firing.armedAtMs)}).`,
        attributes: {
          watchedSince: isoTime(firing.armedAtMs),
          dueAt: isoTime(firing.dueMs),
          maxAgeDays: (firing.dueMs - firing.armedAtMs) / 86_400_000,
        },
      },
    );
  },
});
