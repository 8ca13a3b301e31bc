import type { VigilEvent } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { healthCheckNotification } from '../testing/cloudflare-samples';
import {
  cloudflareNotificationNormalizer as normalizer,
  healthCheckTimeMs,
} from './cloudflare-notification-normalizer';

const ctx = { source: 'cloudflare-health', receivedAt: '2026-12-03T10:00:05.000Z' };

function normalized(item: unknown): VigilEvent {
  const result = normalizer.normalize(item, ctx);
  if (!result.ok) throw new Error(`expected ok, got ${result.reason}: ${JSON.stringify(result.errors)}`);
  return result.event;
}

describe('cloudflare notification webhooks: Health Checks', () => {
  it('Unhealthy is a failing alert of the service the health check is named after', () => {
    const event = normalized(healthCheckNotification('Unhealthy'));
    expect(event).toMatchObject({
      id: 'cloudflare-health:6b8107f6f348c849347af551329e2eac:2026-12-03T10:00:00.000Z:unhealthy',
      kind: 'uptime_check',
      time: '2026-12-03T10:00:00.000Z',
      entity: { type: 'service', id: 'checkout-api' },
      outcome: 'failure',
    });
    expect(event.attributes).toMatchObject({
      'vigil.vendor': 'cloudflare',
      'vigil.error': 'Response code mismatch error',
      'alertmanager.fingerprint': 'cloudflare-health-check:6b8107f6f348c849347af551329e2eac',
      'alertmanager.startsAt': '2026-12-03T10:00:00.000Z',
      'cloudflare.actual_code': 503,
    });
    expect(event.raw).toEqual(healthCheckNotification('Unhealthy'));
  });

  it('Healthy resolves the same alert (same fingerprint), at its own time', () => {
    const event = normalized(healthCheckNotification('Healthy'));
    expect(event.outcome).toBe('success');
    expect(event.time).toBe('2026-12-03T10:07:30.000Z');
    expect(event.attributes['alertmanager.fingerprint']).toBe(
      'cloudflare-health-check:6b8107f6f348c849347af551329e2eac',
    );
    expect(event.attributes['vigil.error']).toBeNull();
  });

  it('without data.time the notification time (ts, Unix seconds) is used', () => {
    const event = normalized(healthCheckNotification('Unhealthy', { time: undefined }));
    expect(event.time).toBe('2026-12-03T10:00:03.000Z');
  });

  it("the destination's test message and a policy's preview are answered with nothing to accept", () => {
    const test = { text: 'Hello World! This is a test message sent from https://cloudflare.com.' };
    expect(normalizer.split(test)).toEqual({ ok: true, items: [] });
    expect(normalizer.split(healthCheckNotification('Unhealthy', { preview: true }))).toEqual({
      ok: true,
      items: [],
    });
    expect(normalizer.split([healthCheckNotification()])).toMatchObject({
      ok: false,
      errors: [{ path: '(root)', message: 'got an array' }],
    });
  });

  it('other alert types, unknown statuses and unreadable times are refused with the field', () => {
    expect(
      normalizer.normalize(
        healthCheckNotification('Unhealthy', {}, { alert_type: 'advanced_ddos_attack_l4_alert' }),
        ctx,
      ),
    ).toMatchObject({
      ok: false,
      reason: expect.stringContaining('advanced_ddos_attack_l4_alert'),
      errors: [{ path: 'alert_type' }],
    });
    expect(
      normalizer.normalize(healthCheckNotification('Unhealthy', { status: 'Degraded' }), ctx),
    ).toMatchObject({ ok: false, errors: [{ path: 'data.status' }] });
    expect(
      normalizer.normalize(healthCheckNotification('Unhealthy', { time: 'yesterday' }), ctx),
    ).toMatchObject({ ok: false, errors: [{ path: 'data.time' }] });
    expect(
      normalizer.normalize(healthCheckNotification('Unhealthy', { time: undefined }, { ts: 1e20 }), ctx),
    ).toMatchObject({ ok: false, errors: [{ path: 'ts' }] });
    expect(
      normalizer.normalize(healthCheckNotification('Unhealthy', { health_check_id: undefined }), ctx),
    ).toMatchObject({
      ok: false,
      errors: [{ path: 'data.health_check_id' }],
    });
  });

  it("reads Go's time format with an offset, and RFC 3339", () => {
    expect(healthCheckTimeMs('2022-05-04 12:49:20 +0000 UTC')).toBe(Date.parse('2022-05-04T12:49:20Z'));
    expect(healthCheckTimeMs('2022-05-04 14:49:20 +0200 CEST')).toBe(Date.parse('2022-05-04T12:49:20Z'));
    expect(healthCheckTimeMs('2022-05-04T12:49:20Z')).toBe(Date.parse('2022-05-04T12:49:20Z'));
    expect(healthCheckTimeMs('2022-05-04 12:49')).toBeUndefined();
  });
});
