import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  ACTION_FIELDS,
  IncidentDetailsPatch,
  type ActionOptions,
  type ChainVerifier,
  type IncidentAction,
  type IncidentCommands,
  type NotificationRecord,
  type TransitionResult,
} from '@vigil/incidents';
import type { Logger } from '@vigil/telemetry';
import { ApiError, invalidRequest } from './api-errors';
import { IncidentParams } from './incident-routes';
import { principalOf, type RouteAccess } from './route-access';

/** What the API needs to hand new notifications to the notifier (`createNotifier` in @vigil/notify). */
export interface NotificationEnqueuer {
  enqueue(records: NotificationRecord[], trace?: Record<string, string>): Promise<void>;
}

/** People and tools acting on incidents from outside Slack. */
export const RESPONDERS: RouteAccess = { roles: ['responder', 'admin'] };
/** Checking the register's integrity is for those who own it and those who audit it. */
export const CHAIN_READERS: RouteAccess = { roles: ['admin', 'auditor'] };

/** The path segment each action is reached by. */
export const ACTION_PATHS: Readonly<Record<string, IncidentAction>> = {
  ack: 'acknowledge',
  contain: 'contain',
  resolve: 'resolve',
  close: 'close',
  dismiss: 'dismiss',
  comment: 'comment',
};

/** Printable ASCII without spaces, like the keys clients generate (UUIDs, ULIDs, hashes). */
const IdempotencyKeyHeader = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 printable ASCII characters without spaces');

export interface ActionRouteDeps {
  store: IncidentCommands & ChainVerifier;
  notifier?: NotificationEnqueuer;
  logger: Logger;
}

export function registerIncidentActionRoutes(app: FastifyInstance, deps: ActionRouteDeps): void {
  const idempotency = {
    'Idempotency-Key': { description: 'Your own key for this action: a retry with the same key returns the first result (header Idempotent-Replayed: true) and changes nothing.' },
  };
  const changed = { 200: { description: '`{ incident, replayed }`: the incident after the action, with its new timeline entry' } };
  for (const [segment, action] of Object.entries(ACTION_PATHS)) {
    const openapi = {
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} the incident`,
      description: 'Recorded in the timeline (hash-chained) with the token holder as actor `api:<token name>`; Slack is told. 409 when the incident is in a status this action does not apply to.',
      tags: ['incidents'],
      params: IncidentParams,
      body: ACTION_FIELDS[action],
      headers: idempotency,
      responses: { ...changed, 409: { description: 'The action does not apply in the incident’s current status' } },
    };
    app.post(`/v1/incidents/:id/${segment}`, { config: { access: RESPONDERS, openapi } }, async (request, reply) => {
      const id = incidentId(request);
      const body = ACTION_FIELDS[action].safeParse(request.body ?? {});
      if (!body.success) throw invalidRequest('body', body.error);
      const result = await deps.store.transition(id, action, { ...body.data, ...actionOptions(request) });
      return respond(reply, result, deps);
    });
  }

  const detailsDoc = {
    summary: 'Set or correct the post-incident record (root cause, remediation, follow-ups, …)',
    tags: ['incidents'],
    params: IncidentParams,
    body: IncidentDetailsPatch,
    headers: idempotency,
    responses: changed,
  };
  app.patch('/v1/incidents/:id', { config: { access: RESPONDERS, openapi: detailsDoc } }, async (request, reply) => {
    const id = incidentId(request);
    const body = IncidentDetailsPatch.safeParse(request.body ?? {});
    if (!body.success) throw invalidRequest('body', body.error);
    const result = await deps.store.updateDetails(id, body.data, actionOptions(request));
    return respond(reply, result, deps);
  });

  const verifyDoc = {
    summary: 'Verify the register: the timeline hash chain and every incident row against the fold of its timeline',
    tags: ['register'],
    responses: { 200: { description: '`{ ok, entries, head, problems }`: problems name each broken link or differing row' } },
  };
  app.get('/v1/chain/verify', { config: { access: CHAIN_READERS, openapi: verifyDoc } }, async () => deps.store.verifyChain());
}

function incidentId(request: FastifyRequest): string {
  const params = IncidentParams.safeParse(request.params);
  if (!params.success) throw invalidRequest('path', params.error);
  return params.data.id;
}

/**
 * The token holder is the actor, as `api:<token name>`. An Idempotency-Key is the caller's own: it is
 * namespaced by the token's name so two clients choosing the same key never see each other's result.
 */
function actionOptions(request: FastifyRequest): ActionOptions {
  const principal = principalOf(request);
  if (!principal) throw new Error('an action route ran without an authenticated principal');
  const options: ActionOptions = { actor: `api:${principal.name}` };
  const header = request.headers['idempotency-key'];
  if (header !== undefined) {
    const key = IdempotencyKeyHeader.safeParse(header);
    if (!key.success) {
      throw new ApiError(400, 'invalid_request', 'invalid headers', [
        { path: 'Idempotency-Key', message: key.error.issues[0]?.message ?? 'invalid' },
      ]);
    }
    options.idempotencyKey = `api:${principal.name}:${key.data}`;
  }
  return options;
}

/**
 * Hands the new notifications to the notifier after the commit. Best effort: they are in the outbox already,
 * and the notifier's sweeper sends whatever this does not.
 */
async function respond(
  reply: FastifyReply,
  result: TransitionResult,
  deps: ActionRouteDeps,
): Promise<{ incident: TransitionResult['incident']; replayed: boolean }> {
  if (deps.notifier && result.notifications.length > 0) {
    try {
      await deps.notifier.enqueue(result.notifications);
    } catch (error) {
      deps.logger.warn(
        { err: error, notifications: result.notifications.map((n) => n.id) },
        'could not enqueue notifications; the outbox sweeper will send them',
      );
    }
  }
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  return { incident: result.incident, replayed: result.replayed };
}
