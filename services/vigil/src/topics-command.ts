import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { applyTopics, kafkaClientConfig, loadTopicsFile, type TopicAction } from '@vigil/bus';
import { ConfigError, errorMessage, shippedPath } from '@vigil/runtime';
import { Kafka, logLevel } from 'kafkajs';
import type { Io } from './commands';

/** `dist/kafka/topics.yaml` beside the bundle, or the repository's `infra/kafka/topics.yaml`. */
export const DEFAULT_TOPICS_FILE = fileURLToPath(shippedPath(import.meta.url, './kafka/topics.yaml', '../../../infra/kafka/topics.yaml'));

function describe(action: TopicAction): string {
  switch (action.kind) {
    case 'create':
      return `${action.topic}: missing, ${action.spec.partitions} partitions`;
    case 'ok':
      return `${action.topic}: ok, ${action.partitions} partitions`;
    case 'partitions-differ':
      return `${action.topic}: has ${action.have} partitions, the topics file says ${action.want}; not changed (detector state is built for one count)`;
  }
}

/** `vigil topics apply`: 0 when every topic is as the file says (after creating the missing), 1 on a difference, 2 when it could not run. */
export async function topicsApplyCommand(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: { file: { type: 'string' }, check: { type: 'boolean' }, replication: { type: 'string' } },
      strict: true,
    }).values;
  } catch (error) {
    io.err(`vigil topics apply: ${errorMessage(error)}`);
    return 2;
  }
  const replication = args.replication === undefined ? undefined : Number(args.replication);
  if (replication !== undefined && !(Number.isInteger(replication) && replication >= 1)) {
    io.err('vigil topics apply: --replication must be a whole number of at least 1');
    return 2;
  }
  let admin;
  try {
    const specs = loadTopicsFile(args.file ?? DEFAULT_TOPICS_FILE);
    const kafka = new Kafka({ ...kafkaClientConfig(env), clientId: `${env.KAFKA_CLIENT_ID ?? 'vigil'}-topics`, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    const plan = await applyTopics({ admin, specs, prefix: env.TOPIC_PREFIX ?? '', checkOnly: args.check ?? false, ...(replication ? { replication } : {}) });
    for (const action of plan) {
      const line = describe(action);
      if (action.kind === 'create') io.out(args.check ? line : `${line}: created`);
      else if (action.kind === 'ok') io.out(line);
      else io.err(line);
    }
    return plan.some((a) => a.kind === 'partitions-differ' || (args.check && a.kind === 'create')) ? 1 : 0;
  } catch (error) {
    const message = error instanceof ConfigError ? error.problems.join('; ') : errorMessage(error);
    io.err(`vigil topics apply: ${message}`);
    return 2;
  } finally {
    await admin?.disconnect().catch(() => undefined);
  }
}
