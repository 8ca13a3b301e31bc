import { WebClient } from '@slack/web-api';
import type { Logger } from '@vigil/telemetry';
import { withDeadline } from '../deadline';
import { slackLogger } from '../message-sender';
import type { ModalView } from './incident-modals';

export interface EphemeralMessage {
  channel: string;
  /** Only this user sees it. */
  user: string;
  text: string;
}

/** The Slack calls interactivity makes, besides the notifier's own message updates. */
export interface SlackInteractionClient {
  /** `views.open`; gives up after `timeoutMs`, since the trigger id is dead 3 s after the click anyway. */
  openView(triggerId: string, view: ModalView, timeoutMs: number): Promise<void>;
  /** `chat.postEphemeral`: a reply only the person who clicked sees. */
  postEphemeral(message: EphemeralMessage): Promise<void>;
}

export interface SlackInteractionClientOptions {
  /** The bot token (`xoxb-…`), the notifier's. */
  token: string;
  /** e.g. a stand-in's `http://127.0.0.1:PORT/api/`; Slack itself by default. */
  apiUrl?: string;
  /** Per call, for calls made after the answer (ephemeral messages). */
  timeoutMs?: number;
  logger: Logger;
}

export function createSlackInteractionClient(options: SlackInteractionClientOptions): SlackInteractionClient {
  const client = new WebClient(options.token, {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    // A retry would come after the trigger id expired, or after the person stopped looking.
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: options.timeoutMs ?? 5_000,
    logger: slackLogger(options.logger.child({ component: 'slack-web-api' })),
  });
  return {
    async openView(triggerId, view, timeoutMs) {
      await withDeadline(client.views.open({ trigger_id: triggerId, view }), timeoutMs, 'views.open');
    },
    async postEphemeral({ channel, user, text }) {
      await client.chat.postEphemeral({ channel, user, text });
    },
  };
}
