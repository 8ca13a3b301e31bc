import { randomUUID } from 'node:crypto';
import type {
  DeliveredMessage,
  IncidentView,
  LoadedNotification,
  NotificationRecord,
  NotificationStore,
} from '@vigil/incidents';
import type { NotificationFacts, NotificationKind } from '@vigil/schema';

interface StoredNotification extends NotificationRecord {
  failures: string[];
}

/**
 * The NotificationStore contract in memory, for the notifier's tests: the same rules as the
 * PostgreSQL store (the first top-level post becomes `incident.slack`, delivery is idempotent).
 */
export class MemoryNotificationStore implements NotificationStore {
  readonly incidents = new Map<string, IncidentView>();
  readonly notifications = new Map<string, StoredNotification>();
  /** Every recordDelivery call that changed something, in order. */
  readonly deliveries: Array<{ notificationId: string; messages: DeliveredMessage[] }> = [];
  private failDeliveryRecords = 0;
  private failFailureRecords = 0;

  putIncident(incident: IncidentView): IncidentView {
    this.incidents.set(incident.id, structuredClone(incident));
    return incident;
  }

  updateIncident(id: string, patch: Partial<IncidentView>): void {
    const current = this.incidents.get(id);
    if (!current) throw new Error(`no incident ${id}`);
    this.incidents.set(id, { ...current, ...patch, slack: current.slack });
  }

  addNotification(
    incidentId: string,
    kind: NotificationKind,
    createdAt = new Date(),
    facts?: NotificationFacts,
  ): NotificationRecord {
    const record: StoredNotification = {
      id: randomUUID(),
      incidentId,
      kind,
      status: 'pending',
      attempts: 0,
      createdAt: createdAt.toISOString(),
      failures: [],
      ...(facts ? { facts } : {}),
    };
    this.notifications.set(record.id, record);
    return this.publicRecord(record);
  }

  notification(id: string): StoredNotification {
    const record = this.notifications.get(id);
    if (!record) throw new Error(`no notification ${id}`);
    return record;
  }

  /** The next `n` recordDelivery calls fail, as a database outage would. */
  failNextDeliveryRecords(n: number): void {
    this.failDeliveryRecords = n;
  }

  /** The next `n` recordFailure calls fail, as a database outage would. */
  failNextFailureRecords(n: number): void {
    this.failFailureRecords = n;
  }

  async loadForDelivery(notificationId: string): Promise<LoadedNotification | null> {
    const record = this.notifications.get(notificationId);
    const incident = record && this.incidents.get(record.incidentId);
    if (!record || !incident) return null;
    // Insertion order is creation order, as the register's `position` is.
    const all = [...this.notifications.values()];
    const earlierPending = all
      .slice(0, all.indexOf(record))
      .filter((other) => other.incidentId === record.incidentId && other.status === 'pending').length;
    return { notification: this.publicRecord(record), incident: structuredClone(incident), earlierPending };
  }

  async recordDelivery(notificationId: string, messages: DeliveredMessage[]): Promise<void> {
    if (this.failDeliveryRecords > 0) {
      this.failDeliveryRecords -= 1;
      throw new Error('database unavailable');
    }
    const record = this.notification(notificationId);
    if (record.status === 'sent') return;
    record.status = 'sent';
    const incident = this.incidents.get(record.incidentId);
    const first = messages.find((message) => message.method === 'chat.postMessage' && !message.threadTs);
    if (incident && !incident.slack && first) incident.slack = { channel: first.channel, ts: first.ts };
    this.deliveries.push({ notificationId, messages: structuredClone(messages) });
  }

  async recordSlackAttempt(notificationId: string, step: string, oldestTs: string): Promise<void> {
    const record = this.notification(notificationId);
    record.slackAttempts = { [step]: oldestTs, ...record.slackAttempts };
  }

  async clearSlackAttempt(notificationId: string, step: string): Promise<void> {
    const record = this.notification(notificationId);
    const { [step]: _cleared, ...rest } = record.slackAttempts ?? {};
    if (Object.keys(rest).length > 0) record.slackAttempts = rest;
    else delete record.slackAttempts;
  }

  async recordFailure(notificationId: string, reason: string, final: boolean): Promise<void> {
    if (this.failFailureRecords > 0) {
      this.failFailureRecords -= 1;
      throw new Error('database unavailable');
    }
    const record = this.notification(notificationId);
    if (record.status !== 'pending') return;
    record.attempts += 1;
    record.failures.push(reason);
    if (final) record.status = 'dead';
  }

  async listUndelivered(olderThanMs: number, limit: number): Promise<NotificationRecord[]> {
    const cutoff = Date.now() - olderThanMs;
    return [...this.notifications.values()]
      .filter((record) => record.status === 'pending' && Date.parse(record.createdAt) <= cutoff)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .slice(0, limit)
      .map((record) => this.publicRecord(record));
  }

  private publicRecord(record: StoredNotification): NotificationRecord {
    const { failures: _failures, ...rest } = record;
    return { ...rest, ...(rest.slackAttempts ? { slackAttempts: { ...rest.slackAttempts } } : {}) };
  }
}
