/**
 * How many events a second one detector pushes through the full catalog, on a mix shaped like
 * production traffic: 55 % successful sign-ins, 5 % failed ones (5,000 users, many IPs), 29 % API
 * calls, 5 % account changes, 1 % uptime checks (100 services, 3 regions), 3 % heartbeats, 2 %
 * backups; every source registered with logging.source-silent. Set RULES=id,id to measure a subset.
 * A measurement, not a test: prints events/s and Redis commands per batch.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 pnpm exec tsx packages/rules/src/cli/catalog-throughput.ts [batches] [batch size]
 */
import { randomBytes } from 'node:crypto';
import { ManualClock } from '@vigil/runtime';
import {
  BACKUP_STATE,
  CHANGE,
  OCSF_CLASS_BY_KIND,
  REGION,
  type EventKind,
  type VigilEvent,
} from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { Redis } from 'ioredis';
import { catalog } from '../catalog';
import { createDetector, type BatchMessage } from '../detector';
import { applyOverrides } from '../rule-overrides';

const SOURCES = ['okta', 'google', 'cloudtrail', 'github', 'prober', 'aws-backup', 'log-shipper'];

/** A deterministic mix: the n-th event of the stream. */
export function mixedEvent(n: number, timeMs: number): VigilEvent {
  const r = (n * 2654435761) % 1000;
  const time = new Date(timeMs).toISOString();
  const base = (kind: EventKind, source: string): VigilEvent => ({
    id: `${source}:bench-${n}`,
    source,
    kind,
    action: 'bench',
    ocsfClassUid: OCSF_CLASS_BY_KIND[kind],
    time,
    receivedAt: time,
    entity: { type: 'user', id: `user${n % 5000}@example.com` },
    outcome: 'success',
    actor: { user: `user${n % 5000}@example.com`, ip: `10.0.${(n >> 8) % 200}.${n % 250}` },
    attributes: {},
    raw: null,
  });
  if (r < 550) return base('authentication', n % 3 ? 'okta' : 'google');
  if (r < 600) return { ...base('authentication', 'okta'), outcome: 'failure' };
  if (r < 890)
    return {
      ...base('api_activity', n % 4 ? 'cloudtrail' : 'github'),
      entity: { type: 'resource', id: 'ec2' },
    };
  if (r < 940) return { ...base('account_change', 'okta'), attributes: { [CHANGE]: 'password-reset' } };
  if (r < 950) {
    return {
      ...base('uptime_check', 'prober'),
      entity: { type: 'service', id: `svc${n % 100}` },
      actor: {},
      outcome: n % 97 === 0 ? 'failure' : 'success',
      attributes: { [REGION]: ['eu', 'us', 'ap'][n % 3] ?? 'eu' },
    };
  }
  if (r < 980)
    return { ...base('heartbeat', 'log-shipper'), entity: { type: 'source', id: 'log-shipper' }, actor: {} };
  return {
    ...base('backup', 'aws-backup'),
    entity: { type: 'resource', id: `db${n % 20}` },
    actor: {},
    attributes: { [BACKUP_STATE]: 'completed' },
  };
}

async function main(): Promise<void> {
  const batches = Number(process.argv[2] ?? 60);
  const size = Number(process.argv[3] ?? 1000);
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const keyPrefix = `vigil-throughput:${randomBytes(4).toString('hex')}:`;
  const only = process.env.RULES?.split(',');
  const rules = applyOverrides(catalog, {
    'logging.source-silent': { parameters: { sources: Object.fromEntries(SOURCES.map((s) => [s, 300])) } },
  }).filter((rule) => !only || only.includes(rule.id));
  const start = Date.parse('2026-01-01T00:00:00Z');
  const clock = new ManualClock(start);
  const detector = createDetector({ redis, keyPrefix, rules, clock, logger: silentLogger });
  const pipeline = redis.pipeline.bind(redis);
  let commands = 0;
  redis.pipeline = ((...args: Parameters<typeof pipeline>) => {
    const p = pipeline(...args);
    const exec = p.exec.bind(p);
    p.exec = (...a: Parameters<typeof exec>) => {
      commands += p.length;
      return exec(...a);
    };
    return p;
  }) as typeof redis.pipeline;
  try {
    let n = 0;
    const batch = () => {
      const messages: BatchMessage[] = [];
      for (let i = 0; i < size; i++, n++) {
        // 30,000 events a second of event time.
        const event = mixedEvent(n, start + Math.floor(n / 30));
        messages.push({ event, position: { topic: 'vigil.events', partition: 0, offset: String(n) } });
      }
      clock.set(start + Math.floor(n / 30));
      return messages;
    };
    for (let i = 0; i < 5; i++) await detector.processBatch(batch());
    commands = 0;
    let detections = 0;
    // Wall time depends on what else the machine runs; CPU time per event (ours and Redis's) less so.
    const redisCpu = async () => {
      const info = await redis.info('cpu');
      const value = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
      return value('used_cpu_user') + value('used_cpu_sys');
    };
    const events = batches * size;
    const redisBefore = await redisCpu();
    const cpuBefore = process.cpuUsage();
    const began = process.hrtime.bigint();
    for (let i = 0; i < batches; i++) {
      const result = await detector.processBatch(batch());
      detections += result.detections.length;
      await detector.release(result.markers); // as the stage does once the detections are published
    }
    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    const nodeUs = (cpu.user + cpu.system) / events;
    const redisUs = (((await redisCpu()) - redisBefore) * 1e6) / events;
    process.stdout.write(
      `${events} events in ${seconds.toFixed(2)} s: ${Math.round(events / seconds)} events/s through ` +
        `${rules.length} rules; ${(commands / batches).toFixed(1)} Redis commands per batch of ${size}; ` +
        `${detections} detections\n` +
        `CPU per event: detector ${nodeUs.toFixed(1)} µs (including generating the events), Redis ` +
        `${redisUs.toFixed(1)} µs; one after the other, uncontended: ~${Math.round(1e6 / (nodeUs + redisUs))} events/s\n`,
    );
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  }
}

if (process.argv[1]?.endsWith('catalog-throughput.ts')) {
  main().catch((error: unknown) => {
    process.stderr.write(`catalog-throughput: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  });
}
