import { errorMessage } from '@vigil/runtime';

/** One dependency a service cannot work without, and how to tell that it answers. */
export interface ReadinessCheck {
  /** Named in the 503 body: `redis`, `postgres`, `kafka`. */
  name: string;
  /** Resolves when the dependency answers; rejects (or times out) when it does not. */
  check(): Promise<void>;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: true } | { ok: false; error: string }>;
  /** Names of the dependencies that did not answer. */
  down: string[];
}

/** Runs every check at once, each bounded by `timeoutMs`, and reports which are down. */
export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs = 2000): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (entry) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          entry.check(),
          new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [entry.name, { ok: true }] as const;
      } catch (error) {
        return [entry.name, { ok: false, error: errorMessage(error) }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const down = results.filter(([, result]) => !result.ok).map(([name]) => name);
  return { ready: down.length === 0, checks: Object.fromEntries(results), down };
}

/** PostgreSQL answers a query. */
export function postgresCheck(pool: { query(sql: string): Promise<unknown> }): ReadinessCheck {
  return { name: 'postgres', check: async () => void (await pool.query('SELECT 1')) };
}

/** Redis answers PING. */
export function redisCheck(redis: { ping(): Promise<string> }, name = 'redis'): ReadinessCheck {
  return { name, check: async () => void (await redis.ping()) };
}

/** Kafka answers an admin request about `topic` (the broker is reachable and knows the topic). */
export function kafkaCheck(offsets: { topicOffsets(topic: string): Promise<unknown> }, topic: string): ReadinessCheck {
  return { name: 'kafka', check: async () => void (await offsets.topicOffsets(topic)) };
}
