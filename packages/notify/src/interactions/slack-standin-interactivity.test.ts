import { LogLevel, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startSlackStandin, type SlackStandin } from '../../../../test/fixtures/slack-standin';

const TOKEN = 'xoxb-standin-test';

/** The stand-in's interactivity surface: what the Slack route and the response timers rely on. */
describe('Slack stand-in: modals, ephemeral replies, reading a channel', () => {
  let slack: SlackStandin;
  let client: WebClient;

  beforeEach(async () => {
    slack = await startSlackStandin({ token: TOKEN });
    client = new WebClient(TOKEN, {
      slackApiUrl: slack.url,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
  });
  afterEach(async () => {
    await slack.stop();
  });

  test('views.open takes an issued trigger once, within its time, and a modal Slack would accept', async () => {
    const modal = {
      type: 'modal',
      callback_id: 'cb',
      private_metadata: '{"incidentId":"i-1"}',
      title: { type: 'plain_text', text: 'Resolve INC-1' },
      submit: { type: 'plain_text', text: 'Resolve' },
      blocks: [
        {
          type: 'input',
          block_id: 'b',
          label: { type: 'plain_text', text: 'x' },
          element: { type: 'plain_text_input', action_id: 'value' },
        },
      ],
    };
    const trigger = slack.issueTrigger();
    const opened = await client.views.open({ trigger_id: trigger, view: modal as never });
    expect(opened.view).toMatchObject({
      callback_id: 'cb',
      private_metadata: '{"incidentId":"i-1"}',
      id: expect.stringMatching(/^V/),
    });
    expect(slack.callsTo('views.open')[0]?.args.view).toEqual(modal);

    await expect(client.views.open({ trigger_id: trigger, view: modal as never })).rejects.toMatchObject({
      data: { error: 'exchanged_trigger_id' },
    });
    await expect(client.views.open({ trigger_id: 'made-up', view: modal as never })).rejects.toMatchObject({
      data: { error: 'invalid_trigger_id' },
    });
    const expired = slack.issueTrigger(10);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await expect(client.views.open({ trigger_id: expired, view: modal as never })).rejects.toMatchObject({
      data: { error: 'expired_trigger_id' },
    });
    const { submit: _submit, ...noSubmit } = modal;
    await expect(
      client.views.open({ trigger_id: slack.issueTrigger(), view: noSubmit as never }),
    ).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
  });

  test('chat.postEphemeral is answered but not stored as a message; message() and replies() read the channel', async () => {
    const parent = await client.chat.postMessage({ channel: '#sec', text: 'INC-1' });
    await client.chat.postMessage({ channel: '#sec', text: 'first reply', thread_ts: parent.ts! });
    await client.chat.update({ channel: parent.channel!, ts: parent.ts!, text: 'INC-1 acknowledged' });
    const ephemeral = await client.chat.postEphemeral({
      channel: parent.channel!,
      user: 'U0ALICE01',
      text: 'only you',
    });
    expect(ephemeral.ok).toBe(true);
    expect(slack.callsTo('chat.postEphemeral')[0]?.args).toMatchObject({
      user: 'U0ALICE01',
      text: 'only you',
    });
    expect(slack.message(parent.channel!, parent.ts!)?.text).toBe('INC-1 acknowledged');
    expect(slack.replies(parent.channel!, parent.ts!).map((reply) => reply.text)).toEqual(['first reply']);
  });

  test('delayNext holds answers back', async () => {
    slack.delayNext(1, 1_500);
    const started = performance.now();
    await client.auth.test();
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_490);
    // Only the next one: the call after it is not held (a loaded machine still answers well inside the delay).
    const again = performance.now();
    await client.auth.test();
    expect(performance.now() - again).toBeLessThan(1_000);
  });
});
