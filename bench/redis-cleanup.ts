import { Redis } from 'ioredis';

/**
 * Deletes every key whose name contains `fragment` (a bench run's id: the detectors' state, the
 * notification queues, the delivery journals), so a bench leaves the Redis it was pointed at as it
 * found it. Returns how many keys went.
 */
export async function deleteRunKeys(url: string, fragment: string): Promise<number> {
  if (!/^[A-Za-z0-9]+$/.test(fragment)) throw new Error(`not a run id: ${JSON.stringify(fragment)}`);
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${fragment}*`, 'COUNT', 2000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
