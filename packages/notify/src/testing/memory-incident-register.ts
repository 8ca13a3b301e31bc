import {
  canonicalJson,
  IdempotencyKeyReusedError,
  IllegalTransitionError,
  IncidentNotFoundError,
  planAction,
  type IncidentAction,
  type NotificationRecord,
  type TransitionInput,
} from '@vigil/incidents';
import { ValidationError } from '@vigil/runtime';
import type { NotificationFacts } from '@vigil/schema';
import type { IncidentFacts } from '../incident-facts';
import type {
  IncidentActions,
  IncidentTransition,
  ResponseFindingData,
  ResponseFindingKind,
  ResponseFindings,
} from '../interactions/incident-actions';
import type { MemoryNotificationStore } from './memory-notification-store';

export interface TimelineRecord {
  incidentId: string;
  kind: string;
  actor: string;
  data: Record<string, unknown>;
  at: string;
}

/**
 * `IncidentActions` and `ResponseFindings` in memory, over the notifier's memory store so the notifications
 * an action creates are delivered from the same incidents. The same rules as `PgIncidentStore.transition`:
 * the lifecycle's own `planAction`, stamps that keep the first acknowledgement, idempotency keys that
 * replay the first result and refuse reuse for another request.
 */
export class MemoryIncidentRegister implements IncidentActions, ResponseFindings {
  readonly timeline: TimelineRecord[] = [];
  readonly findings: Array<{ incidentId: string; kind: ResponseFindingKind; data: ResponseFindingData }> = [];
  /** Every transition call, whatever came of it. */
  readonly transitionCalls: Array<{ incidentId: string; action: IncidentAction; input: TransitionInput }> =
    [];
  /** Each transition waits this long first, as a slow database would. */
  transitionDelayMs = 0;
  private readonly keys = new Map<string, { fingerprint: string; result: IncidentTransition }>();

  constructor(readonly store: MemoryNotificationStore) {}

  putIncident(incident: IncidentFacts): IncidentFacts {
    this.store.putIncident(incident);
    return incident;
  }

  incident(id: string): IncidentFacts {
    const incident = this.store.incidents.get(id);
    if (!incident) throw new Error(`no incident ${id}`);
    return incident;
  }

  async transition(
    incidentId: string,
    action: IncidentAction,
    input: TransitionInput,
  ): Promise<IncidentTransition> {
    this.transitionCalls.push({ incidentId, action, input: structuredClone(input) });
    if (this.transitionDelayMs > 0)
      await new Promise((resolve) => setTimeout(resolve, this.transitionDelayMs));
    const { actor, idempotencyKey, trace: _trace, ...fields } = input;
    const incident: IncidentFacts | undefined = this.store.incidents.get(incidentId);
    if (!incident) throw new IncidentNotFoundError(incidentId);

    const fingerprint = canonicalJson({ incidentId, action, actor, fields });
    const previous = idempotencyKey === undefined ? undefined : this.keys.get(idempotencyKey);
    if (previous) {
      if (previous.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
      const pending = previous.result.notifications.filter(
        (record) => this.store.notification(record.id).status === 'pending',
      );
      return { incident: structuredClone(previous.result.incident), notifications: pending, replayed: true };
    }

    const decision = planAction(incident, action, fields);
    if (!decision.ok) {
      const { refusal } = decision;
      if (refusal.code === 'invalid_input') throw new ValidationError(refusal.message, refusal.details);
      throw new IllegalTransitionError(incidentId, incident.status, action, refusal.message);
    }
    const { plan } = decision;
    const now = new Date().toISOString();
    // Mutated in place: the store keeps `slack` on the same object when the first post is recorded.
    incident.status = plan.to;
    switch (plan.stamp) {
      case 'acknowledged':
        incident.acknowledgedAt ??= now;
        incident.acknowledgedBy ??= actor;
        break;
      case 'contained':
        incident.containedAt ??= now;
        incident.containedBy ??= actor;
        break;
      case 'resolved':
        incident.resolvedAt = now;
        incident.resolvedBy = actor;
        break;
      case 'closed':
        incident.closedAt = now;
        incident.closedBy = actor;
        break;
      case 'dismissed':
        incident.dismissedAt = now;
        incident.dismissedBy = actor;
        incident.dismissalReason = plan.fields.reason ?? null;
        break;
      case null:
        break;
    }
    for (const field of ['rootCause', 'remediation', 'postmortemUrl'] as const) {
      const value = plan.fields[field];
      if (value !== undefined) incident[field] = value;
    }
    this.timeline.push({ incidentId, kind: plan.timeline.kind, actor, data: plan.timeline.data, at: now });
    const facts: NotificationFacts = {
      change: plan.timeline.kind,
      actor,
      at: now,
      status: plan.to,
      detectionCount: incident.detectionCount,
      lastSeenAt: incident.lastSeenAt,
    };
    for (const field of ['text', 'reason', 'rootCause', 'remediation', 'postmortemUrl'] as const) {
      const value = plan.fields[field];
      if (value) facts[field] = value;
    }
    const notifications: NotificationRecord[] = [
      this.store.addNotification(incidentId, plan.notify, new Date(now), facts),
    ];
    const result: IncidentTransition = {
      incident: structuredClone(incident),
      notifications,
      replayed: false,
    };
    if (idempotencyKey !== undefined) this.keys.set(idempotencyKey, { fingerprint, result });
    return structuredClone(result);
  }

  async getIncident(incidentId: string): Promise<IncidentFacts | null> {
    const incident = this.store.incidents.get(incidentId);
    return incident ? structuredClone(incident) : null;
  }

  async recordResponseFinding(
    incidentId: string,
    kind: ResponseFindingKind,
    data: ResponseFindingData,
  ): Promise<boolean> {
    if (!this.store.incidents.has(incidentId)) throw new IncidentNotFoundError(incidentId);
    if (this.findings.some((finding) => finding.data.key === data.key)) return false;
    this.findings.push({ incidentId, kind, data: structuredClone(data) });
    this.timeline.push({
      incidentId,
      kind: 'response-finding',
      actor: 'system:response-timers',
      data: { kind, ...data },
      at: data.checkedAt,
    });
    return true;
  }
}
