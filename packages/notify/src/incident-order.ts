import type { NotificationRecord } from '@vigil/incidents';
import type { NotificationKind } from '@vigil/schema';
import type { Redis } from 'ioredis';
import { execOrThrow } from '@vigil/runtime';

/** BullMQ job states, plus `missing` when no job with that id exists. */
export type JobStateName =
  | 'completed'
  | 'failed'
  | 'active'
  | 'delayed'
  | 'waiting'
  | 'waiting-children'
  | 'prioritized'
  | 'unknown'
  | 'missing';

export interface OrderProbe {
  jobState(notificationId: string): Promise<JobStateName>;
  /** True while the store still counts the notification as undelivered (neither sent nor dead). */
  stillPending(notificationId: string): Promise<boolean>;
}

const KIND_RANK: Readonly<Record<NotificationKind, number>> = { opened: 0, updated: 1, resolved: 2 };
const SETTLED_STATES = new Set<JobStateName>(['completed']);
const UNCERTAIN_STATES = new Set<JobStateName>(['failed', 'missing', 'unknown']);

/**
 * Delivery order per incident: each incident has a sorted set of its undelivered notifications,
 * oldest first, and only the head may be delivered. Retries with backoff would otherwise let a
 * resolution overtake the update before it, and the thread would read out of order.
 *
 * The set is only an index: when its head looks finished or lost, the store decides (a pending
 * notification whose job is gone is waiting for the outbox sweeper, so the followers wait too).
 */
export class IncidentOrder {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ttlSeconds = 7 * 24 * 3600,
  ) {}

  async add(
    records: ReadonlyArray<Pick<NotificationRecord, 'id' | 'incidentId' | 'kind' | 'createdAt'>>,
  ): Promise<void> {
    if (records.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const record of records) {
      const key = this.key(record.incidentId);
      pipeline.zadd(key, 'NX', orderScore(record), record.id);
      pipeline.expire(key, this.ttlSeconds);
    }
    await execOrThrow(pipeline);
  }

  /** The notification that must go first, or undefined when `notificationId` may proceed. */
  async blockedBy(
    incidentId: string,
    notificationId: string,
    probe: OrderProbe,
  ): Promise<string | undefined> {
    const key = this.key(incidentId);
    let head: string | undefined;
    // Bounded: each pass clears one settled head; a longer tail is cleared by the next call.
    for (let pass = 0; pass < 20; pass += 1) {
      [head] = await this.redis.zrange(key, 0, 0);
      if (head === undefined || head === notificationId) return undefined;
      const state = await probe.jobState(head);
      const settled =
        SETTLED_STATES.has(state) || (UNCERTAIN_STATES.has(state) && !(await probe.stillPending(head)));
      if (!settled) return head;
      await this.redis.zrem(key, head);
    }
    return head;
  }

  /** Takes a finished notification out; returns the next one in line, if any. */
  async settle(incidentId: string, notificationId: string): Promise<string | undefined> {
    const key = this.key(incidentId);
    const [, next] = await execOrThrow(this.redis.multi().zrem(key, notificationId).zrange(key, 0, 0));
    return Array.isArray(next) && typeof next[0] === 'string' ? next[0] : undefined;
  }

  private key(incidentId: string): string {
    return `${this.keyPrefix}:incident-order:${incidentId}`;
  }
}

/** Creation time, then kind, so an `opened` made in the same millisecond as its update still leads. */
function orderScore(record: Pick<NotificationRecord, 'kind' | 'createdAt'>): number {
  return Date.parse(record.createdAt) * 4 + KIND_RANK[record.kind];
}
