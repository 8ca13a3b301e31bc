import {
  ALERT_FINGERPRINT,
  ALERT_SEVERITY,
  ALERT_STARTS_AT,
  CHECK_NAME,
  ERROR,
  fieldErrors,
  OCSF_CLASS_BY_KIND,
  VENDOR,
  type VigilEvent,
} from '@vigil/schema';
import { z } from 'zod';
import type { Normalizer, NormalizeResult } from '../normalizer';

/**
 * A Cloudflare notification webhook (generic webhook destination; developers.cloudflare.com, Notifications,
 * webhook payload schema): `{name, text, data, ts, account_id?, policy_id?, policy_name?, alert_type?,
 * alert_correlation_id?, alert_event?}`. Health Checks notifications (`alert_type`
 * `health_check_status_notification`) carry in `data`: `health_check_id`, `name` (the health check's),
 * `status` (`Healthy` / `Unhealthy`), `reason`, `time` (`2022-05-04 12:49:20 +0000 UTC`), `expected_codes`,
 * `actual_code`, `preview`.
 */
const HealthCheckData = z.object({
  health_check_id: z.string().min(1).max(128),
  name: z.string().min(1).max(512),
  status: z.string().min(1).max(64),
  reason: z.string().nullish(),
  time: z.string().nullish(),
  expected_codes: z.unknown().optional(),
  actual_code: z.unknown().optional(),
  preview: z.boolean().nullish(),
});

const Notification = z.object({
  name: z.string().nullish(),
  text: z.string().nullish(),
  data: z.unknown().optional(),
  ts: z.number().nullish(),
  account_id: z.string().nullish(),
  alert_type: z.string().nullish(),
  alert_event: z.string().nullish(),
});

export const HEALTH_CHECK_ALERT = 'health_check_status_notification';

/** `2022-05-04 12:49:20 +0000 UTC` (Go's time format, as Health Checks writes it), or RFC 3339. */
export function healthCheckTimeMs(text: string): number | undefined {
  const go =
    /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?) ([+-])(\d{2})(\d{2})(?: [A-Z]{1,5})?$/.exec(
      text.trim(),
    );
  const iso = go
    ? `${go[1]}T${go[2]}${go[3]}${go[4]}:${go[5]}`
    : /^\d{4}-\d{2}-\d{2}T/.test(text)
      ? text
      : undefined;
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * What Cloudflare sends to try a destination: the test message when a webhook is saved (text only, no alert),
 * or a notification marked `data.preview` (a policy's test). Neither is about a service.
 */
function isTestMessage(body: Record<string, unknown>): boolean {
  if (typeof body.text === 'string' && body.data === undefined && body.alert_type === undefined) return true;
  const data = body.data as { preview?: unknown } | null | undefined;
  return typeof data === 'object' && data !== null && data.preview === true;
}

function refused(reason: string, path: string, message: string): NormalizeResult {
  return { ok: false, reason, errors: [{ path, message }] };
}

/**
 * Cloudflare notification webhooks, authenticated by the destination's secret in `cf-webhook-auth`. A Health
 * Checks status change becomes one availability event: an alert of the service named by the health check
 * (its `name`), failing while Unhealthy and resolved once Healthy, so `availability.alerts-down` measures the
 * outage from the first Unhealthy to the Healthy that follows. Other alert types are refused with their type.
 */
export const cloudflareNotificationNormalizer: Normalizer = {
  split(body) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return {
        ok: false,
        reason: 'expected one Cloudflare notification: {"name", "text", "data", "ts", "alert_type", ...}',
        errors: [
          {
            path: '(root)',
            message: `got ${Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}`,
          },
        ],
      };
    }
    if (isTestMessage(body as Record<string, unknown>)) return { ok: true, items: [] };
    return { ok: true, items: [body] };
  },

  normalize(item, { source, receivedAt }): NormalizeResult {
    const parsed = Notification.safeParse(item);
    if (!parsed.success)
      return {
        ok: false,
        reason: 'does not match the Cloudflare notification webhook payload',
        errors: fieldErrors(parsed.error),
      };
    const notification = parsed.data;
    if (notification.alert_type && notification.alert_type !== HEALTH_CHECK_ALERT) {
      return refused(
        `a ${notification.alert_type.slice(0, 100)} notification: Vigil reads Health Checks notifications (${HEALTH_CHECK_ALERT}) from this format`,
        'alert_type',
        `expected ${HEALTH_CHECK_ALERT}`,
      );
    }
    const data = HealthCheckData.safeParse(notification.data);
    if (!data.success) {
      return {
        ok: false,
        reason: 'not a Health Checks notification',
        errors: fieldErrors(data.error).map((e) => ({ ...e, path: `data.${e.path}` })),
      };
    }
    const check = data.data;
    const status = check.status.toLowerCase();
    if (status !== 'healthy' && status !== 'unhealthy')
      return refused(
        'unknown health status',
        'data.status',
        `expected Healthy or Unhealthy, got ${check.status.slice(0, 64)}`,
      );
    const timeMs = check.time
      ? healthCheckTimeMs(check.time)
      : notification.ts != null
        ? notification.ts * 1000
        : undefined;
    if (timeMs === undefined)
      return refused(
        'the notification has no usable time',
        check.time ? 'data.time' : 'ts',
        'expected "YYYY-MM-DD HH:MM:SS +0000 UTC" or Unix seconds',
      );
    const time = new Date(timeMs);
    if (Number.isNaN(time.getTime()))
      return refused('the notification has no usable time', 'ts', 'out of range');
    const unhealthy = status === 'unhealthy';
    const iso = time.toISOString();
    const event: VigilEvent = {
      id: `${source}:${check.health_check_id}:${iso}:${status}`,
      source,
      kind: 'uptime_check',
      action: 'cloudflare.health_check',
      ocsfClassUid: OCSF_CLASS_BY_KIND.uptime_check,
      time: iso,
      receivedAt,
      entity: { type: 'service', id: check.name },
      outcome: unhealthy ? 'failure' : 'success',
      actor: {},
      attributes: {
        [VENDOR]: 'cloudflare',
        [CHECK_NAME]: check.name,
        [ERROR]: unhealthy ? (check.reason ?? 'Unhealthy') : null,
        // A health check is one alert of its service's group: Unhealthy starts it, Healthy resolves it.
        [ALERT_FINGERPRINT]: `cloudflare-health-check:${check.health_check_id}`,
        [ALERT_STARTS_AT]: iso,
        [ALERT_SEVERITY]: null,
        'cloudflare.health_check_id': check.health_check_id,
        'cloudflare.account_id': notification.account_id ?? null,
        'cloudflare.alert_type': notification.alert_type ?? HEALTH_CHECK_ALERT,
        'cloudflare.actual_code': typeof check.actual_code === 'number' ? check.actual_code : null,
        'cloudflare.preview': check.preview ?? false,
      },
      raw: item,
    };
    return { ok: true, event };
  },
};
