import { ManualClock } from '@vigil/runtime';
import { topicNames, VigilEvent } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { describe, expect, it } from 'vitest';
import { alertmanagerNormalizer } from './alertmanager-normalizer';
import { buildIngestServer } from './ingest-server';
import type { SourceDefinition } from './source-config';
import { alertmanagerAlert, alertmanagerWebhook } from './testing/availability-samples';
import { RecordingBus } from './testing/recording-bus';

const ctx = { source: 'alertmanager', receivedAt: '2026-11-22T10:00:10.000Z' };

function normalize(item: unknown): VigilEvent {
  const result = alertmanagerNormalizer.normalize(item, ctx);
  if (!result.ok) throw new Error(`${result.reason}: ${JSON.stringify(result.errors)}`);
  return VigilEvent.parse(result.event);
}

describe('alertmanager normaliser', () => {
  it('maps a firing alert to a failed availability check of its service, field by field', () => {
    const event = normalize(alertmanagerAlert());
    expect(event).toMatchObject({
      id: 'alertmanager:1a30ba71cca2921f:2026-11-22T10:00:05.828457123Z:firing',
      source: 'alertmanager',
      kind: 'uptime_check',
      action: 'alert:ProbeFailure',
      ocsfClassUid: 0,
      time: '2026-11-22T10:00:05.828Z',
      entity: { type: 'service', id: 'checkout-api' },
      outcome: 'failure',
      attributes: {
        'vigil.check': 'ProbeFailure',
        'vigil.region': 'eu-west-1',
        'vigil.error': 'checkout-api is down',
        'alertmanager.fingerprint': '1a30ba71cca2921f',
        'alertmanager.severity': 'critical',
      },
    });
    expect(event.raw).toEqual(alertmanagerAlert());
  });

  it('maps the resolution to a success at endsAt, with an id of its own', () => {
    const event = normalize(alertmanagerAlert({ status: 'resolved', endsAt: '2026-11-22T10:07:35.1Z' }));
    expect(event.id).toBe('alertmanager:1a30ba71cca2921f:2026-11-22T10:00:05.828457123Z:resolved');
    expect(event.outcome).toBe('success');
    expect(event.time).toBe('2026-11-22T10:07:35.100Z');
    expect(event.attributes['vigil.error']).toBeNull();
  });

  it('takes the service from service, else job, else instance', () => {
    const labels = { alertname: 'Down', job: 'node', instance: '10.0.0.7:9100' };
    expect(normalize(alertmanagerAlert({ labels })).entity).toEqual({ type: 'service', id: 'node' });
    expect(normalize(alertmanagerAlert({ labels: { alertname: 'Down', instance: 'db-1:5432' } })).entity.id).toBe('db-1:5432');
  });

  it('refuses an alert that names no service, and one without a fingerprint', () => {
    expect(alertmanagerNormalizer.normalize(alertmanagerAlert({ labels: { alertname: 'X' } }), ctx)).toMatchObject({
      ok: false,
      reason: 'the alert names no service',
      errors: [{ path: 'labels' }],
    });
    const { fingerprint: _omit, ...noFingerprint } = alertmanagerAlert();
    expect(alertmanagerNormalizer.normalize(noFingerprint, ctx)).toMatchObject({ ok: false, errors: [{ path: 'fingerprint' }] });
  });

  it("takes the service from the source's serviceLabels when it names them, in their order", async () => {
    const token = 'alertmanager-bearer-token-0456';
    const source: SourceDefinition = {
      name: 'am-team',
      format: 'alertmanager',
      secret: token,
      auth: { type: 'bearer', secretEnv: 'ALERTMANAGER_TOKEN' },
      rateLimit: { eventsPerSecond: 100, burst: 100 },
      serviceLabels: ['app', 'component'],
    };
    const bus = new RecordingBus();
    const topics = topicNames('test.');
    const app = buildIngestServer({ bus, topics, sources: [source], logger: silentLogger, clock: new ManualClock() });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/events/am-team',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: alertmanagerWebhook([
          alertmanagerAlert({ labels: { alertname: 'A', app: 'payments', component: 'db', service: 'ignored' } }),
          alertmanagerAlert({ fingerprint: 'cccc', labels: { alertname: 'B', component: 'ledger' } }),
          alertmanagerAlert({ fingerprint: 'dddd', labels: { alertname: 'C', service: 'not-a-named-label' } }),
        ]),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        accepted: 2,
        rejected: 1,
        error: { details: [{ index: 2, reason: 'the alert names no service', errors: [{ message: 'none of the labels app, component is set' }] }] },
      });
      expect(bus.written.get(topics.events)?.map((m) => m.key)).toEqual(['service:payments', 'service:ledger']);
    } finally {
      await app.close();
    }
  });

  it('splits a version 4 webhook into its alerts and refuses other versions', () => {
    const body = alertmanagerWebhook([alertmanagerAlert(), alertmanagerAlert({ fingerprint: 'bbbb' })]);
    expect(alertmanagerNormalizer.split(body)).toMatchObject({ ok: true, items: [{ fingerprint: '1a30ba71cca2921f' }, { fingerprint: 'bbbb' }] });
    expect(alertmanagerNormalizer.split({ ...body, version: '3' })).toMatchObject({ ok: false, errors: [{ path: 'version' }] });
  });

  it('is accepted through ingest with the Bearer credential Alertmanager sends (http_config.authorization)', async () => {
    const token = 'alertmanager-bearer-token-0123';
    const source: SourceDefinition = {
      name: 'alertmanager',
      format: 'alertmanager',
      secret: token,
      auth: { type: 'bearer', secretEnv: 'ALERTMANAGER_TOKEN' },
      rateLimit: { eventsPerSecond: 100, burst: 100 },
    };
    const bus = new RecordingBus();
    const topics = topicNames('test.');
    const app = buildIngestServer({ bus, topics, sources: [source], logger: silentLogger, clock: new ManualClock() });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/events/alertmanager',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: alertmanagerWebhook([alertmanagerAlert(), alertmanagerAlert({ labels: { alertname: 'NoService' } })]),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ accepted: 1, rejected: 1, error: { details: [{ index: 1, reason: 'the alert names no service' }] } });
      expect(bus.written.get(topics.events)?.map((m) => m.key)).toEqual(['service:checkout-api']);
      expect(bus.values(topics.eventsDlq)).toEqual([expect.objectContaining({ stage: 'ingest:alertmanager', raw: alertmanagerAlert({ labels: { alertname: 'NoService' } }) })]);
    } finally {
      await app.close();
    }
  });
});
