import { findingsForEntry, type IncidentRecord, type OutboundMessage, type TimelineEntry } from '@vigil/incidents';
import type { IncidentFinding, Severity } from '@vigil/schema';
import { resolveOutbound, type OwnersConfig } from '../owners';

/** PagerDuty Events API v2 actions, by the timeline entry that causes them; other entries page nobody. */
const PAGERDUTY_ACTION: Record<string, 'trigger' | 'acknowledge' | 'resolve'> = {
  detected: 'trigger',
  reopened: 'trigger',
  acknowledged: 'acknowledge',
  resolved: 'resolve',
  closed: 'resolve',
  dismissed: 'resolve',
};

const PAGERDUTY_SEVERITY: Record<Severity, 'critical' | 'error' | 'warning' | 'info'> = {
  SEV1: 'critical',
  SEV2: 'error',
  SEV3: 'warning',
  SEV4: 'info',
};

/** Standard Webhooks' `type`: what happened, from the finding's activity. */
const WEBHOOK_TYPE: Record<IncidentFinding['activity_id'], string> = {
  1: 'incident.created',
  2: 'incident.updated',
  3: 'incident.closed',
};

/** The PagerDuty event of an incident change, without its routing key (added when sent, from the environment). */
export function pagerDutyEvent(action: 'trigger' | 'acknowledge' | 'resolve', incident: IncidentRecord, entry: TimelineEntry) {
  const event: Record<string, unknown> = { event_action: action, dedup_key: incident.id };
  if (action === 'trigger') {
    event.payload = {
      summary: `INC-${incident.seq} ${incident.title}`.slice(0, 1024),
      source: `${incident.entity.type}:${incident.entity.id}`.slice(0, 255),
      severity: PAGERDUTY_SEVERITY[incident.severity],
      timestamp: entry.at,
      component: incident.entity.id.slice(0, 255),
      group: incident.ownerKey,
      class: incident.ruleId,
      custom_details: {
        incident: `INC-${incident.seq}`,
        incidentId: incident.id,
        criteria: incident.criteria,
        summary: incident.summary,
        status: incident.status,
        detectedAt: incident.detectedAt,
      },
    };
  }
  return event;
}

/**
 * Routes one incident change: every webhook receiver of the incident's owner gets its OCSF Incident Finding
 * (Standard Webhooks envelope `{type, timestamp, data}`); the owner's PagerDuty service gets a trigger, an
 * acknowledge or a resolve. Detection Findings do not go out by webhook: one change, one message.
 */
export function outboundRouter(owners: OwnersConfig) {
  return (entry: TimelineEntry, incident: IncidentRecord): OutboundMessage[] => {
    const finding = findingsForEntry(entry, incident).find((f): f is IncidentFinding => f.class_uid === 2005);
    if (!finding) return [];
    const route = resolveOutbound(owners, incident);
    const messages: OutboundMessage[] = route.webhooks.map((name) => ({
      channel: 'webhook',
      target: `webhook:${name}`,
      payload: { type: WEBHOOK_TYPE[finding.activity_id], timestamp: entry.at, data: finding },
    }));
    const action = PAGERDUTY_ACTION[entry.kind];
    if (route.pagerduty && action) {
      messages.push({ channel: 'pagerduty', target: `pagerduty:${route.pagerduty.routingKeyEnv}`, payload: pagerDutyEvent(action, incident, entry) });
    }
    return messages;
  };
}
