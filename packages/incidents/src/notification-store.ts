import type { Category, Entity, NotificationFacts, NotificationKind, Severity } from '@vigil/schema';

export const INCIDENT_STATUSES = [
  'open',
  'acknowledged',
  'contained',
  'resolved',
  'closed',
  'dismissed',
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** What a notifier needs to know about an incident to write its Slack message. */
export interface IncidentView {
  id: string;
  /** Gap-free register number, shown to people as `INC-<seq>`. */
  seq: number;
  ruleId: string;
  ruleVersion: number;
  title: string;
  summary: string;
  criteria: string[];
  category: Category;
  severity: Severity;
  status: IncidentStatus;
  dedupKey: string;
  entity: Entity;
  ownerKey: string;
  detectionCount: number;
  firstEventAt: string;
  detectedAt: string;
  /** When the incident last took in a detection (processing time). */
  lastSeenAt: string;
  resolvedAt: string | null;
  /** Measured downtime for availability incidents, once resolved. */
  downtimeSeconds: number | null;
  /** The incident's Slack message, once the first post has been made. */
  slack: { channel: string; ts: string } | null;
  /** Events behind it and the newest one's event time (absent where a view does not know them). */
  eventCount?: number;
  lastEventAt?: string | null;
  sourceIps?: string[];
}

export interface NotificationRecord {
  id: string;
  incidentId: string;
  kind: NotificationKind;
  status: 'pending' | 'sent' | 'dead';
  attempts: number;
  createdAt: string;
  /** W3C trace context of the change that caused it, for the job's `trace`; absent when none was given. */
  trace?: Record<string, string>;
  /** Who did what, when: the thread reply is written from these. Absent on notifications from before facts. */
  facts?: NotificationFacts;
  /**
   * Slack steps (`post`, `reply`) an earlier attempt called Slack for without the answer being recorded, each
   * with the Slack ts before which that call cannot have posted. Absent when there is none.
   */
  slackAttempts?: Record<string, string>;
}

export interface DeliveredMessage {
  /** `chat.postMessage`, `chat.update`, or `log` when Slack is not configured. */
  method: 'chat.postMessage' | 'chat.update' | 'log';
  channel: string;
  ts: string;
  threadTs?: string;
  text: string;
}

export interface LoadedNotification {
  notification: NotificationRecord;
  /** The incident as it is now (at least as new as the change that caused the notification). */
  incident: IncidentView;
  /**
   * The incident's notifications made before this one that are still pending (neither sent nor dead): they go
   * first. Kept in the register, so the order holds when the notifier's Redis has lost its own index.
   */
  earlierPending: number;
}

/**
 * The notification outbox as the notifier sees it. Notifications are written in the same
 * transaction as the incident change that caused them, so none is lost if the process dies
 * before the BullMQ job exists; the sweeper re-enqueues what is still pending.
 */
export interface NotificationStore {
  loadForDelivery(notificationId: string): Promise<LoadedNotification | null>;
  /**
   * Marks the notification sent and records every Slack message in the incident's communications and
   * timeline. The first `chat.postMessage` of an incident becomes `incident.slack`. Idempotent.
   */
  recordDelivery(notificationId: string, messages: DeliveredMessage[]): Promise<void>;
  /**
   * Notes, before a post or reply goes to Slack, the ts before which it cannot have gone out. The first
   * attempt's note is kept; it survives a Redis loss, so a later attempt looks in Slack before posting again.
   */
  recordSlackAttempt(notificationId: string, step: string, oldestTs: string): Promise<void>;
  /** Forgets the note: Slack answered that call with an error, nothing was posted. */
  clearSlackAttempt(notificationId: string, step: string): Promise<void>;
  /** Counts a failed attempt; `final` moves it to the dead state with the reason. */
  recordFailure(notificationId: string, reason: string, final: boolean): Promise<void>;
  /** Pending notifications created more than `olderThanMs` ago, oldest first. */
  listUndelivered(olderThanMs: number, limit: number): Promise<NotificationRecord[]>;
}
