import { Redis } from 'ioredis';
import { ConfigError } from '@vigil/runtime';
import { silentLogger } from '@vigil/telemetry';
import { afterEach, describe, expect, test } from '../../../test/fixtures/services';
import { guardTopicLayout } from './topic-layout-guard';

const clients: Redis[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.quit();
});

describe('the topic layout guard', () => {
  test('records the first count, passes the same, refuses another and names both and the way out', async ({ uid, redisUrl }) => {
    const redis = new Redis(redisUrl);
    clients.push(redis);
    const keyPrefix = `${uid}:det:`;
    const base = { redis, keyPrefix, topic: 'vigil.events', logger: silentLogger };
    expect(await guardTopicLayout({ ...base, partitions: 12 })).toBe('recorded');
    expect(await guardTopicLayout({ ...base, partitions: 12 })).toBe('unchanged');
    await redis.set(`${keyPrefix}w:brute-force:alice`, '5');
    const refusal = await guardTopicLayout({ ...base, partitions: 16 }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ConfigError);
    expect((refusal as ConfigError).problems[0]).toMatch(/vigil\.events has 16 partitions, but the detector state .* was built for 12.*DETECTOR_ACCEPT_PARTITIONS=16/);
    // Consent for another count than the topic's is no consent.
    await expect(guardTopicLayout({ ...base, partitions: 16, accept: 24 })).rejects.toBeInstanceOf(ConfigError);
    expect(await redis.get(`${keyPrefix}w:brute-force:alice`)).toBe('5');
    await redis.del(`${keyPrefix}w:brute-force:alice`, `${keyPrefix}layout:vigil.events`);
  });

  test('with consent for the new count, drops only this prefix’s state and records the new count', async ({ uid, redisUrl }) => {
    const redis = new Redis(redisUrl);
    clients.push(redis);
    const keyPrefix = `${uid}:det[1]:`;
    const neighbour = `${uid}:det1:w:x`;
    const base = { redis, keyPrefix, topic: 'vigil.events', logger: silentLogger };
    await guardTopicLayout({ ...base, partitions: 12 });
    for (let i = 0; i < 2500; i++) await redis.set(`${keyPrefix}w:k${i}`, '1');
    await redis.set(neighbour, 'kept');
    expect(await guardTopicLayout({ ...base, partitions: 16, accept: 16 })).toBe('rebuilding');
    expect(await redis.keys(`${uid}:det\\[1\\]:w:*`)).toEqual([]);
    expect(await redis.get(neighbour)).toBe('kept');
    expect(await guardTopicLayout({ ...base, partitions: 16 })).toBe('unchanged');
    await redis.del(neighbour, `${keyPrefix}layout:vigil.events`);
  });
});
