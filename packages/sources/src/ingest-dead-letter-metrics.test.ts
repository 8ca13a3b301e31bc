import { VigilMetrics } from '@vigil/health';
import { ManualClock } from '@vigil/runtime';
import { DeadLetter, topicNames } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { describe, expect, it } from 'vitest';
import { buildIngestServer } from './ingest-server';
import type { SourceDefinition } from './source-config';
import { RecordingBus } from './testing/recording-bus';
import { genericEvent, oktaHookDelivery, oktaLogEvent } from './testing/samples';

const topics = topicNames('dlm.');
const limits = { eventsPerSecond: 100_000, burst: 100_000 };
const sources: SourceDefinition[] = [
  { name: 'okta', format: 'okta-event-hook', secret: 'okta-secret', auth: { type: 'header', header: 'authorization', secretEnv: 'X' }, rateLimit: limits },
  { name: 'scripts', format: 'generic', secret: 'generic-token', auth: { type: 'bearer', secretEnv: 'X' }, rateLimit: limits },
];

/** The samples of `vigil_ingest_dead_letters_total` as `source/reason → value`. */
async function deadLetterSamples(metrics: VigilMetrics): Promise<Record<string, number>> {
  const samples: Record<string, number> = {};
  for (const line of (await metrics.render()).split('\n')) {
    const match = /^vigil_ingest_dead_letters_total\{(.*)\} (\S+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    samples[`${labels.source}/${labels.reason}`] = Number(match[2]);
  }
  return samples;
}

describe('ingest counts what it dead-letters by source and reason', () => {
  it('each refused item once under its reason code, beside the dead letter itself; accepted items not at all', async () => {
    const bus = new RecordingBus();
    const metrics = new VigilMetrics({ service: 'ingest', defaultMetrics: false });
    const app = buildIngestServer({ bus, topics, sources, logger: silentLogger, clock: new ManualClock(), bodyLimit: 1024 * 1024, metrics });
    try {
      const bearer = { authorization: 'Bearer generic-token', 'content-type': 'application/json' };
      const generic = [
        genericEvent({ id: 'fine-1' }),
        { ...genericEvent({ id: 'nul' }), entity: { type: 'user', id: 'a\u0000b' } },
        { ...genericEvent({ id: 'far-future' }), time: '+275760-09-13T00:00:00.000Z' },
        { id: 'no-kind', time: new Date().toISOString() },
      ];
      const mixed = await app.inject({ method: 'POST', url: '/v1/events/scripts', headers: bearer, payload: JSON.stringify(generic) });
      expect(mixed.statusCode).toBe(400);
      expect(mixed.json()).toMatchObject({ accepted: 1, rejected: 3 });
      const codes = mixed.json<{ error: { details: Array<{ code: string }> } }>().error.details.map((d) => d.code);
      // The generic format's own schema refuses the far-future time before the event limits see it.
      expect(codes).toEqual(['unusable_input', 'not_an_event', 'not_an_event']);

      expect((await app.inject({ method: 'POST', url: '/v1/events/scripts', headers: bearer, payload: '{oops' })).statusCode).toBe(400);
      const okta = { authorization: 'okta-secret', 'content-type': 'application/json' };
      const longId = oktaHookDelivery([oktaLogEvent({ uuid: 'x'.repeat(400) })]);
      expect((await app.inject({ method: 'POST', url: '/v1/events/okta', headers: okta, payload: JSON.stringify(longId) })).statusCode).toBe(400);
      expect((await app.inject({ method: 'POST', url: '/v1/events/okta', headers: okta, payload: '{"data":"not a delivery"}' })).statusCode).toBe(400);

      const samples = await deadLetterSamples(metrics);
      const expected: Record<string, number> = {
        'scripts/unusable_input': 1,
        'scripts/not_an_event': 2,
        'scripts/malformed_json': 1,
        'okta/outside_limits': 1,
        'okta/unreadable_delivery': 1,
      };
      expect(samples).toEqual(expected);
      // One count per dead letter on the topic: the metric is the topic's arrivals, labelled.
      const letters = bus.values(topics.eventsDlq).map((v) => DeadLetter.parse(v));
      expect(letters).toHaveLength(Object.values(samples).reduce((a, b) => a + b, 0));
    } finally {
      await app.close();
    }
  });
});
