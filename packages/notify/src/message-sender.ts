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
  /** Carried as Slack message metadata, so `findPosted` can tell whether this post already went out. */
  marker?: PostMarker;
}

/** Which notification step a message is: what makes a post findable after a crash. */
export interface PostMarker {
  notificationId: string;
  step: string;
}

export interface PostedQuery {
  /** As the post was addressed: a channel name or id. */
  channel: string;
  threadTs?: string;
  marker: PostMarker;
  /** Slack ts before which the post cannot have gone out. */
  oldestTs: string;
}

export interface MessageEdit {
  /** The channel id Slack answered when the message was posted. */
  channel: string;
  ts: string;
  text: string;
  blocks: MessageBlock[];
}

/** The Slack calls a notification makes; they throw the client's coded errors. */
export interface MessageSender {
  post(message: NewMessage): Promise<DeliveredMessage>;
  update(edit: MessageEdit): Promise<DeliveredMessage>;
  /** The post with this marker, if Slack has it (read back with conversations.history / replies). */
  findPosted?(query: PostedQuery): Promise<DeliveredMessage | undefined>;
}

/** The `event_type` of Vigil's message metadata. */
export const POST_MARKER_EVENT = 'vigil_notification';
const SLACK_ID = /^[CGD][A-Z0-9]{6,}$/;

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

  const channelIds = new Map<string, string>();
  /** conversations.history takes only ids; a name is looked up once per process. */
  const channelIdOf = async (channel: string): Promise<string | undefined> => {
    if (SLACK_ID.test(channel)) return channel;
    const name = channel.replace(/^#/, '');
    if (channelIds.has(name)) return channelIds.get(name);
    let cursor: string | undefined;
    do {
      const page = await client.conversations.list({ types: 'public_channel,private_channel', exclude_archived: true, limit: 1000, ...(cursor ? { cursor } : {}) });
      for (const found of page.channels ?? []) if (found.id && found.name) channelIds.set(found.name, found.id);
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor && !channelIds.has(name));
    return channelIds.get(name);
  };

  return {
    async post({ channel, text, blocks, threadTs, marker }) {
      const result = await client.chat.postMessage({
        channel,
        text,
        ...(blocks ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        ...(marker ? { metadata: { event_type: POST_MARKER_EVENT, event_payload: { notification_id: marker.notificationId, step: marker.step } } } : {}),
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
    async findPosted({ channel, threadTs, marker, oldestTs }) {
      const id = await channelIdOf(channel);
      if (!id) return undefined;
      const query = { channel: id, oldest: oldestTs, include_all_metadata: true, limit: 200 };
      const page = threadTs ? await client.conversations.replies({ ...query, ts: threadTs }) : await client.conversations.history(query);
      const found = (page.messages ?? []).find((message) => {
        const payload = (message.metadata?.event_type === POST_MARKER_EVENT ? message.metadata.event_payload : undefined) as Record<string, unknown> | undefined;
        return payload?.notification_id === marker.notificationId && payload.step === marker.step;
      });
      if (!found?.ts) return undefined;
      return { method: 'chat.postMessage', channel: id, ts: found.ts, ...(threadTs ? { threadTs } : {}), text: found.text ?? '' };
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
