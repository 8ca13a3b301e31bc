import { describe, expect, test } from 'vitest';
import {
  deadNotificationText,
  followUpText,
  formatDuration,
  incidentMessage,
  type MessageBlock,
} from './slack-message';
import { sampleIncident, sampleOutage } from './testing/incident-samples';

const owner = { team: 'security', channel: '#sec-identity', oncall: ['U0SECONC1'] };

function fieldsOf(blocks: MessageBlock[]): string[] {
  return blocks.flatMap((block) =>
    block.type === 'section' ? (block.fields ?? []).map((field) => field.text) : [],
  );
}

describe('incidentMessage', () => {
  test('the fallback text carries number, severity, title, state, criteria, entity and owner', () => {
    const { text } = incidentMessage(sampleIncident({ detectionCount: 14 }), owner);
    expect(text).toBe(
      ':large_orange_circle: SEV2 INC-42: Brute force against alice@example.com [Open] CC7.2, CC7.3 · user alice@example.com · security',
    );
  });

  test('blocks: header with the number, the facts as fields, on-call mentioned, the rule in context', () => {
    const { blocks } = incidentMessage(sampleIncident({ detectionCount: 14 }), owner);
    expect(blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'INC-42 · Brute force against alice@example.com', emoji: true },
    });
    expect(fieldsOf(blocks)).toEqual([
      '*Severity*\n:large_orange_circle: SEV2',
      '*State*\nOpen',
      '*Criteria*\nCC7.2, CC7.3',
      '*Entity*\nuser alice@example.com',
      '*Owner*\nsecurity · #sec-identity',
      '*Detections*\n14',
      '*First seen*\n<!date^1767261480^{date_short_pretty} {time}|2026-01-01 09:58 UTC>',
      '*Last seen*\n<!date^1767261600^{date_short_pretty} {time}|2026-01-01 10:00 UTC>',
    ]);
    const section = blocks[1];
    expect(section?.type === 'section' && section.text?.text).toBe(
      '14 failed logins for alice@example.com within 5 minutes\nOn call: <@U0SECONC1>',
    );
    const context = blocks[2];
    expect(context?.type === 'context' && context.elements[0]?.text).toMatch(
      /^Rule identity\.brute-force v1 · security · detected /,
    );
  });

  test('a resolved outage shows when it resolved and its downtime', () => {
    const { text, blocks } = incidentMessage(
      sampleOutage({ status: 'resolved', resolvedAt: '2026-01-01T10:12:00.000Z', downtimeSeconds: 720 }),
      { team: 'sre', channel: 'C0SREALRT', oncall: [] },
    );
    expect(text).toContain('SEV1 INC-7: checkout is down [Resolved]');
    expect(fieldsOf(blocks)).toEqual(
      expect.arrayContaining(['*State*\nResolved', '*Downtime*\n12 m', '*Owner*\nsre · <#C0SREALRT>']),
    );
  });

  test('text from events cannot become mentions or links', () => {
    const incident = sampleIncident({
      title: 'login by <!channel> & <@U1>',
      summary: 'see <https://evil.example|docs>',
    });
    const { text, blocks } = incidentMessage(incident, owner);
    expect(text).toContain('login by &lt;!channel&gt; &amp; &lt;@U1&gt;');
    // Header text is plain_text, which Slack never parses for mentions; only mrkdwn needs escaping.
    const mrkdwn = JSON.stringify(blocks.filter((block) => block.type !== 'header'));
    expect(mrkdwn).toContain('see &lt;https://evil.example|docs&gt;');
    expect(mrkdwn).not.toContain('<https://evil');
  });

  test('long titles are cut to the header limit', () => {
    const { blocks } = incidentMessage(sampleIncident({ title: 'x'.repeat(400) }), owner);
    const header = blocks[0];
    expect(header?.type === 'header' && header.text.text.length).toBe(150);
  });
});

describe('followUpText', () => {
  test('resolved with measured downtime', () => {
    expect(
      followUpText(
        'resolved',
        sampleOutage({ status: 'resolved', resolvedAt: '2026-01-01T10:12:00Z', downtimeSeconds: 720 }),
      ),
    ).toBe('Resolved after 12 m of downtime.');
  });

  test('resolved without downtime says how long after detection', () => {
    expect(
      followUpText('resolved', sampleIncident({ status: 'resolved', resolvedAt: '2026-01-01T11:05:00Z' })),
    ).toBe('Resolved 1 h 5 m after it was detected.');
  });

  test('updated: how many more detections since the last message', () => {
    const incident = sampleIncident({ detectionCount: 14, lastSeenAt: '2026-01-01T10:12:30Z' });
    expect(followUpText('updated', incident, 2)).toBe('12 more detections (14 in all), last at 10:12 UTC.');
    expect(followUpText('updated', { ...incident, detectionCount: 3 }, 2)).toBe(
      '1 more detection (3 in all), last at 10:12 UTC.',
    );
  });

  test('updated with nothing new, or nothing known, states where it stands', () => {
    const incident = sampleIncident({
      status: 'acknowledged',
      detectionCount: 14,
      lastSeenAt: '2026-01-01T10:12:30Z',
    });
    expect(followUpText('updated', incident, 14)).toBe(
      'Acknowledged: 14 detections in all, last at 10:12 UTC.',
    );
    expect(followUpText('updated', incident)).toBe('Acknowledged: 14 detections in all, last at 10:12 UTC.');
  });
});

describe('formatDuration', () => {
  test.each([
    [0, '0 s'],
    [45, '45 s'],
    [720, '12 m'],
    [3_600, '1 h'],
    [3_900, '1 h 5 m'],
    [2 * 86_400 + 3 * 3_600 + 59, '2 d 3 h'],
    [86_400 + 60, '1 d'],
  ])('%d s → %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});

describe('deadNotificationText', () => {
  test('names the incident, the channel, the reason and the notification', () => {
    const text = deadNotificationText({
      notificationId: 'n-1',
      kind: 'opened',
      incidentId: 'i-1',
      incident: sampleIncident(),
      channel: '#gone',
      reason: 'channel_not_found',
    });
    expect(text).toBe(
      ':warning: Vigil could not deliver the *opened* notification for INC-42 (SEV2, Brute force against alice@example.com) ' +
        'to #gone: channel_not_found. It is marked dead and will not be retried; check the channel and that the bot is in it. ' +
        'Notification n-1.',
    );
  });
});
