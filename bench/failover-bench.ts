import { Kafka, logLevel } from 'kafkajs';
import { startServiceProcess, type ServiceProcess } from './detector-process';
import { mixedEventJson } from './detector-bench';
import { startLoadProducer } from './load-producer';
import { offerLoad } from './sustained-detector';

export interface FailoverFigures {
  sessionTimeoutMs: number;
  /** kill -9 of one of two detectors → every partition's committed offset moving again. */
  resumeMs: number;
  /** SIGTERM of one of two detectors → the same. */
  gracefulResumeMs: number;
}

/** Per partition, the group's committed offset. */
async function committed(
  admin: ReturnType<Kafka['admin']>,
  groupId: string,
  topic: string,
): Promise<Map<number, number>> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((offsets?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

const JOINED = /joined consumer group/;

/** The partitions of `topic` a detector process last logged as its own ('joined consumer group'). */
function owned(member: ServiceProcess, topic: string): number[] {
  const line = member.latest(JOINED);
  if (!line) return [];
  try {
    const entry = JSON.parse(line) as { assignment?: Record<string, number[]> };
    return entry.assignment?.[topic] ?? [];
  } catch {
    return [];
  }
}

/**
 * Waits until the members' logged assignments split the topic's partitions among all of them, none
 * twice, none left out, so that a kill takes partitions with it (a member flapping out of the group on a
 * too-short session timeout would make a kill cost nothing and the figure meaningless).
 */
async function settled(group: ServiceProcess[], topic: string, partitions: number, capMs: number): Promise<void> {
  const t0 = performance.now();
  let last = '';
  while (performance.now() - t0 < capMs) {
    const shares = group.map((member) => owned(member, topic));
    const all = shares.flat();
    last = shares.map((p) => `[${p.join(',')}]`).join(' ');
    if (shares.every((p) => p.length > 0) && all.length === partitions && new Set(all).size === partitions) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`failover bench: the group did not settle with ${group.length} members (last assignments: ${last})`);
}

/** Waits until every partition's committed offset moved past where it was at `since`; returns ms since `t0`. */
async function allMoving(
  admin: ReturnType<Kafka['admin']>,
  groupId: string,
  topic: string,
  t0: number,
  capMs: number,
): Promise<number> {
  const at = await committed(admin, groupId, topic);
  const moved = new Set<number>();
  while (performance.now() - t0 < capMs) {
    await new Promise((r) => setTimeout(r, 100));
    for (const [partition, offset] of await committed(admin, groupId, topic)) {
      if (offset > (at.get(partition) ?? -1)) moved.add(partition);
    }
    if (moved.size >= at.size && at.size > 0) return performance.now() - t0;
  }
  return NaN;
}

/**
 * Three detector processes in one group share the events topic under a steady load; one is killed
 * (SIGKILL, no goodbye), and the figure is how long until every partition is processed again. Then
 * the same with a graceful stop (SIGTERM, the member leaves the group at once).
 */
export async function measureFailover(options: {
  brokers: string[];
  redisUrl: string;
  prefix: string;
  rate: number;
  sessionTimeoutMs: number;
}): Promise<FailoverFigures> {
  const topic = `${options.prefix}vigil.events`;
  const groupId = `${options.prefix}det-failover`;
  const kafka = new Kafka({
    clientId: 'vigil-bench-failover',
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const [producer] = await Promise.all([startLoadProducer(options.brokers, 'platformatic'), admin.connect()]);
  const index = { i: 0 };
  const runId = `f${Date.now()}`;
  await producer.send(topic, [mixedEventJson(index.i++, runId, Date.now())]);
  const env = {
    KAFKA_BROKERS: options.brokers.join(','),
    TOPIC_PREFIX: options.prefix,
    REDIS_URL: options.redisUrl,
    DETECTOR_GROUP: groupId,
    DETECTOR_KEY_PREFIX: `${options.prefix}det:`,
    // Three detectors on one host: each takes a free admin (health, metrics) port.
    DETECTOR_ADMIN_PORT: '0',
    KAFKA_SESSION_TIMEOUT_MS: String(options.sessionTimeoutMs),
    KAFKA_HEARTBEAT_INTERVAL_MS: String(Math.max(100, Math.floor(options.sessionTimeoutMs / 6))),
  };
  const load = offerLoad(producer, topic, options.rate, runId, index);
  const started: ServiceProcess[] = [];
  try {
    // One after the other: the mock broker answers a SyncGroup that races a join with INVALID_REQUEST.
    for (let i = 0; i < 3; i++) {
      const member = startServiceProcess('detector', env, { track: [JOINED] });
      started.push(member);
      await member.logged(/detector consuming/);
    }
    // Settled: all three members own partitions and every partition moves.
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = topics[0]?.partitions.length ?? 0;
    await settled(started, topic, partitions, 120_000);
    await allMoving(admin, groupId, topic, performance.now(), 120_000);
    await settled(started, topic, partitions, 1_000);
    let t0 = performance.now();
    await started[0]?.kill();
    const resumeMs = await allMoving(admin, groupId, topic, t0, 120_000);
    await allMoving(admin, groupId, topic, performance.now(), 60_000);
    await settled(started.slice(1), topic, partitions, 60_000);
    t0 = performance.now();
    const stopping = started[1]?.stop();
    const gracefulResumeMs = await allMoving(admin, groupId, topic, t0, 120_000);
    await stopping;
    return { sessionTimeoutMs: options.sessionTimeoutMs, resumeMs, gracefulResumeMs };
  } finally {
    await load.stop();
    await Promise.all(started.map((p) => p.kill()));
    await Promise.all([producer.close(), admin.disconnect()]);
  }
}
