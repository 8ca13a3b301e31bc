import type { PoolClient } from 'pg';
import { ValidationError } from '@vigil/runtime';
import { openOutageOf } from './availability/outage-register';
import { recordActionKey, replayActionKey, type ActionRequest } from './action-keys';
import { canonicalJson } from './canonical-json';
import { IllegalTransitionError, IncidentNotFoundError } from './incident-errors';
import type { ActionFields, IncidentDetailsPatch } from './incident-inputs';
import { planAction, type IncidentAction, type LifecyclePlan } from './incident-lifecycle';
import type { ActionOptions, IncidentRecord, TransitionResult } from './incident-types';
import { toIncidentRecord, type IncidentRow } from './incident-rows';
import { addNotification, changeFacts, firstRow } from './incident-writes';
import type { NotificationRecord } from './notification-store';
import { appendTimeline } from './timeline-writer';

/** Anything PostgreSQL's uuid type accepts in canonical form; anything else cannot name an incident. */
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One person's action on one incident, inside the caller's transaction. */
export async function transitionTx(
  client: PoolClient,
  incidentId: string,
  action: IncidentAction,
  fields: ActionFields,
  options: ActionOptions,
  now: Date,
): Promise<TransitionResult> {
  const row = await lockIncident(client, incidentId);
  const request: ActionRequest = { incidentId: row.id, action, actor: options.actor, fields };
  if (options.idempotencyKey !== undefined) {
    const replay = await replayActionKey(client, options.idempotencyKey, request);
    if (replay) return replay;
  }

  const decision = planAction({ seq: Number(row.seq), status: row.status }, action, fields);
  if (!decision.ok) {
    const { refusal } = decision;
    if (refusal.code === 'invalid_input') throw new ValidationError(refusal.message, refusal.details);
    throw new IllegalTransitionError(row.id, row.status, action, refusal.message);
  }
  const { plan } = decision;

  const updated = plan.stamp === null ? row : await applyPlan(client, row.id, plan, options.actor, now);
  // Resolving while the checks still fail is allowed; the outage goes on until they recover, and the
  // timeline says so (the recovery is added to this incident when it comes).
  const outage = plan.stamp === 'resolved' ? await openOutageOf(client, row.id) : null;
  const data = outage ? { ...plan.timeline.data, outageOngoing: outage } : plan.timeline.data;
  await appendTimeline(
    client,
    [{ incidentId: row.id, kind: plan.timeline.kind, actor: options.actor, data }],
    now,
  );
  const facts = changeFacts(updated, plan.timeline.kind, options.actor, now, plan.fields);
  const notifications: NotificationRecord[] = [
    await addNotification(client, row.id, plan.notify, null, options.trace ?? {}, now, facts),
  ];
  return finish(client, request, options, { incident: toIncidentRecord(updated), notifications }, now);
}

/** Root cause, remediation, postmortem, follow-ups and the rest, set or corrected after the fact. */
export async function updateDetailsTx(
  client: PoolClient,
  incidentId: string,
  patch: IncidentDetailsPatch,
  options: ActionOptions,
  now: Date,
): Promise<TransitionResult> {
  const row = await lockIncident(client, incidentId);
  const request: ActionRequest = {
    incidentId: row.id,
    action: 'update-details',
    actor: options.actor,
    fields: patch,
  };
  if (options.idempotencyKey !== undefined) {
    const replay = await replayActionKey(client, options.idempotencyKey, request);
    if (replay) return replay;
  }

  const current = toIncidentRecord(row);
  const sets: string[] = [];
  const params: unknown[] = [row.id];
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const [field, column] of DETAIL_COLUMNS) {
    const to = patch[field];
    if (to === undefined) continue;
    const from = current[field];
    if (canonicalJson(from) === canonicalJson(to)) continue;
    changes[field] = { from, to };
    params.push(field === 'followUps' ? JSON.stringify(to) : to);
    sets.push(`${column} = $${params.length}`);
  }

  // Setting what is already there records nothing: the timeline says what changed, not what was asked.
  if (sets.length === 0)
    return finish(client, request, options, { incident: current, notifications: [] }, now);
  const updated = await client.query<IncidentRow>(
    `UPDATE incidents SET ${sets.join(', ')} WHERE id = $1 RETURNING *`,
    params,
  );
  await appendTimeline(
    client,
    [{ incidentId: row.id, kind: 'details-updated', actor: options.actor, data: { changes } }],
    now,
  );
  // No notification: the Slack message shows none of these fields, so there would be nothing to update.
  return finish(
    client,
    request,
    options,
    { incident: toIncidentRecord(firstRow(updated.rows)), notifications: [] },
    now,
  );
}

const DETAIL_COLUMNS = [
  ['rootCause', 'root_cause'],
  ['remediation', 'remediation'],
  ['postmortemUrl', 'postmortem_url'],
  ['followUps', 'follow_ups'],
  ['affectedSystems', 'affected_systems'],
  ['dc4Candidate', 'dc4_candidate'],
] as const satisfies ReadonlyArray<readonly [keyof IncidentDetailsPatch & keyof IncidentRecord, string]>;

async function lockIncident(client: PoolClient, incidentId: string): Promise<IncidentRow> {
  if (!UUID_TEXT.test(incidentId)) throw new IncidentNotFoundError(incidentId);
  // Lock order as everywhere else: the incident row first, then the chain head (inside appendTimeline).
  const { rows } = await client.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1 FOR UPDATE', [
    incidentId,
  ]);
  const row = rows[0];
  if (!row) throw new IncidentNotFoundError(incidentId);
  return row;
}

/**
 * The `*_at` / `*_by` pair of the step, and the fields the action carries. Acknowledgement and containment
 * keep their first time across a reopen; a resolution is always the latest.
 */
async function applyPlan(
  client: PoolClient,
  incidentId: string,
  plan: LifecyclePlan,
  actor: string,
  now: Date,
): Promise<IncidentRow> {
  const params: unknown[] = [incidentId, plan.to, now, actor];
  const sets = ['status = $2'];
  switch (plan.stamp) {
    case 'acknowledged':
    case 'contained':
      sets.push(
        `${plan.stamp}_at = coalesce(${plan.stamp}_at, $3)`,
        `${plan.stamp}_by = coalesce(${plan.stamp}_by, $4)`,
      );
      break;
    case 'resolved':
    case 'closed':
      sets.push(`${plan.stamp}_at = $3`, `${plan.stamp}_by = $4`);
      break;
    case 'dismissed':
      params.push(plan.fields.reason);
      sets.push('dismissed_at = $3', 'dismissed_by = $4', `dismissal_reason = $${params.length}`);
      break;
    case null:
      break;
  }
  // Given with a resolution or a closure: recorded, never cleared by leaving them out.
  for (const [field, column] of [
    ['rootCause', 'root_cause'],
    ['remediation', 'remediation'],
    ['postmortemUrl', 'postmortem_url'],
  ] as const) {
    const value = plan.fields[field];
    if (value === undefined) continue;
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  }
  const { rows } = await client.query<IncidentRow>(
    `UPDATE incidents SET ${sets.join(', ')} WHERE id = $1 RETURNING *`,
    params,
  );
  return firstRow(rows);
}

async function finish(
  client: PoolClient,
  request: ActionRequest,
  options: ActionOptions,
  outcome: Omit<TransitionResult, 'replayed'>,
  now: Date,
): Promise<TransitionResult> {
  const result: TransitionResult = { ...outcome, replayed: false };
  if (options.idempotencyKey !== undefined) {
    await recordActionKey(client, options.idempotencyKey, request, result, now);
  }
  return result;
}
