import {
  ALERT_FINGERPRINT,
  ALERT_SEVERITY,
  ALERT_STARTS_AT,
  CHECK_NAME,
  ERROR,
  fieldErrors,
  OCSF_CLASS_BY_KIND,
  REGION,
  Timestamp,
  type VigilEvent,
} from '@vigil/schema';
import { z } from 'zod';
import { checkBatchSize } from './generic-normalizer';
import type { Normalizer, NormalizeResult } from './normalizer';

/** One alert of an Alertmanager webhook (`webhook_config`, payload version 4). */
export const AlertmanagerAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).default({}),
  startsAt: Timestamp,
  /** `0001-01-01T00:00:00Z` while the alert fires. */
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1).max(128),
});
export type AlertmanagerAlert = z.infer<typeof AlertmanagerAlert>;

const AlertmanagerWebhook = z.object({
  version: z.literal('4', { message: 'Vigil reads Alertmanager webhook payload version "4"' }),
  alerts: z.array(z.unknown()),
});

/** The labels that name the affected service, in order of preference, unless the source names its own. */
const SERVICE_LABELS: readonly string[] = ['service', 'job', 'instance'];

function serviceOf(labels: Record<string, string>, names: readonly string[]): string | undefined {
  for (const label of names) {
    const value = labels[label]?.trim();
    if (value) return value;
  }
  return undefined;
}

/** Alertmanager sends Go's zero time as `endsAt` for an alert that has not ended. */
function endTime(endsAt: string | undefined): string | undefined {
  if (!endsAt || !Timestamp.safeParse(endsAt).success) return undefined;
  const ms = Date.parse(endsAt);
  return Number.isNaN(ms) || new Date(ms).getUTCFullYear() < 1970 ? undefined : new Date(ms).toISOString();
}

/**
 * Prometheus Alertmanager webhooks: one availability event (kind `uptime_check`) per alert, failure
 * while it fires (at its startsAt) and success once resolved (at its endsAt). The alert's fingerprint and
 * start go along, so `availability.alerts-down` can treat the service's alerts as a group.
 */
export const alertmanagerNormalizer: Normalizer = {
  split(body) {
    const parsed = AlertmanagerWebhook.safeParse(body);
    if (!parsed.success) {
      return {
        ok: false,
        reason: 'expected an Alertmanager webhook payload: {"version": "4", "alerts": [...]}',
        errors: fieldErrors(parsed.error),
      };
    }
    return checkBatchSize(parsed.data.alerts);
  },

  normalize(item, { source, receivedAt, serviceLabels = SERVICE_LABELS }): NormalizeResult {
    const parsed = AlertmanagerAlert.safeParse(item);
    if (!parsed.success) {
      return { ok: false, reason: 'does not match the Alertmanager alert format', errors: fieldErrors(parsed.error) };
    }
    const alert = parsed.data;
    const service = serviceOf(alert.labels, serviceLabels);
    if (!service) {
      return {
        ok: false,
        reason: 'the alert names no service',
        errors: [{ path: 'labels', message: `none of the labels ${serviceLabels.join(', ')} is set` }],
      };
    }
    const firing = alert.status === 'firing';
    const resolvedAt = firing ? undefined : endTime(alert.endsAt);
    const alertname = alert.labels.alertname ?? 'alert';
    const region = alert.labels.region ?? alert.labels.dc;
    const event: VigilEvent = {
      // startsAt is kept as sent: it is part of what makes this alert instance unique.
      id: `${source}:${alert.fingerprint}:${alert.startsAt}:${alert.status}`,
      source,
      kind: 'uptime_check',
      action: `alert:${alertname}`.slice(0, 200),
      ocsfClassUid: OCSF_CLASS_BY_KIND.uptime_check,
      time: resolvedAt ?? new Date(alert.startsAt).toISOString(),
      receivedAt,
      entity: { type: 'service', id: service.slice(0, 512) },
      outcome: firing ? 'failure' : 'success',
      actor: {},
      attributes: {
        [CHECK_NAME]: alertname,
        ...(region ? { [REGION]: region } : {}),
        [ERROR]: firing ? (alert.annotations.summary ?? alert.annotations.description ?? alertname) : null,
        [ALERT_FINGERPRINT]: alert.fingerprint,
        [ALERT_STARTS_AT]: new Date(alert.startsAt).toISOString(),
        [ALERT_SEVERITY]: alert.labels.severity ?? null,
        'alertmanager.instance': alert.labels.instance ?? null,
        'alertmanager.job': alert.labels.job ?? null,
      },
      raw: item,
    };
    return { ok: true, event };
  },
};
