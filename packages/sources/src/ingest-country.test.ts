import { ManualClock } from '@vigil/runtime';
import { topicNames, type VigilEvent } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { describe, expect, it } from 'vitest';
import { buildIngestServer } from './ingest-server';
import { parseIpCountryCsv } from './ip-country-table';
import type { SourceDefinition } from './source-config';
import { logpushBody, logpushV1 } from './testing/cloudflare-samples';
import { RecordingBus } from './testing/recording-bus';
import { oktaHookDelivery, oktaLogEvent } from './testing/samples';

const topics = topicNames('geo.');
const limits = { eventsPerSecond: 100_000, burst: 100_000 };
const sources: SourceDefinition[] = [
  {
    name: 'cloudflare',
    format: 'cloudflare',
    secret: 'cf-logpush-token-0123',
    auth: { type: 'bearer', secretEnv: 'X' },
    rateLimit: limits,
  },
  {
    name: 'okta',
    format: 'okta-event-hook',
    secret: 'okta-secret-0123456',
    auth: { type: 'header', header: 'authorization', secretEnv: 'X' },
    rateLimit: limits,
  },
];
const countryOf = parseIpCountryCsv(
  '198.41.128.0,198.41.255.255,US\n5.2.64.0,5.2.79.255,RO\n',
  'countries.csv',
);

describe('ingest adds the country of the actor’s address (GEOIP_COUNTRY_FILE)', () => {
  it('to Cloudflare entries, which name none; an address the table does not hold gets none; a country the source gave stands', async () => {
    const bus = new RecordingBus();
    const app = buildIngestServer({
      bus,
      topics,
      sources,
      logger: silentLogger,
      clock: new ManualClock(),
      countryOf,
    });
    try {
      const body = logpushBody([
        logpushV1({ ID: 'geo-1', ActorIP: '5.2.70.9' }),
        logpushV1({ ID: 'geo-2', ActorIP: '192.0.2.1' }),
      ]);
      const cf = await app.inject({
        method: 'POST',
        url: '/v1/events/cloudflare',
        headers: {
          authorization: 'Bearer cf-logpush-token-0123',
          'content-type': 'application/octet-stream',
        },
        payload: body,
      });
      expect(cf.statusCode).toBe(202);
      const okta = oktaLogEvent({
        uuid: 'geo-3',
        client: { ipAddress: '5.2.70.9', geographicalContext: { country: 'Romania' } },
      });
      const res = await app.inject({
        method: 'POST',
        url: '/v1/events/okta',
        headers: { authorization: 'okta-secret-0123456', 'content-type': 'application/json' },
        payload: JSON.stringify(oktaHookDelivery([okta])),
      });
      expect(res.statusCode).toBe(202);
      const countries = (bus.values(topics.events) as VigilEvent[]).map((e) => [
        e.id,
        e.attributes['vigil.country'],
      ]);
      expect(countries).toEqual([
        ['cloudflare:geo-1', 'RO'],
        ['cloudflare:geo-2', undefined],
        ['okta:geo-3', 'RO'],
      ]);
    } finally {
      await app.close();
    }
  });
});
