import { decode, KafkaBus, type IncomingMessage } from '@vigil/bus';
import { type TopicId, type TopicMessage } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { sleep } from './local-servers';

/**
 * Reads a topic from the beginning with a fresh consumer group until `count` records arrived, then
 * keeps listening for `settleMs` so a test also sees records it did not expect (duplicates).
 */
export async function readTopic<T extends TopicId>(options: {
  brokers: string[];
  topic: string;
  as: T;
  groupId: string;
  count: number;
  settleMs?: number;
  timeoutMs?: number;
}): Promise<Array<TopicMessage<T>>> {
  const bus = new KafkaBus({
    brokers: options.brokers,
    clientId: `${options.groupId}-reader`,
    logger: silentLogger,
    // The mock broker's least accepted session timeout; keeps group joins short in tests.
    sessionTimeoutMs: 6_000,
    heartbeatIntervalMs: 500,
    maxWaitTimeMs: 250,
  });
  const seen: IncomingMessage[] = [];
  try {
    await bus.subscribe({
      groupId: options.groupId,
      topics: [options.topic],
      fromBeginning: true,
      eachBatch: async (batch) => {
        seen.push(...batch.messages);
      },
    });
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    while (seen.length < options.count && Date.now() < deadline) await sleep(50);
    await sleep(options.settleMs ?? 1_000);
  } finally {
    await bus.stop();
  }
  return seen.map((message) => {
    const decoded = decode(options.as, message);
    if (!decoded.ok) throw new Error(`${options.topic} holds a record that does not decode: ${decoded.reason}`);
    return decoded.value;
  });
}
