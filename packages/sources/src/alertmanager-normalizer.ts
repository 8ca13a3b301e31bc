import {
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

/** The labels that name the affected service, in order of preference. */
const SERVICE_LABELS = ['service', 'job', 'instance'] as const;

function serviceOf(labels: Record<string, string>): string | undefined {
  for (const label of SERVICE_LABELS) {
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
 * while it fires and success once resolved, so the availability rules treat an alert like a check.
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

  normalize(item, { source, receivedAt }): NormalizeResult {
    const parsed = AlertmanagerAlert.safeParse(item);
    if (!parsed.success) {
      return { ok: false, reason: 'does not match the Alertmanager alert format', errors: fieldErrors(parsed.error) };
    }
    const alert = parsed.data;
    const service = serviceOf(alert.labels);
    if (!service) {
      return {
        ok: false,
        reason: 'the alert names no service',
        errors: [{ path: 'labels', message: `none of the labels ${SERVICE_LABELS.join(', ')} is set` }],
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
        'alertmanager.fingerprint': alert.fingerprint,
        'alertmanager.severity': alert.labels.severity ?? null,
        'alertmanager.instance': alert.labels.instance ?? null,
        'alertmanager.job': alert.labels.job ?? null,
      },
      raw: item,
    };
    return { ok: true, event };
  },
};
