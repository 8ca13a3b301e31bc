import { z } from 'zod';

export const NotificationKind = z.enum(['opened', 'updated', 'resolved']);
export type NotificationKind = z.infer<typeof NotificationKind>;

/**
 * BullMQ job data for one Slack notification. The job id equals `notificationId`, so enqueueing the
 * same notification twice yields one job. The Slack text is built at send time from the incident row.
 */
export const NotificationJob = z.object({
  notificationId: z.string().min(1),
  incidentId: z.string().uuid(),
  kind: NotificationKind,
  /** W3C trace context of the detection that caused it. */
  trace: z.record(z.string(), z.string()).default({}),
});
export type NotificationJob = z.infer<typeof NotificationJob>;
