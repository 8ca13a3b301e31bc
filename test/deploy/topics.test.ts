import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadTopicsFile, planTopics } from '@vigil/bus';
import { topicNames } from '@vigil/schema';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/services';
import { topicsApplyCommand } from '../../services/vigil/src/topics-command';

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const specs = loadTopicsFile(repo('infra/kafka/topics.yaml'));

describe('infra/kafka/topics.yaml', () => {
  it('names every topic the services use', () => {
    expect(specs.map((s) => s.name).sort()).toEqual(Object.values(topicNames('')).sort());
  });

  it('agrees with create-topics.sh: names, partitions, retention and replication', () => {
    const script = readFileSync(repo('infra/kafka/create-topics.sh'), 'utf8');
    const created = [...script.matchAll(/^create (\S+) (\d+) (\d+)$/gm)].map(([, name, partitions, retention]) => ({
      name,
      partitions: Number(partitions),
      'retention.ms': Number(retention),
    }));
    expect(created).toEqual(specs.map(({ name, partitions, 'retention.ms': retention }) => ({ name, partitions, 'retention.ms': retention })));
    const replication = Number(/replication=\$\{REPLICATION:-(\d+)\}/.exec(script)?.[1]);
    for (const spec of specs) expect(spec.replication).toBe(replication);
  });

  it('plans creation of missing topics and refuses to touch a partition count that differs', () => {
    const plan = planTopics(specs, 'p.', new Map([['p.vigil.events', 4], ['p.vigil.detections', 6]]));
    expect(plan.map((a) => [a.kind, a.topic])).toEqual([
      ['partitions-differ', 'p.vigil.events'],
      ['create', 'p.vigil.events.dlq'],
      ['ok', 'p.vigil.detections'],
      ['create', 'p.vigil.detections.dlq'],
      ['create', 'p.vigil.findings.ocsf'],
    ]);
  });
});

describe('vigil topics apply --check against a Kafka cluster', () => {
  test('reports the missing topics and a partition count that differs, and exits 1', async ({ uid, kafkaBrokers }) => {
    // The mock cluster auto-creates a topic with 4 partitions on first produce; the file wants 12.
    const kafka = new Kafka({ clientId: uid, brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic: `${uid}.vigil.events`, messages: [{ key: 'k', value: 'v' }] });
    await producer.disconnect();

    const out: string[] = [];
    const err: string[] = [];
    const status = await topicsApplyCommand(['--check'], { KAFKA_BROKERS: kafkaBrokers.join(','), TOPIC_PREFIX: `${uid}.` }, {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    });
    expect(status).toBe(1);
    expect(err).toEqual([`${uid}.vigil.events: has 4 partitions, the topics file says 12; not changed (detector state is built for one count)`]);
    expect(out).toEqual([
      `${uid}.vigil.events.dlq: missing, 3 partitions`,
      `${uid}.vigil.detections: missing, 6 partitions`,
      `${uid}.vigil.detections.dlq: missing, 3 partitions`,
      `${uid}.vigil.findings.ocsf: missing, 6 partitions`,
    ]);
  });

  it('needs KAFKA_BROKERS', async () => {
    const err: string[] = [];
    expect(await topicsApplyCommand([], {}, { out: () => undefined, err: (line) => err.push(line) })).toBe(2);
    expect(err[0]).toMatch(/KAFKA_BROKERS: required/);
  });
});
