import { z } from 'zod';
import { Timestamp } from './event';

export const NotificationKind = z.enum(['opened', 'updated', 'resolved']);
export type NotificationKind = z.infer<typeof NotificationKind>;

/** What happened to the incident, as the register wrote it when the notification was made. */
export const NotificationChange = z.enum([
  'opened',
  'detections',
  'reopened',
  'acknowledged',
  'contained',
  'resolved',
  'closed',
  'dismissed',
  'commented',
]);
export type NotificationChange = z.infer<typeof NotificationChange>;

/**
 * The facts of the change a notification announces, fixed when the change is committed: who, what, when and
 * what they gave as the reason. Slack's thread reply is written from these, never from the incident as it is
 * when the notification is finally delivered (a late acknowledgement is still an acknowledgement).
 */
export const NotificationFacts = z.object({
  change: NotificationChange,
  /** `slack:U…`, `api:<token name>`, `vigil:<rule id>` for the register acting on a detection. */
  actor: z.string().min(1),
  at: Timestamp,
  /** The incident's status right after the change. */
  status: z.enum(['open', 'acknowledged', 'contained', 'resolved', 'closed', 'dismissed']),
  /** Detections counted on the incident right after the change, and the latest of them. */
  detectionCount: z.number().int().nonnegative(),
  lastSeenAt: Timestamp,
  /** A comment, or the note given with an action. */
  text: z.string().optional(),
  /** A dismissal's reason. */
  reason: z.string().optional(),
  rootCause: z.string().optional(),
  remediation: z.string().optional(),
  postmortemUrl: z.string().optional(),
  /** Events behind the incident right after the change, and the newest one's event time. */
  eventCount: z.number().int().nonnegative().optional(),
  lastEventAt: Timestamp.optional(),
  /** Events this change added (a burst's later events; summed while the update waits to be delivered). */
  eventsAdded: z.number().int().nonnegative().optional(),
  /** Downtime of the outage this resolution ends (not the incident's total across reopenings). */
  downtimeSeconds: z.number().nonnegative().nullable().optional(),
  /**
   * The detection behind the change was made long after its events (a backfill, a replay, a detector
   * catching up): the message says "historical" and pages nobody.
   */
  historical: z.boolean().optional(),
});
export type NotificationFacts = z.infer<typeof NotificationFacts>;

/**
 * BullMQ job data for one Slack notification. The job id equals `notificationId`, so enqueueing the
 * same notification twice yields one job. The message is built at send time: the top message from the
 * incident as it is then, the thread reply from `facts`.
 */
export const NotificationJob = z.object({
  notificationId: z.string().min(1),
  incidentId: z.uuid(),
  kind: NotificationKind,
  /** Absent only on notifications written before facts were recorded. */
  facts: NotificationFacts.optional(),
  /** W3C trace context of the detection that caused it. */
  trace: z.record(z.string(), z.string()).default({}),
});
export type NotificationJob = z.infer<typeof NotificationJob>;
