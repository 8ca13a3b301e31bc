/**
 * Detections as code, from the command line.
 *
 *   pnpm rules test DIR              load every rule of DIR, run every inline test, print pass/fail
 *   pnpm rules backtest DIR EVENTS   run DIR's rules over EVENTS (JSON lines of normalised events,
 *                                    e.g. a dump of the events topic) and print what would have fired
 *
 * Exit status: 0 all good, 1 a test failed, 2 the rules are invalid or it could not run (e.g. no
 * Redis). Both need Redis (REDIS_URL, default redis://127.0.0.1:6379): the inline tests run on the
 * detector's own primitives. Keys live under a prefix of their own and are deleted after.
 */
// The command itself; cli/rules.ts runs it as a script (pnpm rules).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '@vigil/runtime';
import { Redis } from 'ioredis';
import { catalog } from '../catalog';
import { formatRuleTests, loadRulesDirectory, readEventLines, runBacktest, runRuleTests } from '../custom';

const USAGE = 'usage: rules test DIR | rules backtest DIR EVENTS.jsonl [--with-catalog]\n';

async function withRedis<T>(run: (redis: Redis, keyPrefix: string) => Promise<T>): Promise<T> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  const keyPrefix = `vigil-rules-cli:${Date.now().toString(36)}${randomBytes(4).toString('hex')}:`;
  try {
    await redis.connect();
    return await run(redis, keyPrefix);
  } finally {
    if (redis.status === 'ready') {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    }
    redis.disconnect();
  }
}

/** `rules test DIR` / `rules backtest DIR EVENTS.jsonl [--with-catalog]`; also `vigil rules test|backtest`. */
export async function rulesCommand(args: string[]): Promise<number> {
  const [command, dir, eventsFile] = args;
  if (!dir || (command !== 'test' && command !== 'backtest') || (command === 'backtest' && !eventsFile)) {
    process.stderr.write(USAGE);
    return 2;
  }
  let loaded;
  try {
    loaded = loadRulesDirectory(
      dir,
      catalog.map((r) => r.id),
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`invalid rules in ${dir}:\n${error.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 2;
  }
  if (command === 'test') {
    const outcomes = await withRedis((redis, keyPrefix) =>
      runRuleTests(loaded.rules, loaded.fileOf, { redis, keyPrefix }),
    );
    process.stdout.write(formatRuleTests(outcomes));
    return outcomes.every((o) => o.passed) ? 0 : 1;
  }
  const events = readEventLines(readFileSync(eventsFile!, 'utf8'), eventsFile!);
  const rules = args.includes('--with-catalog') ? [...catalog, ...loaded.rules] : loaded.rules;
  const result = await withRedis((redis, keyPrefix) => runBacktest(rules, events, { redis, keyPrefix }));
  for (const d of result.detections) {
    process.stdout.write(
      `${d.firstEventAt}  ${d.status.padEnd(8)} ${d.ruleId}  ${d.title}\n    ${d.summary}\n`,
    );
  }
  process.stdout.write(
    `${result.events} events, ${result.detections.length} detections, ${result.late.length} late events not counted\n`,
  );
  return 0;
}
