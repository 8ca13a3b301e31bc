import { describe, expect, test } from 'vitest';
import {
  deadNotificationText,
  followUpText,
  formatDuration,
  incidentMessage,
  type MessageBlock,
} from './slack-message';
import { SLACK_ACTION_IDS } from './slack-actions';
import { sampleIncident, sampleOutage } from './testing/incident-samples';

const owner = { team: 'security', channel: '#sec-identity', oncall: ['U0SECONC1'], escalation: [] };

function fieldsOf(blocks: MessageBlock[]): string[] {
  return blocks.flatMap((block) =>
    block.type === 'section' ? (block.fields ?? []).map((field) => field.text) : [],
  );
}

function buttonsOf(blocks: MessageBlock[]): Array<[string, string, string]> {
  return blocks.flatMap((block) =>
    block.type === 'actions'
      ? block.elements.map((button): [string, string, string] => [
          button.text.text,
          button.action_id,
          button.value,
        ])
      : [],
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
      // The newest event's own time, not when the detection was recorded (10:00).
      '*Last seen*\n<!date^1767261570^{date_short_pretty} {time}|2026-01-01 09:59 UTC>',
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

  test('events 13 days old: "Last seen" is their time, marked old with when they were recorded', () => {
    const { blocks } = incidentMessage(
      sampleIncident({
        firstEventAt: '2026-01-01T09:58:00.000Z',
        lastEventAt: '2026-01-01T09:59:30.000Z',
        detectedAt: '2026-01-14T10:00:00.000Z',
        lastSeenAt: '2026-01-14T10:00:00.000Z',
      }),
      owner,
    );
    expect(fieldsOf(blocks)).toContain(
      '*Last seen*\n<!date^1767261570^{date_short_pretty} {time}|2026-01-01 09:59 UTC> _(old event, recorded 2026-01-14 10:00 UTC)_',
    );
  });

  test('a resolved outage shows when it resolved and its downtime', () => {
    const { text, blocks } = incidentMessage(
      sampleOutage({ status: 'resolved', resolvedAt: '2026-01-01T10:12:00.000Z', downtimeSeconds: 720 }),
      { team: 'sre', channel: 'C0SREALRT', oncall: [], escalation: [] },
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

describe('incidentMessage: buttons and who acted', () => {
  test('an open incident has Acknowledge, Resolve and Dismiss, each carrying the incident id', () => {
    const incident = sampleIncident();
    const { blocks } = incidentMessage(incident, owner);
    expect(buttonsOf(blocks)).toEqual([
      ['Acknowledge', SLACK_ACTION_IDS.acknowledge, incident.id],
      ['Resolve', SLACK_ACTION_IDS.resolve, incident.id],
      ['Dismiss', SLACK_ACTION_IDS.dismiss, incident.id],
    ]);
    expect(blocks.at(-1)?.type).toBe('actions');
  });

  test.each([
    ['acknowledged', ['Resolve', 'Dismiss']],
    ['contained', ['Resolve']],
    ['resolved', []],
    ['closed', []],
    ['dismissed', []],
  ] as const)('%s: only the buttons its state allows', (status, labels) => {
    const { blocks } = incidentMessage(sampleIncident({ status }), owner);
    expect(buttonsOf(blocks).map(([label]) => label)).toEqual(labels);
    expect(blocks.some((block) => block.type === 'actions')).toBe(labels.length > 0);
  });

  test('the block id changes with the state, as Slack asks of updated messages', () => {
    const ids = (['open', 'acknowledged'] as const).map((status) => {
      const actions = incidentMessage(sampleIncident({ status }), owner).blocks.find(
        (b) => b.type === 'actions',
      );
      return actions?.type === 'actions' ? actions.block_id : undefined;
    });
    expect(ids).toEqual(['vigil.actions.open', 'vigil.actions.acknowledged']);
  });

  test('who acknowledged and resolved, with root cause, remediation and postmortem link', () => {
    const incident = {
      ...sampleIncident({ status: 'resolved', resolvedAt: '2026-01-01T11:05:00.000Z' }),
      acknowledgedAt: '2026-01-01T10:03:00.000Z',
      acknowledgedBy: 'slack:U0ALICE01',
      resolvedBy: 'api:deploy-bot <x>',
      rootCause: 'A leaked password & no lockout',
      remediation: 'Rotated; lockout on',
      postmortemUrl: 'https://wiki.example.com/pm?a=1|b>2',
    };
    const fields = fieldsOf(incidentMessage(incident, owner).blocks);
    expect(fields).toEqual(
      expect.arrayContaining([
        '*Resolved*\n<!date^1767265500^{date_short_pretty} {time}|2026-01-01 11:05 UTC> by api:deploy-bot &lt;x&gt;',
        '*Acknowledged*\n<@U0ALICE01> · <!date^1767261780^{date_short_pretty} {time}|2026-01-01 10:03 UTC>',
        '*Root cause*\nA leaked password &amp; no lockout',
        '*Remediation*\nRotated; lockout on',
        '*Postmortem*\n<https://wiki.example.com/pm?a=1%7Cb%3E2|postmortem>',
      ]),
    );
    expect(fields.some((field) => field.startsWith('*Resolve by*'))).toBe(false);
  });

  test('while open, the acknowledgement and resolution due times', () => {
    const incident = {
      ...sampleIncident(),
      ackDueAt: '2026-01-01T10:30:00.000Z',
      resolveDueAt: '2026-01-02T10:00:00.000Z',
    };
    expect(fieldsOf(incidentMessage(incident, owner).blocks)).toEqual(
      expect.arrayContaining([
        '*Acknowledge by*\n<!date^1767263400^{date_short_pretty} {time}|2026-01-01 10:30 UTC>',
        '*Resolve by*\n<!date^1767348000^{date_short_pretty} {time}|2026-01-02 10:00 UTC>',
      ]),
    );
    const acknowledged = { ...incident, status: 'acknowledged' as const, acknowledgedBy: 'slack:U0ALICE01' };
    expect(fieldsOf(incidentMessage(acknowledged, owner).blocks).filter((f) => f.includes(' by*'))).toEqual([
      '*Resolve by*\n<!date^1767348000^{date_short_pretty} {time}|2026-01-02 10:00 UTC>',
    ]);
  });

  test('a dismissal shows who and why; a long reason is cut without breaking an entity', () => {
    const incident = {
      ...sampleIncident({ status: 'dismissed' }),
      dismissedBy: 'slack:U0BOB0001',
      dismissedAt: '2026-01-01T10:10:00.000Z',
      dismissalReason: `${'&'.repeat(179)}x${'y'.repeat(2000)}`,
    };
    const reason = fieldsOf(incidentMessage(incident, owner).blocks).find((f) => f.startsWith('*Reason*'));
    expect(reason?.length).toBeLessThanOrEqual(2000);
    expect(reason).toMatch(/^\*Reason\*\n(&amp;){179}xy+…$/);
  });
});

describe('followUpText', () => {
  test('names who acted, from the incident', () => {
    const base = sampleIncident({ detectionCount: 3, lastSeenAt: '2026-01-01T10:12:30Z' });
    expect(
      followUpText('updated', { ...base, status: 'acknowledged', acknowledgedBy: 'slack:U0ALICE01' }, 3),
    ).toBe('Acknowledged by <@U0ALICE01>: 3 detections in all, last at 10:12 UTC.');
    expect(
      followUpText('updated', {
        ...base,
        status: 'dismissed',
        dismissedBy: 'slack:U0BOB0001',
        dismissalReason: 'Pen test <scheduled>',
      }),
    ).toBe('Dismissed by <@U0BOB0001>: Pen test &lt;scheduled&gt;');
    expect(
      followUpText('resolved', {
        ...base,
        status: 'resolved',
        resolvedAt: '2026-01-01T11:05:00Z',
        resolvedBy: 'slack:U0ALICE01',
        rootCause: 'Leaked password',
      }),
    ).toBe('Resolved by <@U0ALICE01> 1 h 5 m after it was detected. Root cause: Leaked password.');
  });

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
