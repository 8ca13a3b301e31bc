import type { IncomingBatch, IncomingMessage, OutgoingMessage } from './bus';

export interface Attempt {
  at: number;
  ok: boolean;
  batch: IncomingBatch;
}

/** Records every delivery a handler saw, and whether the handler resolved. */
export class Inbox {
  readonly attempts: Attempt[] = [];
  inFlight = 0;
  maxInFlight = 0;

  /** `decide` may throw (the delivery then fails) or wait. */
  handler(decide: (batch: IncomingBatch) => void | Promise<void> = () => undefined) {
    return async (batch: IncomingBatch): Promise<void> => {
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      const attempt: Attempt = { at: Date.now(), ok: false, batch };
      try {
        await decide(batch);
        attempt.ok = true;
      } finally {
        this.inFlight -= 1;
        this.attempts.push(attempt);
      }
    };
  }

  handled(): IncomingMessage[] {
    return this.attempts.filter((attempt) => attempt.ok).flatMap((attempt) => attempt.batch.messages);
  }

  values(): string[] {
    return this.handled().map((message) => message.value.toString('utf8'));
  }

  failures(): Attempt[] {
    return this.attempts.filter((attempt) => !attempt.ok);
  }
}

export function records(key: string, values: string[]): OutgoingMessage[] {
  return values.map((value) => ({ key, value }));
}

export function range(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}
