import { Redis } from 'ioredis';
import pg from 'pg';
import { classifyFailure, describeFailure, RetryableError } from '@vigil/runtime';
import { freePort } from '../fixtures/private-servers';
import { describe, expect, test } from '../fixtures/services';

/** The classification decides whether a record is set aside or retried forever: checked on the real drivers' errors. */

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('failure classes from real Redis and PostgreSQL errors', () => {
  test('Redis: cjson refusing a lone surrogate is poison (also wrapped in a RetryableError); a refused connection is transient', async ({ redis }) => {
    const script = await failure(() => redis.eval('return cjson.decode(ARGV[1])', 0, '["\\ud800"]'));
    expect(String(script)).toMatch(/invalid unicode escape|Expected value/);
    expect(classifyFailure(script)).toBe('poison');
    expect(classifyFailure(new RetryableError('redis command failed', undefined, { cause: script }))).toBe('poison');

    const down = new Redis({ port: await freePort(), maxRetriesPerRequest: 1, retryStrategy: () => 50, lazyConnect: false });
    down.on('error', () => undefined);
    try {
      const unreachable = await failure(() => down.get('k'));
      expect(classifyFailure(unreachable)).toBe('transient');
      expect(classifyFailure(new RetryableError('redis pipeline failed', undefined, { cause: unreachable }))).toBe('transient');
    } finally {
      down.disconnect();
    }
  });

  test('PostgreSQL: NUL and out-of-range values are poison with their SQLSTATE; a refused connection and a missing table are transient', async ({ database }) => {
    await database.pool.query('CREATE TABLE t (s text, n bigint)');
    const nul = await failure(() => database.pool.query('INSERT INTO t (s) VALUES ($1)', ['a\u0000b']));
    expect(classifyFailure(nul)).toBe('poison');
    expect(describeFailure(nul).code).toBe('22021');
    const overflow = await failure(() => database.pool.query('INSERT INTO t (n) VALUES ($1)', ['99999999999999999999999']));
    expect(classifyFailure(overflow)).toBe('poison');

    const missing = await failure(() => database.pool.query('SELECT * FROM no_such_table'));
    expect(classifyFailure(missing)).toBe('transient');

    const down = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/x`, connectionTimeoutMillis: 500 });
    try {
      expect(classifyFailure(await failure(() => down.query('SELECT 1')))).toBe('transient');
    } finally {
      await down.end();
    }
  });
});
