import type { SignedCheckpoint, Witness } from '@vigil/incidents';
import type { Logger } from '@vigil/telemetry';
import { createSlackSender, type MessageSender } from './message-sender';

export interface SlackCheckpointWitnessOptions {
  /** The channel that receives one message per checkpoint; keep it one the register's operators cannot edit. */
  channel: string;
  token: string;
  apiUrl?: string;
  logger: Logger;
  /** Tests may pass their own sender; the official client otherwise. */
  sender?: MessageSender;
}

/**
 * Posts each signed checkpoint to a Slack channel, through the same sender as incident messages. Slack
 * keeps the message out of the database administrator's reach; its text carries the checkpoint as one
 * line of JSON, exactly what the stand-alone verifier takes as a kept checkpoint.
 */
export function slackCheckpointWitness(options: SlackCheckpointWitnessOptions): Witness {
  const sender =
    options.sender ??
    createSlackSender({
      token: options.token,
      ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
      logger: options.logger,
    });
  return {
    name: `slack:${options.channel}`,
    async publish(checkpoint) {
      const delivered = await sender.post({ channel: options.channel, text: checkpointText(checkpoint) });
      return { channel: delivered.channel, ts: delivered.ts };
    },
  };
}

export function checkpointText(checkpoint: SignedCheckpoint): string {
  return [
    `Vigil register checkpoint #${checkpoint.seq}: ${checkpoint.treeSize} timeline entries, root ${checkpoint.root}, signed at ${checkpoint.at}`,
    '```',
    JSON.stringify(checkpoint),
    '```',
  ].join('\n');
}
