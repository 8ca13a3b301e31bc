import { readFileSync } from 'node:fs';
import type { Admin } from 'kafkajs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** One topic of `infra/kafka/topics.yaml`. */
export const TopicSpec = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'letters, digits, . _ - only'),
  partitions: z.number().int().min(1),
  replication: z.number().int().min(1),
  'retention.ms': z.number().int().min(-1).optional(),
});
export type TopicSpec = z.infer<typeof TopicSpec>;

export const TopicsFile = z.strictObject({ topics: z.array(TopicSpec).min(1) });

export function parseTopicsFile(text: string, path = 'topics file'): TopicSpec[] {
  const parsed = TopicsFile.safeParse(parseYaml(text));
  if (!parsed.success) {
    throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data.topics;
}

export const loadTopicsFile = (path: string): TopicSpec[] => parseTopicsFile(readFileSync(path, 'utf8'), path);

export type TopicAction =
  | { kind: 'create'; topic: string; spec: TopicSpec }
  | { kind: 'ok'; topic: string; partitions: number }
  | { kind: 'partitions-differ'; topic: string; want: number; have: number };

/**
 * What applying the file would do, given the partition count of each topic that exists. A topic whose count
 * differs is reported, never changed: events are keyed by entity, so more partitions would move entities
 * away from the state the detectors built for them.
 */
export function planTopics(specs: TopicSpec[], prefix: string, existing: ReadonlyMap<string, number>): TopicAction[] {
  return specs.map((spec) => {
    const topic = `${prefix}${spec.name}`;
    const have = existing.get(topic);
    if (have === undefined) return { kind: 'create', topic, spec };
    return have === spec.partitions ? { kind: 'ok', topic, partitions: have } : { kind: 'partitions-differ', topic, want: spec.partitions, have };
  });
}

/** Partition counts of the named topics that exist. */
export async function topicPartitions(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  const names = new Set(await admin.listTopics());
  const present = topics.filter((t) => names.has(t));
  const counts = new Map<string, number>();
  if (present.length === 0) return counts;
  const { topics: metadata } = await admin.fetchTopicMetadata({ topics: present });
  for (const t of metadata) counts.set(t.name, t.partitions.length);
  return counts;
}

export interface ApplyTopicsOptions {
  admin: Admin;
  specs: TopicSpec[];
  prefix: string;
  /** Replication to use instead of each topic's (a single-broker development cluster needs 1). */
  replication?: number;
  /** Only report; create nothing. */
  checkOnly?: boolean;
}

/** Creates the missing topics (unless `checkOnly`) and returns the plan that was carried out. */
export async function applyTopics(options: ApplyTopicsOptions): Promise<TopicAction[]> {
  const { admin, specs, prefix } = options;
  const plan = planTopics(specs, prefix, await topicPartitions(admin, specs.map((s) => `${prefix}${s.name}`)));
  const create = plan.flatMap((a) => (a.kind === 'create' ? [a] : []));
  if (!options.checkOnly && create.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: create.map(({ topic, spec }) => ({
        topic,
        numPartitions: spec.partitions,
        replicationFactor: options.replication ?? spec.replication,
        configEntries: spec['retention.ms'] === undefined ? [] : [{ name: 'retention.ms', value: String(spec['retention.ms']) }],
      })),
    });
  }
  return plan;
}
