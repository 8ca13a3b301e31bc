import { describe, expect, test } from 'vitest';
import { SLACK_VIEW_CALLBACKS } from '../slack-actions';
import { dismissModal, readModal, resolveModal } from './incident-modals';

const context = { incidentId: 'i-1', channel: 'C0SECIDEN', messageTs: '1767261600.000100' };
const state = (values: Record<string, string | null>) =>
  Object.fromEntries(
    Object.entries(values).map(([block, value]) => [block, { value: { type: 'plain_text_input', value } }]),
  );

describe('incident modals', () => {
  test('resolve: root cause, remediation and postmortem link, all optional, with the incident in its metadata', () => {
    const view = resolveModal(context, { seq: 1234567, title: 'Brute force <x> & y' });
    expect(view).toMatchObject({
      type: 'modal',
      callback_id: SLACK_VIEW_CALLBACKS.resolve,
      title: { type: 'plain_text', text: 'Resolve INC-1234567' },
      submit: { type: 'plain_text', text: 'Resolve' },
    });
    expect(JSON.parse(view.private_metadata)).toEqual(context);
    expect(view.blocks[0]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '*INC-1234567* · Brute force &lt;x&gt; &amp; y' },
    });
    expect(
      view.blocks.flatMap((block) =>
        block.type === 'input' ? [[block.block_id, block.optional, block.element.type]] : [],
      ),
    ).toEqual([
      ['root_cause', true, 'plain_text_input'],
      ['remediation', true, 'plain_text_input'],
      ['postmortem_url', true, 'url_text_input'],
    ]);
    expect(resolveModal(context).title.text.length).toBeLessThanOrEqual(24);
  });

  test('dismiss: one required reason', () => {
    const view = dismissModal(context);
    expect(view.callback_id).toBe(SLACK_VIEW_CALLBACKS.dismiss);
    expect(view.blocks).toEqual([
      expect.objectContaining({ type: 'input', block_id: 'reason', optional: false }),
    ]);
  });

  test('reading a resolve: empty inputs are left out, text is trimmed, a bad link is shown on its input', () => {
    expect(
      readModal('resolve', state({ root_cause: '  cause  ', remediation: null, postmortem_url: '' })),
    ).toEqual({
      ok: true,
      fields: { rootCause: 'cause' },
    });
    expect(readModal('resolve', state({ root_cause: null, postmortem_url: 'javascript:alert(1)' }))).toEqual({
      ok: false,
      errors: { postmortem_url: 'Must be an http(s) URL.' },
    });
  });

  test('reading a dismiss: the reason is required and must not be blank', () => {
    expect(readModal('dismiss', state({ reason: null }))).toEqual({
      ok: false,
      errors: { reason: 'Required: say why this is not an incident.' },
    });
    expect(readModal('dismiss', state({ reason: '  ' }))).toEqual({
      ok: false,
      errors: { reason: 'Must not be empty.' },
    });
    expect(readModal('dismiss', state({ reason: ' Pen test ' }))).toEqual({
      ok: true,
      fields: { reason: 'Pen test' },
    });
  });
});
