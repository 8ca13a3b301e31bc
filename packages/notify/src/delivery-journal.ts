import type { DeliveredMessage } from '@vigil/incidents';
import type { Redis } from 'ioredis';
import type { StepName } from './delivery-plan';
import { execOrThrow } from '@vigil/runtime';

const STEP_NAMES: ReadonlySet<string> = new Set<StepName>(['post', 'update', 'reply', 'log']);

/**
 * What Slack already has, kept in Redis between a notification's attempts:
 * - per notification, each step done with the message Slack answered, so a retry after the post
 *   went out (but recording it in the database failed, or a later step failed) does not post twice
 *   (the note that an attempt called Slack at all is in the register: `NotificationRecord.slackAttempts`);
 * - per incident, the detection count its last message showed, so a follow-up can say "12 more".
 */
export class DeliveryJournal {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly stepTtlSeconds = 24 * 3600,
    private readonly countTtlSeconds = 30 * 24 * 3600,
  ) {}

  async stepsDone(notificationId: string): Promise<Map<StepName, DeliveredMessage>> {
    const raw = await this.redis.hgetall(this.stepsKey(notificationId));
    const done = new Map<StepName, DeliveredMessage>();
    for (const [step, json] of Object.entries(raw)) {
      if (STEP_NAMES.has(step)) done.set(step as StepName, JSON.parse(json) as DeliveredMessage);
    }
    return done;
  }

  async recordStep(notificationId: string, step: StepName, message: DeliveredMessage): Promise<void> {
    const key = this.stepsKey(notificationId);
    await execOrThrow(
      this.redis.multi().hset(key, step, JSON.stringify(message)).expire(key, this.stepTtlSeconds),
    );
  }

  async announcedCount(incidentId: string): Promise<number | undefined> {
    const value = await this.redis.get(this.countKey(incidentId));
    return value === null ? undefined : Number(value);
  }

  async recordAnnouncedCount(incidentId: string, count: number): Promise<void> {
    await this.redis.set(this.countKey(incidentId), String(count), 'EX', this.countTtlSeconds);
  }

  private stepsKey(notificationId: string): string {
    return `${this.keyPrefix}:journal:${notificationId}`;
  }

  private countKey(incidentId: string): string {
    return `${this.keyPrefix}:announced-count:${incidentId}`;
  }
}
