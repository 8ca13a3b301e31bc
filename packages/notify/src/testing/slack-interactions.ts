import { randomBytes } from 'node:crypto';
import { SLACK_ACTION_IDS, type SlackButtonAction } from '../slack-actions';
import { signSlackRequest } from '../interactions/slack-signature';

export const SIGNING_SECRET = 'test-signing-secret-8f14e45fceea167a';

export interface SlackPerson {
  id: string;
  username: string;
}

export const ALICE: SlackPerson = { id: 'U0ALICE01', username: 'alice' };
export const BOB: SlackPerson = { id: 'U0BOB0001', username: 'bob' };

/** A `block_actions` payload as Slack sends it when a button on the incident message is clicked. */
export function clickPayload(options: {
  action: SlackButtonAction;
  incidentId: string;
  user?: SlackPerson;
  channel: string;
  messageTs: string;
  triggerId?: string;
  /** Unique per click; the same value twice is the same click delivered twice. */
  actionTs?: string;
}): Record<string, unknown> {
  const user = options.user ?? ALICE;
  const actionTs = options.actionTs ?? `${(Date.now() / 1000).toFixed(6)}`;
  return {
    type: 'block_actions',
    user: { id: user.id, username: user.username, name: user.username, team_id: 'T0VIGIL01' },
    api_app_id: 'A0VIGIL01',
    token: 'deprecated-verification-token',
    container: {
      type: 'message',
      message_ts: options.messageTs,
      channel_id: options.channel,
      is_ephemeral: false,
    },
    trigger_id: options.triggerId ?? `${Date.now()}.${randomBytes(4).toString('hex')}`,
    team: { id: 'T0VIGIL01', domain: 'vigil-test' },
    channel: { id: options.channel, name: 'sec-identity' },
    message: { type: 'message', ts: options.messageTs, text: 'INC', blocks: [] },
    response_url: 'https://hooks.slack.com/actions/T0VIGIL01/1/abc',
    actions: [
      {
        type: 'button',
        action_id: SLACK_ACTION_IDS[options.action],
        block_id: 'vigil.actions.open',
        value: options.incidentId,
        text: { type: 'plain_text', text: options.action, emoji: false },
        action_ts: actionTs,
      },
    ],
  };
}

/** A `view_submission` of a modal the stand-in opened (its `views.open` response `view`), with values typed in. */
export function submissionPayload(options: {
  view: { id: string; callback_id: string; private_metadata: string };
  user?: SlackPerson;
  /** Block id → value; null for an input left empty. */
  values: Record<string, string | null>;
}): Record<string, unknown> {
  const user = options.user ?? ALICE;
  const values = Object.fromEntries(
    Object.entries(options.values).map(([blockId, value]) => [
      blockId,
      { value: { type: blockId === 'postmortem_url' ? 'url_text_input' : 'plain_text_input', value } },
    ]),
  );
  return {
    type: 'view_submission',
    team: { id: 'T0VIGIL01', domain: 'vigil-test' },
    user: { id: user.id, username: user.username, name: user.username, team_id: 'T0VIGIL01' },
    api_app_id: 'A0VIGIL01',
    trigger_id: `${Date.now()}.${randomBytes(4).toString('hex')}`,
    view: {
      id: options.view.id,
      team_id: 'T0VIGIL01',
      type: 'modal',
      callback_id: options.view.callback_id,
      private_metadata: options.view.private_metadata,
      hash: `${Date.now()}.abc`,
      state: { values },
      blocks: [],
    },
    response_urls: [],
  };
}

export interface SignedInjection {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  payload: string;
}

/** The request Slack would make: the payload form-encoded, signed with `secret` at `timestampSeconds`. */
export function signedInteraction(
  payload: unknown,
  options: { secret?: string; timestampSeconds?: number; signature?: string; url?: string } = {},
): SignedInjection {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(options.timestampSeconds ?? Math.floor(Date.now() / 1000));
  return {
    method: 'POST',
    url: options.url ?? '/v1/slack/interactions',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature':
        options.signature ?? signSlackRequest(options.secret ?? SIGNING_SECRET, timestamp, body),
    },
    payload: body,
  };
}
