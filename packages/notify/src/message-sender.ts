import { LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import type { DeliveredMessage } from '@vigil/incidents';
import type { Logger } from '@vigil/telemetry';
import type { MessageBlock } from './slack-message';

export interface NewMessage {
  channel: string;
  text: string;
  blocks?: MessageBlock[];
  /** Set for a reply in the incident's thread. */
  threadTs?: string;
}

export interface MessageEdit {
  /** The channel id Slack answered when the message was posted. */
  channel: string;
  ts: string;
  text: string;
  blocks: MessageBlock[];
}

/** The two Slack calls a notification makes; they throw the client's coded errors. */
export interface MessageSender {
  post(message: NewMessage): Promise<DeliveredMessage>;
  update(edit: MessageEdit): Promise<DeliveredMessage>;
}

export interface SlackSenderOptions {
  token: string;
  /** e.g. a stand-in's `http://127.0.0.1:PORT/api/`; Slack itself by default. */
  apiUrl?: string;
  /** Per call; well under the job lock so a hung call cannot outlive its job. */
  timeoutMs?: number;
  logger: Logger;
}

export function createSlackSender(options: SlackSenderOptions): MessageSender {
  const client = new WebClient(options.token, {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    // BullMQ owns retries and waits: a client that slept through a Retry-After would hold a worker
    // slot and the job lock, and its own retries would hide failures from the attempt count.
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: options.timeoutMs ?? 10_000,
    logger: slackLogger(options.logger.child({ component: 'slack-web-api' })),
  });

  return {
    async post({ channel, text, blocks, threadTs }) {
      const result = await client.chat.postMessage({
        channel,
        text,
        ...(blocks ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        unfurl_links: false,
        unfurl_media: false,
      });
      if (!result.ts) throw new Error('chat.postMessage answered without a ts');
      return {
        method: 'chat.postMessage',
        channel: result.channel ?? channel,
        ts: result.ts,
        ...(threadTs ? { threadTs } : {}),
        text,
      };
    },
    async update({ channel, ts, text, blocks }) {
      const result = await client.chat.update({ channel, ts, text, blocks });
      return { method: 'chat.update', channel: result.channel ?? channel, ts: result.ts ?? ts, text };
    },
  };
}

/**
 * The client logs every failed request at warn; the notifier logs the outcome itself, so the
 * client's own lines go to debug and only its errors stay errors.
 */
export function slackLogger(logger: Logger): SlackLogger {
  let level = LogLevel.DEBUG;
  const line = (parts: unknown[]) =>
    parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
  return {
    debug: (...msg) => logger.debug({}, line(msg)),
    info: (...msg) => logger.debug({}, line(msg)),
    warn: (...msg) => logger.debug({}, line(msg)),
    error: (...msg) => logger.error({}, line(msg)),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
