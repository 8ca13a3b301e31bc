/**
 * Runs every rule's fixtures against Redis and prints which pass, and which SOC 2 criteria the
 * catalog covers. Exit status: 0 all passed, 1 a fixture failed, 2 it could not run (e.g. no Redis).
 *
 *   REDIS_URL=redis://127.0.0.1:6379 pnpm exec tsx packages/rules/src/cli/rule-coverage.ts
 *
 * Its keys live under a prefix of its own (`vigil-rule-coverage:<random>:`) and are deleted after.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { catalog } from '../catalog';
import { formatCoverage, ruleCoverage } from '../coverage';

async function main(): Promise<number> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    const keyPrefix = `vigil-rule-coverage:${Date.now().toString(36)}${randomBytes(4).toString('hex')}:`;
    const report = await ruleCoverage({ redis, keyPrefix, rules: catalog });
    process.stdout.write(formatCoverage(report));
    return report.passed ? 0 : 1;
  } finally {
    redis.disconnect();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`rule-coverage: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
