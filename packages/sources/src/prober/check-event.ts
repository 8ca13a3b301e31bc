import {
  CHECK_NAME,
  ERROR,
  LATENCY_MS,
  OCSF_CLASS_BY_KIND,
  REGION,
  TLS_DAYS_LEFT,
  type VigilEvent,
} from '@vigil/schema';
import type { ProbeCheck } from './prober-config';
import type { CheckResult } from './run-check';

/**
 * One `uptime_check` event per run. The id is `<prober>:<check>:<scheduled time>`: a publish that is
 * retried, or a run replayed, carries the same id and is recognised downstream.
 */
export function checkEvent(
  check: ProbeCheck,
  result: CheckResult,
  context: { source: string; region: string; receivedAt: string },
): VigilEvent {
  const scheduled = new Date(result.scheduledAt).toISOString();
  return {
    id: `${context.source}:${check.name}:${scheduled}`,
    source: context.source,
    kind: 'uptime_check',
    action: check.type,
    ocsfClassUid: OCSF_CLASS_BY_KIND.uptime_check,
    time: new Date(result.startedAt).toISOString(),
    receivedAt: context.receivedAt,
    entity: { type: 'service', id: check.service },
    outcome: result.ok ? 'success' : 'failure',
    actor: {},
    attributes: {
      [CHECK_NAME]: check.name,
      [REGION]: context.region,
      [LATENCY_MS]: result.latencyMs,
      [ERROR]: result.error,
      ...(result.tlsDaysLeft !== undefined ? { [TLS_DAYS_LEFT]: result.tlsDaysLeft } : {}),
      'probe.target': result.target,
      'probe.scheduled_at': scheduled,
      ...(result.statusCode !== undefined ? { 'http.response.status_code': result.statusCode } : {}),
    },
    raw: result,
  };
}

/** A prober's source name: `prober-<region>` unless named, made to fit the source-name rule. */
export function proberSourceName(region: string, name?: string): string {
  const base = (name ?? `prober-${region}`).toLowerCase().replace(/[^a-z0-9_-]+/g, '-');
  const fitted = /^[a-z]/.test(base) ? base : `p-${base}`;
  return fitted.slice(0, 64);
}
