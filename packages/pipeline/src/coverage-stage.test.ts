import type { IncomingMessage } from '@vigil/bus';
import { VigilEvent } from '@vigil/schema';
import { alertmanagerNormalizer } from '@vigil/sources';
import { describe, expect, test } from 'vitest';
import { serviceChecksIn } from './coverage-stage';

const record = (value: unknown, offset: number): IncomingMessage => ({
  topic: 'events',
  partition: 0,
  offset: String(offset),
  key: null,
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  headers: {},
  timestamp: 0,
});

const probe = (id: string, time: string, outcome: string) =>
  VigilEvent.parse({
    id,
    source: 'prober',
    kind: 'uptime_check',
    action: 'http',
    ocsfClassUid: 0,
    time,
    receivedAt: time,
    entity: { type: 'service', id: 'checkout' },
    outcome,
    actor: {},
    attributes: {},
    raw: {},
  });

/** One alert of a v4 webhook, as Alertmanager sends it, through the ingest normaliser. */
function alert(status: 'firing' | 'resolved'): VigilEvent {
  const result = alertmanagerNormalizer.normalize(
    {
      status,
      labels: {
        alertname: 'ProbeFailure',
        service: 'checkout',
        severity: 'critical',
        instance: 'https://checkout',
      },
      annotations: { summary: 'checkout is down' },
      startsAt: '2026-11-22T10:00:05.828457123Z',
      endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-11-22T10:20:05Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: '1a30ba71cca2921f',
    },
    { source: 'alertmanager', receivedAt: '2026-11-22T10:30:00.000Z' },
  );
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

describe('check coverage: which events are checks', () => {
  test('probe checks that said up or down count; alerts, unknown outcomes and bad records do not', () => {
    const checks = serviceChecksIn([
      record(probe('p1', '2026-11-22T10:00:00.000Z', 'success'), 1),
      record(alert('firing'), 2),
      record(alert('resolved'), 3),
      record(probe('p2', '2026-11-22T10:01:00.000Z', 'failure'), 4),
      record(probe('p3', '2026-11-22T10:02:00.000Z', 'unknown'), 5),
      record('{"not": "an event"', 6),
    ]);
    expect(checks).toEqual([
      { service: 'checkout', at: Date.parse('2026-11-22T10:00:00.000Z') },
      { service: 'checkout', at: Date.parse('2026-11-22T10:01:00.000Z') },
    ]);
  });
});
