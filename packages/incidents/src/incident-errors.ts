import type { IncidentAction } from './incident-lifecycle';
import type { IncidentStatus } from './notification-store';

/** No incident has the id asked for (or the id is not one the register could have issued). */
export class IncidentNotFoundError extends Error {
  override readonly name = 'IncidentNotFoundError';
  constructor(readonly incidentId: string) {
    super(`no incident with id ${incidentId}`);
  }
}

/** The action is not allowed in the incident's current state; the message says which state and what is. */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  constructor(
    readonly incidentId: string,
    readonly status: IncidentStatus,
    readonly action: IncidentAction,
    message: string,
  ) {
    super(message);
  }
}

/** An idempotency key came back with a different request than the one it was first used for. */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';
  constructor() {
    super('this idempotency key was already used for a different request; use a new key for a new request');
  }
}
